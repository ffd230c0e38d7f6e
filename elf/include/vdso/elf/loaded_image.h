// A bounds-checked view of an ELF shared object laid out in memory as it is
// loaded: the VDSO at AT_SYSINFO_EHDR, or a file read into a buffer (for an
// image whose single PT_LOAD is at offset 0, the two layouts are the same).
//
// Every offset, size, index and string read from the image is checked
// against the buffer and aligned before use, so a malformed image yields
// "invalid" or "not found", never an out-of-bounds read. Freestanding: used
// by the kernel at boot as well as by hosted tools. The parsing and the
// lookup are the shared C core (symbol_lookup.h), which the public C header
// <vdso/sysinfo.h> uses too: one resolver.
#pragma once

#include <stdint.h>

#include "vdso/elf/elf64.h"
#include "vdso/elf/symbol_lookup.h"

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
  const uint8_t* bytes() const { return core_.base; }
  uint64_t size() const { return core_.size; }

  // Bounds- and alignment-checked pointer to `count` objects of type T at
  // byte offset `offset` of the buffer; null if any byte lies outside.
  template <typename T>
  const T* at_offset(uint64_t offset, uint64_t count = 1) const {
    // Bounds first: only then is base_ + offset a pointer into the buffer.
    if (!in_bounds(offset, count, sizeof(T)))
      return nullptr;
    if ((reinterpret_cast<uintptr_t>(core_.base) + offset) % alignof(T) != 0)
      return nullptr;
    return reinterpret_cast<const T*>(core_.base + offset);
  }
  // The same for a virtual address of the image (translated by the bias of
  // the first PT_LOAD, as glibc does for the VDSO).
  template <typename T>
  const T* at_address(uint64_t vaddr, uint64_t count = 1) const {
    if (vaddr < core_.load_vaddr)
      return nullptr;
    return at_offset<T>(vaddr - core_.load_vaddr, count);
  }

 private:
  bool in_bounds(uint64_t offset, uint64_t count, uint64_t element_size) const {
    return vdso_elf_in_bounds(&core_, offset, count, element_size) != 0;
  }

  vdso_elf_image core_{};
  const Ehdr* header_ = nullptr;
  const Phdr* phdrs_ = nullptr;
  const Dyn* dynamic_ = nullptr;
  uint64_t dynamic_count_ = 0;
};

// Seed step 5 for our own user space: the address of `name@version` in the
// VDSO image at `image` (e.g. getauxval(AT_SYSINFO_EHDR)), or null.
const void* resolve_vdso_symbol(const void* image, uint64_t size, const char* name,
                                const char* version);

}  // namespace vdso::elf
