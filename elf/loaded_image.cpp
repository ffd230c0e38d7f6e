#include "vdso/elf/loaded_image.h"

namespace vdso::elf {
namespace {

// Bounds every walk over a linked structure of the image (hash chains,
// version definitions): a cycle in a malformed image must end.
constexpr uint32_t kMaxWalk = 1u << 16;

}  // namespace

bool LoadedImage::in_bounds(uint64_t offset, uint64_t count, uint64_t element_size) const {
  if (offset > size_)
    return false;
  if (element_size != 0 && count > (size_ - offset) / element_size)
    return false;
  return true;
}

bool LoadedImage::parse(const void* base, uint64_t size, LoadedImage* out) {
  LoadedImage image;
  image.base_ = static_cast<const uint8_t*>(base);
  image.size_ = size;

  const Ehdr* header = image.at_offset<Ehdr>(0);
  if (header == nullptr)
    return false;
  for (int i = 0; i < 4; ++i) {
    if (header->ident[i] != kMagic[i])
      return false;
  }
  if (header->ident[4] != kClass64 || header->ident[5] != kDataLittleEndian)
    return false;
  if (header->phentsize != sizeof(Phdr))
    return false;
  image.header_ = header;

  image.phdrs_ = image.at_offset<Phdr>(header->phoff, header->phnum);
  if (image.phdrs_ == nullptr)
    return false;

  const Phdr* dynamic_phdr = nullptr;
  bool seen_load = false;
  for (uint16_t i = 0; i < header->phnum; ++i) {
    const Phdr& ph = image.phdrs_[i];
    if (ph.type == kPtLoad && !seen_load) {
      image.load_vaddr_ = ph.vaddr;
      seen_load = true;
    }
    if (ph.type == kPtDynamic && dynamic_phdr == nullptr)
      dynamic_phdr = &ph;
  }

  if (dynamic_phdr != nullptr) {
    uint64_t count = dynamic_phdr->memsz / sizeof(Dyn);
    // A dynamic section outside the image leaves the image without one:
    // nothing can be looked up, but the headers can still be inspected.
    image.dynamic_ = image.at_address<Dyn>(dynamic_phdr->vaddr, count);
    if (image.dynamic_ == nullptr)
      count = 0;
    // The table ends at DT_NULL (or at the end of the segment).
    uint64_t n = 0;
    while (n < count && image.dynamic_[n].tag != kDtNull)
      ++n;
    image.dynamic_count_ = n;
    for (uint64_t j = 0; j < n; ++j) {
      const Dyn& d = image.dynamic_[j];
      switch (d.tag) {
        case kDtStrtab: image.strtab_ = d.value; break;
        case kDtStrsz: image.strsz_ = d.value; break;
        case kDtSymtab: image.symtab_ = d.value; break;
        case kDtHash: image.sysv_hash_ = d.value; break;
        case kDtGnuHash: image.gnu_hash_ = d.value; break;
        case kDtVersym: image.versym_ = d.value; break;
        case kDtVerdef: image.verdef_ = d.value; break;
        case kDtVerdefnum: image.verdefnum_ = d.value; break;
        default: break;
      }
    }
  }
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
  if (strtab_ == 0 || offset >= strsz_)
    return nullptr;
  const char* table = at_address<char>(strtab_, strsz_);
  if (table == nullptr)
    return nullptr;
  // The string must end inside the table.
  for (uint64_t i = offset; i < strsz_; ++i) {
    if (table[i] == '\0')
      return table + offset;
  }
  return nullptr;
}

bool LoadedImage::string_equals(uint64_t strtab_offset, const char* expected) const {
  const char* s = dynamic_string(strtab_offset);
  return s != nullptr && names_equal(s, expected);
}

bool LoadedImage::defines_version(const char* version) const {
  if (verdef_ == 0)
    return false;
  uint64_t vaddr = verdef_;
  const uint32_t limit =
      verdefnum_ != 0 && verdefnum_ < kMaxWalk ? static_cast<uint32_t>(verdefnum_) : kMaxWalk;
  for (uint32_t i = 0; i < limit; ++i) {
    const Verdef* def = at_address<Verdef>(vaddr);
    if (def == nullptr)
      return false;
    const Verdaux* aux = at_address<Verdaux>(vaddr + def->aux);
    if (aux != nullptr && (def->flags & kVerFlgBase) == 0 && string_equals(aux->name, version) &&
        def->hash == sysv_hash(version)) {
      return true;
    }
    if (def->next == 0)
      return false;
    vaddr += def->next;
  }
  return false;
}

bool LoadedImage::version_matches(uint32_t symbol_index, const char* version) const {
  if (version == nullptr)
    return true;
  // An image without versions satisfies any versioned lookup, as in glibc.
  if (versym_ == 0)
    return true;
  const uint16_t* versym = at_address<uint16_t>(versym_ + uint64_t{symbol_index} * 2);
  if (versym == nullptr || verdef_ == 0)
    return false;
  const uint16_t wanted_index = *versym & static_cast<uint16_t>(~kVersymHidden);

  uint64_t vaddr = verdef_;
  for (uint32_t i = 0; i < kMaxWalk; ++i) {
    const Verdef* def = at_address<Verdef>(vaddr);
    if (def == nullptr)
      return false;
    if (def->ndx == wanted_index) {
      const Verdaux* aux = at_address<Verdaux>(vaddr + def->aux);
      // glibc compares the hash as well as the name: so do we.
      return aux != nullptr && def->hash == sysv_hash(version) && string_equals(aux->name, version);
    }
    if (def->next == 0)
      return false;
    vaddr += def->next;
  }
  return false;
}

const Sym* LoadedImage::match(uint32_t symbol_index, const char* name, const char* version) const {
  const Sym* sym = at_address<Sym>(symtab_ + uint64_t{symbol_index} * sizeof(Sym));
  if (sym == nullptr || sym->shndx == kShnUndef)
    return nullptr;
  const uint8_t binding = sym->info >> 4;
  if (binding != kStbGlobal && binding != kStbWeak)
    return nullptr;
  if (!string_equals(sym->name, name))
    return nullptr;
  if (!version_matches(symbol_index, version))
    return nullptr;
  return sym;
}

const Sym* LoadedImage::lookup_sysv(const char* name, const char* version) const {
  if (sysv_hash_ == 0)
    return nullptr;
  const uint32_t* counts = at_address<uint32_t>(sysv_hash_, 2);
  if (counts == nullptr || counts[0] == 0)
    return nullptr;
  const uint32_t nbucket = counts[0];
  const uint32_t nchain = counts[1];
  const uint32_t* buckets = at_address<uint32_t>(sysv_hash_ + 8, nbucket);
  const uint32_t* chain = at_address<uint32_t>(sysv_hash_ + 8 + uint64_t{nbucket} * 4, nchain);
  if (buckets == nullptr || chain == nullptr)
    return nullptr;

  uint32_t index = buckets[sysv_hash(name) % nbucket];
  for (uint32_t steps = 0; index != 0 && index < nchain && steps < kMaxWalk; ++steps) {
    if (const Sym* sym = match(index, name, version))
      return sym;
    index = chain[index];
  }
  return nullptr;
}

const Sym* LoadedImage::lookup_gnu(const char* name, const char* version) const {
  if (gnu_hash_ == 0)
    return nullptr;
  const uint32_t* header = at_address<uint32_t>(gnu_hash_, 4);
  if (header == nullptr)
    return nullptr;
  const uint32_t nbuckets = header[0], symoffset = header[1];
  const uint32_t bloom_size = header[2], bloom_shift = header[3];
  if (nbuckets == 0 || bloom_size == 0)
    return nullptr;
  const uint64_t* bloom = at_address<uint64_t>(gnu_hash_ + 16, bloom_size);
  const uint64_t buckets_vaddr = gnu_hash_ + 16 + uint64_t{bloom_size} * 8;
  const uint32_t* buckets = at_address<uint32_t>(buckets_vaddr, nbuckets);
  if (bloom == nullptr || buckets == nullptr)
    return nullptr;
  const uint64_t chain_vaddr = buckets_vaddr + uint64_t{nbuckets} * 4;

  const uint32_t hash = gnu_hash(name);
  // The bloom filter, exactly as the dynamic linker applies it: a bad filter
  // hides symbols from glibc, so it must hide them from us too.
  const uint64_t word = bloom[(hash / 64) % bloom_size];
  const uint64_t mask =
      (uint64_t{1} << (hash % 64)) | (uint64_t{1} << ((hash >> (bloom_shift % 32)) % 64));
  if ((word & mask) != mask)
    return nullptr;

  uint32_t index = buckets[hash % nbuckets];
  if (index < symoffset)
    return nullptr;
  for (uint32_t steps = 0; steps < kMaxWalk; ++steps, ++index) {
    const uint32_t* chain_hash =
        at_address<uint32_t>(chain_vaddr + uint64_t{index - symoffset} * 4);
    if (chain_hash == nullptr)
      return nullptr;
    if ((*chain_hash | 1) == (hash | 1)) {
      if (const Sym* sym = match(index, name, version))
        return sym;
    }
    if ((*chain_hash & 1) != 0)
      return nullptr;
  }
  return nullptr;
}

const void* LoadedImage::lookup(const char* name, const char* version, HashTable table) const {
  if (symtab_ == 0 || strtab_ == 0)
    return nullptr;
  const Sym* sym = nullptr;
  switch (table) {
    case HashTable::kGnu: sym = lookup_gnu(name, version); break;
    case HashTable::kSysv: sym = lookup_sysv(name, version); break;
    case HashTable::kAny:
      sym = gnu_hash_ != 0 ? lookup_gnu(name, version) : lookup_sysv(name, version);
      break;
  }
  if (sym == nullptr)
    return nullptr;
  // The symbol must point inside the image.
  if (sym->value < load_vaddr_ || sym->value - load_vaddr_ >= size_)
    return nullptr;
  return base_ + (sym->value - load_vaddr_);
}

const void* resolve_vdso_symbol(const void* image, uint64_t size, const char* name,
                                const char* version) {
  LoadedImage loaded;
  if (!LoadedImage::parse(image, size, &loaded))
    return nullptr;
  return loaded.lookup(name, version);
}

}  // namespace vdso::elf
