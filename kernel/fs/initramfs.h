// The initramfs: a cpio archive in the "newc" format (the one Linux's
// initramfs uses), handed to the kernel as a multiboot module and read in
// place through the direct map. Read-only: regular files, directories and
// symbolic links (a link's data is its target); fs/tree.cpp builds the
// file tree from these entries.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::initramfs {

struct File {
  const uint8_t* data;
  uint64_t size;
  uint32_t mode;  // st_mode from the archive
};

// Indexes the archive at [begin, begin + size). Every header field and
// name is bounds-checked: a truncated or corrupt archive is reported and
// indexed up to the damage, never read beyond its end.
void init(const uint8_t* begin, uint64_t size);

// Looks a path up ("/init", "init" and "./init" name the same file).
// Returns false when there is no such regular file.
bool find(const char* path, File& out);

// Number of entries indexed (for the boot log and tests).
int file_count();
// Entry `index` (0..file_count()-1): its path in the archive without a
// leading "/" or "./" (not NUL-terminated: `name_length` bytes).
void entry(int index, const char*& name, uint64_t& name_length, File& file);

}  // namespace kernel::initramfs
