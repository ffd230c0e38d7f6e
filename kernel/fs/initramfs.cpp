#include "fs/initramfs.h"

#include "console/print.h"

namespace kernel::initramfs {
namespace {

// newc header: "070701" then 13 fields of 8 hex digits (man 5 cpio).
constexpr uint64_t kHeaderSize = 110;
constexpr int kFieldMode = 1, kFieldFileSize = 6, kFieldNameSize = 11;
constexpr uint32_t kTypeMask = 0170000, kTypeRegular = 0100000, kTypeDirectory = 0040000,
                   kTypeSymlink = 0120000;
constexpr int kMaxFiles = 1024;

struct Entry {
  const char* name;  // without leading "/" or "./"
  uint64_t name_length;
  File file;
};
Entry entries[kMaxFiles];
int entry_count = 0;

bool parse_hex(const uint8_t* text, uint32_t& out) {
  uint32_t value = 0;
  for (int i = 0; i < 8; ++i) {
    const uint8_t c = text[i];
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    value = value << 4 | digit;
  }
  out = value;
  return true;
}

uint64_t align4(uint64_t v) {
  return (v + 3) & ~uint64_t{3};
}

const char* strip_prefix(const char* name, uint64_t& length) {
  while (length > 0 && (name[0] == '/' || (name[0] == '.' && length > 1 && name[1] == '/'))) {
    const uint64_t skip = name[0] == '/' ? 1 : 2;
    name += skip;
    length -= skip;
  }
  return name;
}

bool same_name(const char* a, uint64_t a_length, const char* b, uint64_t b_length) {
  if (a_length != b_length)
    return false;
  for (uint64_t i = 0; i < a_length; ++i) {
    if (a[i] != b[i])
      return false;
  }
  return true;
}

}  // namespace

void init(const uint8_t* begin, uint64_t size) {
  static constexpr char kMagic[] = "070701";
  uint64_t offset = 0;
  for (;;) {
    if (offset > size || size - offset < kHeaderSize) {
      kprint("initramfs: truncated header at offset %lu\n", offset);
      break;
    }
    const uint8_t* header = begin + offset;
    bool magic_ok = true;
    for (int i = 0; i < 6; ++i)
      magic_ok = magic_ok && header[i] == static_cast<uint8_t>(kMagic[i]);
    uint32_t mode = 0, file_size = 0, name_size = 0;
    if (!magic_ok || !parse_hex(header + 6 + 8 * kFieldMode, mode) ||
        !parse_hex(header + 6 + 8 * kFieldFileSize, file_size) ||
        !parse_hex(header + 6 + 8 * kFieldNameSize, name_size) || name_size == 0) {
      kprint("initramfs: bad header at offset %lu\n", offset);
      break;
    }
    const uint64_t name_offset = offset + kHeaderSize;
    const uint64_t data_offset = align4(name_offset + name_size);
    const uint64_t next = align4(data_offset + file_size);
    if (data_offset > size || file_size > size - data_offset ||
        begin[name_offset + name_size - 1] != '\0') {
      kprint("initramfs: entry at offset %lu runs past the archive\n", offset);
      break;
    }
    const char* name = reinterpret_cast<const char*>(begin + name_offset);
    uint64_t name_length = name_size - 1;
    if (same_name(name, name_length, "TRAILER!!!", 10))
      break;
    name = strip_prefix(name, name_length);
    const uint32_t type = mode & kTypeMask;
    if ((type == kTypeRegular || type == kTypeDirectory || type == kTypeSymlink) &&
        name_length > 0) {
      if (entry_count == kMaxFiles) {
        kprint("initramfs: more than %d files; ignoring the rest\n", kMaxFiles);
        break;
      }
      entries[entry_count++] = {name, name_length, {begin + data_offset, file_size, mode}};
    }
    offset = next;
  }
  kprint("initramfs: %d files in %lu bytes\n", entry_count, size);
}

bool find(const char* path, File& out) {
  uint64_t length = 0;
  while (path[length] != '\0')
    ++length;
  path = strip_prefix(path, length);
  for (int i = 0; i < entry_count; ++i) {
    if ((entries[i].file.mode & kTypeMask) == kTypeRegular &&
        same_name(entries[i].name, entries[i].name_length, path, length)) {
      out = entries[i].file;
      return true;
    }
  }
  return false;
}

int file_count() {
  return entry_count;
}

void entry(int index, const char*& name, uint64_t& name_length, File& file) {
  name = entries[index].name;
  name_length = entries[index].name_length;
  file = entries[index].file;
}

}  // namespace kernel::initramfs
