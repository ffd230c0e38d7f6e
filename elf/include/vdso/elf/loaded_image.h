// A bounds-checked view of an ELF shared object laid out in memory as it is
// loaded: the VDSO at AT_SYSINFO_EHDR, or a file read into a buffer (for an
// image whose single PT_LOAD is at offset 0, the two layouts are the same).
//
// Every offset, size, index and string read from the image is checked
// against the buffer and aligned before use, so a malformed image yields
// "invalid" or "not found", never an out-of-bounds read. Freestanding: used
// by the kernel at boot as well as by hosted tools.
#pragma once

#include <stdint.h>

#include "vdso/elf/elf64.h"

namespace vdso::elf {

enum class HashTable { kAny, kGnu, kSysv };

class LoadedImage {
 public:
  // Parses the ELF header, program headers and dynamic section of the
  // `size` bytes at `base`. Returns false if they are not a well-formed
  // little-endian ELF64 object inside the buffer.
  static bool parse(const void* base, uint64_t size, LoadedImage* out);

  // The address of `name`, defined with version `version` (or any version
  // when `version` is null), found through the given hash table the way a
  // dynamic linker would (GNU hash: bloom filter first). Null if absent.
  const void* lookup(const char* name, const char* version,
                     HashTable table = HashTable::kAny) const;

  // True if `version` is a version node of the image's DT_VERDEF.
  bool defines_version(const char* version) const;

  // The value of the first dynamic entry with `tag`, if any.
  bool dynamic_value(int64_t tag, uint64_t* value) const;
  // The NUL-terminated string at `offset` in DT_STRTAB, or null.
  const char* dynamic_string(uint64_t offset) const;

  const Ehdr& header() const { return *header_; }
  const Phdr* program_headers() const { return phdrs_; }
  uint16_t program_header_count() const { return header_->phnum; }
  const Dyn* dynamic() const { return dynamic_; }
  uint64_t dynamic_count() const { return dynamic_count_; }
  const uint8_t* bytes() const { return base_; }
  uint64_t size() const { return size_; }

  // Bounds- and alignment-checked pointer to `count` objects of type T at
  // byte offset `offset` of the buffer; null if any byte lies outside.
  template <typename T>
  const T* at_offset(uint64_t offset, uint64_t count = 1) const {
    // Bounds first: only then is base_ + offset a pointer into the buffer.
    if (!in_bounds(offset, count, sizeof(T)))
      return nullptr;
    if ((reinterpret_cast<uintptr_t>(base_) + offset) % alignof(T) != 0)
      return nullptr;
    return reinterpret_cast<const T*>(base_ + offset);
  }
  // The same for a virtual address of the image (translated by the bias of
  // the first PT_LOAD, as glibc does for the VDSO).
  template <typename T>
  const T* at_address(uint64_t vaddr, uint64_t count = 1) const {
    if (vaddr < load_vaddr_)
      return nullptr;
    return at_offset<T>(vaddr - load_vaddr_, count);
  }

 private:
  bool in_bounds(uint64_t offset, uint64_t count, uint64_t element_size) const;
  bool string_equals(uint64_t strtab_offset, const char* expected) const;
  bool version_matches(uint32_t symbol_index, const char* version) const;
  const Sym* match(uint32_t symbol_index, const char* name, const char* version) const;
  const Sym* lookup_gnu(const char* name, const char* version) const;
  const Sym* lookup_sysv(const char* name, const char* version) const;

  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  const Ehdr* header_ = nullptr;
  const Phdr* phdrs_ = nullptr;
  const Dyn* dynamic_ = nullptr;
  uint64_t dynamic_count_ = 0;
  uint64_t load_vaddr_ = 0;
  // From the dynamic section; 0 when absent.
  uint64_t strtab_ = 0, strsz_ = 0, symtab_ = 0, sysv_hash_ = 0, gnu_hash_ = 0;
  uint64_t versym_ = 0, verdef_ = 0, verdefnum_ = 0;
};

// Seed step 5 for our own user space: the address of `name@version` in the
// VDSO image at `image` (e.g. getauxval(AT_SYSINFO_EHDR)), or null.
const void* resolve_vdso_symbol(const void* image, uint64_t size, const char* name,
                                const char* version);

}  // namespace vdso::elf
