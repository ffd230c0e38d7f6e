/* The one symbol lookup of a VDSO image laid out as loaded: parse its ELF
 * header, program headers and dynamic section, then find name@version
 * through DT_GNU_HASH (bloom filter first) or DT_HASH, as a dynamic linker
 * does. Shared by the C++ resolver (elf/loaded_image.cpp: tools, hosts, the
 * kernel) and the public C header <vdso/sysinfo.h>, so that there is one
 * resolver, not two.
 *
 * Header-only C99 that is also C++, freestanding (only <stdint.h>): no libc,
 * no allocation. Every field is read by its ELF64 offset through a bounds
 * check against the image's size, so a malformed image yields "not found",
 * never an out-of-bounds read. Walks over linked structures (hash chains,
 * version definitions) are bounded, so a cycle ends. */
#ifndef VDSO_ELF_SYMBOL_LOOKUP_H
#define VDSO_ELF_SYMBOL_LOOKUP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds every walk over a linked structure of the image. */
#define VDSO_ELF_MAX_WALK (1u << 16)

enum vdso_elf_hash_table { VDSO_ELF_HASH_ANY, VDSO_ELF_HASH_GNU, VDSO_ELF_HASH_SYSV };

/* What vdso_elf_image_init found. Offsets are from `base`, addresses are the
 * image's virtual addresses (translated by the first PT_LOAD's vaddr, as
 * glibc does for the VDSO); 0 when absent. */
struct vdso_elf_image {
  const unsigned char* base;
  uint64_t size;
  uint64_t load_vaddr;
  uint64_t phoff;
  uint16_t phnum;
  uint64_t dynamic_offset; /* of the first Elf64_Dyn; 0 with dynamic_count 0: none */
  uint64_t dynamic_count;  /* entries before DT_NULL */
  uint64_t strtab, strsz, symtab, sysv_hash, gnu_hash, versym, verdef, verdefnum;
};

/* ---- Bounds-checked little-endian reads --------------------------------- */

static inline int vdso_elf_in_bounds(const struct vdso_elf_image* im, uint64_t offset,
                                     uint64_t count, uint64_t element_size) {
  if (offset > im->size)
    return 0;
  if (element_size != 0 && count > (im->size - offset) / element_size)
    return 0;
  return 1;
}

/* The `width`-byte field at `offset`, or 0 with *ok cleared if outside. */
static inline uint64_t vdso_elf_field(const struct vdso_elf_image* im, uint64_t offset,
                                      unsigned width, int* ok) {
  uint64_t value = 0;
  unsigned i;
  if (!vdso_elf_in_bounds(im, offset, 1, width)) {
    *ok = 0;
    return 0;
  }
  for (i = 0; i < width; ++i)
    value |= (uint64_t)im->base[offset + i] << (8 * i);
  return value;
}

/* The byte offset of virtual address `vaddr`, or ~0 if below the image. */
static inline uint64_t vdso_elf_offset_of(const struct vdso_elf_image* im, uint64_t vaddr) {
  return vaddr < im->load_vaddr ? ~(uint64_t)0 : vaddr - im->load_vaddr;
}

static inline uint64_t vdso_elf_at_vaddr(const struct vdso_elf_image* im, uint64_t vaddr,
                                         unsigned width, int* ok) {
  return vdso_elf_field(im, vdso_elf_offset_of(im, vaddr), width, ok);
}

/* ---- Hashes and names -------------------------------------------------- */

