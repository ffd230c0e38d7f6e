#include "vdso/elf/loaded_image.h"

namespace vdso::elf {

bool LoadedImage::parse(const void* base, uint64_t size, LoadedImage* out) {
  LoadedImage image;
  if (!vdso_elf_image_init(&image.core_, base, size))
    return false;
  // Typed views for the checker; the core has checked the bounds, these
  // check the alignment as well.
  image.header_ = image.at_offset<Ehdr>(0);
  image.phdrs_ = image.at_offset<Phdr>(image.core_.phoff, image.core_.phnum);
  if (image.header_ == nullptr || image.phdrs_ == nullptr)
    return false;
  image.dynamic_ = image.at_offset<Dyn>(image.core_.dynamic_offset, image.core_.dynamic_count);
  image.dynamic_count_ = image.dynamic_ != nullptr ? image.core_.dynamic_count : 0;
  *out = image;
  return true;
}

bool LoadedImage::dynamic_value(int64_t tag, uint64_t* value) const {
  for (uint64_t i = 0; i < dynamic_count_; ++i) {
    if (dynamic_[i].tag == tag) {
      *value = dynamic_[i].value;
      return true;
    }
  }
  return false;
}

const char* LoadedImage::dynamic_string(uint64_t offset) const {
  return vdso_elf_string(&core_, offset);
}

bool LoadedImage::defines_version(const char* version) const {
  return vdso_elf_defines_version(&core_, version) != 0;
}

const void* LoadedImage::lookup(const char* name, const char* version, HashTable table) const {
  switch (table) {
    case HashTable::kGnu: return vdso_elf_lookup(&core_, name, version, VDSO_ELF_HASH_GNU);
    case HashTable::kSysv: return vdso_elf_lookup(&core_, name, version, VDSO_ELF_HASH_SYSV);
    case HashTable::kAny: return vdso_elf_lookup(&core_, name, version, VDSO_ELF_HASH_ANY);
  }
  return nullptr;
}

const void* resolve_vdso_symbol(const void* image, uint64_t size, const char* name,
                                const char* version) {
  LoadedImage loaded;
  if (!LoadedImage::parse(image, size, &loaded))
    return nullptr;
  return loaded.lookup(name, version);
}

}  // namespace vdso::elf