/* The System V hash of a symbol or version name (gABI "Hash Table"). */
static inline uint32_t vdso_elf_sysv_hash(const char* name) {
  uint32_t h = 0;
  for (; *name != '\0'; ++name) {
    uint32_t g;
    h = (h << 4) + (uint8_t)*name;
    g = h & 0xf0000000u;
    if (g != 0)
      h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

/* The GNU hash (DJB's hash with seed 5381). */
static inline uint32_t vdso_elf_gnu_hash(const char* name) {
  uint32_t h = 5381;
  for (; *name != '\0'; ++name)
    h = h * 33 + (uint8_t)*name;
  return h;
}

/* The NUL-terminated string at `offset` of DT_STRTAB, ending inside the
 * table, or null. */
static inline const char* vdso_elf_string(const struct vdso_elf_image* im, uint64_t offset) {
  uint64_t table, i;
  if (im->strtab == 0 || offset >= im->strsz)
    return 0;
  table = vdso_elf_offset_of(im, im->strtab);
  if (!vdso_elf_in_bounds(im, table, im->strsz, 1))
    return 0;
  for (i = offset; i < im->strsz; ++i) {
    if (im->base[table + i] == '\0')
      return (const char*)im->base + table + offset;
  }
  return 0;
}

static inline int vdso_elf_names_equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

static inline int vdso_elf_string_equals(const struct vdso_elf_image* im, uint64_t offset,
                                         const char* expected) {
  const char* s = vdso_elf_string(im, offset);
  return s != 0 && vdso_elf_names_equal(s, expected);
}

/* ---- Parsing ------------------------------------------------------------ */

/* Parses the `size` bytes at `base`. Returns 0 if they are not a
 * well-formed little-endian ELF64 object inside the buffer. An image
 * without (or with an out-of-bounds) dynamic section parses, with nothing
 * to look up. */
static inline int vdso_elf_image_init(struct vdso_elf_image* im, const void* base, uint64_t size) {
  static const unsigned char kMagic[4] = {0x7f, 'E', 'L', 'F'};
  int ok = 1, seen_load = 0, seen_dynamic = 0, i;
  uint64_t dynamic_vaddr = 0, dynamic_memsz = 0, j, n, count;
  struct vdso_elf_image zero = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  *im = zero;
  im->base = (const unsigned char*)base;
  im->size = size;
  if (!vdso_elf_in_bounds(im, 0, 1, 64))
    return 0;
  for (i = 0; i < 4; ++i) {
    if (im->base[i] != kMagic[i])
      return 0;
  }
  if (im->base[4] != 2 /* ELFCLASS64 */ || im->base[5] != 1 /* ELFDATA2LSB */)
    return 0;
  if (vdso_elf_field(im, 54, 2, &ok) != 56) /* e_phentsize */
    return 0;
  im->phoff = vdso_elf_field(im, 32, 8, &ok);
  im->phnum = (uint16_t)vdso_elf_field(im, 56, 2, &ok);
  if (!vdso_elf_in_bounds(im, im->phoff, im->phnum, 56))
    return 0;
  for (i = 0; i < im->phnum; ++i) {
    const uint64_t ph = im->phoff + (uint64_t)i * 56;
    const uint32_t type = (uint32_t)vdso_elf_field(im, ph, 4, &ok);
    if (type == 1 /* PT_LOAD */ && !seen_load) {
      im->load_vaddr = vdso_elf_field(im, ph + 16, 8, &ok);
      seen_load = 1;
    }
    if (type == 2 /* PT_DYNAMIC */ && !seen_dynamic) {
      dynamic_vaddr = vdso_elf_field(im, ph + 16, 8, &ok);
      dynamic_memsz = vdso_elf_field(im, ph + 40, 8, &ok);
      seen_dynamic = 1;
    }
  }
  count = dynamic_memsz / 16;
  if (count != 0) {
    const uint64_t offset = vdso_elf_offset_of(im, dynamic_vaddr);
    if (vdso_elf_in_bounds(im, offset, count, 16)) {
      /* The table ends at DT_NULL (or at the end of the segment). */
      for (n = 0; n < count && vdso_elf_field(im, offset + n * 16, 8, &ok) != 0; ++n) {
      }
      im->dynamic_offset = offset;
      im->dynamic_count = n;
    }
  }
  for (j = 0; j < im->dynamic_count; ++j) {
    const uint64_t d = im->dynamic_offset + j * 16;
    const uint64_t tag = vdso_elf_field(im, d, 8, &ok);
    const uint64_t value = vdso_elf_field(im, d + 8, 8, &ok);
    switch (tag) {
      case 5: im->strtab = value; break;
      case 10: im->strsz = value; break;
      case 6: im->symtab = value; break;
      case 4: im->sysv_hash = value; break;
      case 0x6ffffef5: im->gnu_hash = value; break;
      case 0x6ffffff0: im->versym = value; break;
      case 0x6ffffffc: im->verdef = value; break;
      case 0x6ffffffd: im->verdefnum = value; break;
      default: break;
    }
  }
  return ok;
}

/* The same for an image mapped at `base` whose size is not known (a VDSO at
 * AT_SYSINFO_EHDR): the extent of its first PT_LOAD, which for a VDSO
 * starts at offset 0 and holds every table the lookup reads. */
static inline int vdso_elf_image_init_mapped(struct vdso_elf_image* im, const void* base) {
  struct vdso_elf_image header = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  int ok = 1, i;
  /* The ELF header and program headers are mapped: they are in the segment.
   * Read them within their own extent first. */
  header.base = (const unsigned char*)base;
  header.size = 64;
  header.phoff = vdso_elf_field(&header, 32, 8, &ok);
  header.phnum = (uint16_t)vdso_elf_field(&header, 56, 2, &ok);
  if (!ok || base == 0 || header.phoff > (uint64_t)1 << 20)
    return 0;
  header.size = header.phoff + (uint64_t)header.phnum * 56;
  for (i = 0; i < header.phnum; ++i) {
    const uint64_t ph = header.phoff + (uint64_t)i * 56;
    if (vdso_elf_field(&header, ph, 4, &ok) == 1 /* PT_LOAD */)
      return ok && vdso_elf_image_init(im, base, vdso_elf_field(&header, ph + 40, 8, &ok));
  }
  return 0;
}

/* ---- Versions ----------------------------------------------------------- */

/* Verdef: version(2) flags(2) ndx(2) cnt(2) hash(4) aux(4) next(4);
 * Verdaux: name(4) next(4). */

/* True if `version` is a version node (not the base entry) of DT_VERDEF. */
static inline int vdso_elf_defines_version(const struct vdso_elf_image* im, const char* version) {
  uint64_t vaddr = im->verdef;
  uint32_t i, limit;
  if (im->verdef == 0)
    return 0;
  limit = im->verdefnum != 0 && im->verdefnum < VDSO_ELF_MAX_WALK ? (uint32_t)im->verdefnum
                                                                  : VDSO_ELF_MAX_WALK;
  for (i = 0; i < limit; ++i) {
    int ok = 1;
    const uint64_t flags = vdso_elf_at_vaddr(im, vaddr + 2, 2, &ok);
    const uint64_t hash = vdso_elf_at_vaddr(im, vaddr + 8, 4, &ok);
    const uint64_t aux = vdso_elf_at_vaddr(im, vaddr + 12, 4, &ok);
    const uint64_t next = vdso_elf_at_vaddr(im, vaddr + 16, 4, &ok);
    int aux_ok = ok;
    const uint64_t name = vdso_elf_at_vaddr(im, vaddr + aux, 4, &aux_ok);
    if (!ok)
      return 0;
    if (aux_ok && (flags & 1 /* VER_FLG_BASE */) == 0 &&
        vdso_elf_string_equals(im, name, version) && hash == vdso_elf_sysv_hash(version)) {
      return 1;
    }
    if (next == 0)
      return 0;
    vaddr += next;
  }
  return 0;
}

/* True if symbol `index` has version `version` (any, when null). */
static inline int vdso_elf_version_matches(const struct vdso_elf_image* im, uint32_t index,
                                           const char* version) {
  uint64_t vaddr = im->verdef;
  uint32_t i;
  int ok = 1;
  uint16_t wanted;
  if (version == 0)
    return 1;
  /* An image without versions satisfies any versioned lookup, as in glibc. */
  if (im->versym == 0)
    return 1;
  wanted = (uint16_t)(vdso_elf_at_vaddr(im, im->versym + (uint64_t)index * 2, 2, &ok) & 0x7fff);
  if (!ok || im->verdef == 0)
    return 0;
  for (i = 0; i < VDSO_ELF_MAX_WALK; ++i) {
    const uint64_t ndx = vdso_elf_at_vaddr(im, vaddr + 4, 2, &ok);
    const uint64_t hash = vdso_elf_at_vaddr(im, vaddr + 8, 4, &ok);
    const uint64_t aux = vdso_elf_at_vaddr(im, vaddr + 12, 4, &ok);
    const uint64_t next = vdso_elf_at_vaddr(im, vaddr + 16, 4, &ok);
    if (!ok)
      return 0;
    if (ndx == wanted) {
      const uint64_t name = vdso_elf_at_vaddr(im, vaddr + aux, 4, &ok);
      /* glibc compares the hash as well as the name: so do we. */
      return ok && hash == vdso_elf_sysv_hash(version) && vdso_elf_string_equals(im, name, version);
    }
    if (next == 0)
      return 0;
    vaddr += next;
  }
  return 0;
}

/* ---- Symbols ------------------------------------------------------------ */

/* Elf64_Sym: name(4) info(1) other(1) shndx(2) value(8) size(8). The value
 * of symbol `index` if it is a defined global or weak `name`@`version`. */
static inline int vdso_elf_match(const struct vdso_elf_image* im, uint32_t index, const char* name,
                                 const char* version, uint64_t* value) {
  int ok = 1;
  const uint64_t sym = im->symtab + (uint64_t)index * 24;
  const uint64_t name_offset = vdso_elf_at_vaddr(im, sym, 4, &ok);
  const uint64_t info = vdso_elf_at_vaddr(im, sym + 4, 1, &ok);
  const uint64_t shndx = vdso_elf_at_vaddr(im, sym + 6, 2, &ok);
  const uint64_t binding = info >> 4;
  *value = vdso_elf_at_vaddr(im, sym + 8, 8, &ok);
  if (!ok || shndx == 0 /* SHN_UNDEF */)
    return 0;
  if (binding != 1 /* STB_GLOBAL */ && binding != 2 /* STB_WEAK */)
    return 0;
  return vdso_elf_string_equals(im, name_offset, name) &&
         vdso_elf_version_matches(im, index, version);
}

static inline int vdso_elf_lookup_sysv(const struct vdso_elf_image* im, const char* name,
                                       const char* version, uint64_t* value) {
  int ok = 1;
  uint32_t nbucket, nchain, index, steps;
  uint64_t buckets, chain;
  if (im->sysv_hash == 0)
    return 0;
  nbucket = (uint32_t)vdso_elf_at_vaddr(im, im->sysv_hash, 4, &ok);
  nchain = (uint32_t)vdso_elf_at_vaddr(im, im->sysv_hash + 4, 4, &ok);
  if (!ok || nbucket == 0)
    return 0;
  buckets = vdso_elf_offset_of(im, im->sysv_hash + 8);
  chain = vdso_elf_offset_of(im, im->sysv_hash + 8 + (uint64_t)nbucket * 4);
  if (!vdso_elf_in_bounds(im, buckets, nbucket, 4) || !vdso_elf_in_bounds(im, chain, nchain, 4))
    return 0;
  index = (uint32_t)vdso_elf_field(im, buckets + (vdso_elf_sysv_hash(name) % nbucket) * 4, 4, &ok);
  for (steps = 0; index != 0 && index < nchain && steps < VDSO_ELF_MAX_WALK; ++steps) {
    if (vdso_elf_match(im, index, name, version, value))
      return 1;
    index = (uint32_t)vdso_elf_field(im, chain + (uint64_t)index * 4, 4, &ok);
  }
  return 0;
}

static inline int vdso_elf_lookup_gnu(const struct vdso_elf_image* im, const char* name,
                                      const char* version, uint64_t* value) {
  int ok = 1;
  uint32_t nbuckets, symoffset, bloom_size, bloom_shift, hash, index, steps;
  uint64_t bloom, buckets_vaddr, chain_vaddr, word, mask;
  if (im->gnu_hash == 0)
    return 0;
  nbuckets = (uint32_t)vdso_elf_at_vaddr(im, im->gnu_hash, 4, &ok);
  symoffset = (uint32_t)vdso_elf_at_vaddr(im, im->gnu_hash + 4, 4, &ok);
  bloom_size = (uint32_t)vdso_elf_at_vaddr(im, im->gnu_hash + 8, 4, &ok);
  bloom_shift = (uint32_t)vdso_elf_at_vaddr(im, im->gnu_hash + 12, 4, &ok);
  if (!ok || nbuckets == 0 || bloom_size == 0)
    return 0;
  bloom = vdso_elf_offset_of(im, im->gnu_hash + 16);
  buckets_vaddr = im->gnu_hash + 16 + (uint64_t)bloom_size * 8;
  if (!vdso_elf_in_bounds(im, bloom, bloom_size, 8) ||
      !vdso_elf_in_bounds(im, vdso_elf_offset_of(im, buckets_vaddr), nbuckets, 4)) {
    return 0;
  }
  chain_vaddr = buckets_vaddr + (uint64_t)nbuckets * 4;

  hash = vdso_elf_gnu_hash(name);
  /* The bloom filter, exactly as the dynamic linker applies it: a bad filter
   * hides symbols from glibc, so it must hide them from us too. */
  word = vdso_elf_field(im, bloom + ((hash / 64) % bloom_size) * 8, 8, &ok);
  mask = ((uint64_t)1 << (hash % 64)) | ((uint64_t)1 << ((hash >> (bloom_shift % 32)) % 64));
  if ((word & mask) != mask)
    return 0;

  index = (uint32_t)vdso_elf_at_vaddr(im, buckets_vaddr + (uint64_t)(hash % nbuckets) * 4, 4, &ok);
  if (!ok || index < symoffset)
    return 0;
  for (steps = 0; steps < VDSO_ELF_MAX_WALK; ++steps, ++index) {
    const uint32_t chain_hash =
        (uint32_t)vdso_elf_at_vaddr(im, chain_vaddr + (uint64_t)(index - symoffset) * 4, 4, &ok);
    if (!ok)
      return 0;
    if ((chain_hash | 1) == (hash | 1) && vdso_elf_match(im, index, name, version, value))
      return 1;
    if ((chain_hash & 1) != 0)
      return 0;
  }
  return 0;
}

/* The address of `name` defined with `version` (any version when null),
 * through the given hash table (ANY: GNU when present, else SysV), inside
 * the image; null if absent. */
static inline const void* vdso_elf_lookup(const struct vdso_elf_image* im, const char* name,
                                          const char* version, enum vdso_elf_hash_table table) {
  uint64_t value = 0;
  int found = 0;
  if (im->symtab == 0 || im->strtab == 0)
    return 0;
  switch (table) {
    case VDSO_ELF_HASH_GNU: found = vdso_elf_lookup_gnu(im, name, version, &value); break;
    case VDSO_ELF_HASH_SYSV: found = vdso_elf_lookup_sysv(im, name, version, &value); break;
    case VDSO_ELF_HASH_ANY:
      found = im->gnu_hash != 0 ? vdso_elf_lookup_gnu(im, name, version, &value)
                                : vdso_elf_lookup_sysv(im, name, version, &value);
      break;
  }
  /* The symbol must point inside the image. */
  if (!found || value < im->load_vaddr || value - im->load_vaddr >= im->size)
    return 0;
  return im->base + (value - im->load_vaddr);
}

#ifdef __cplusplus
}
#endif

#endif /* VDSO_ELF_SYMBOL_LOOKUP_H */
