// The subset of the ELF64 format (System V gABI, plus the GNU symbol
// versioning and hash extensions) that the resolver and the image checker
// read. Our own definitions, because the kernel is freestanding and has no
// <elf.h>.
#pragma once

#include <stdint.h>

namespace vdso::elf {

inline constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
inline constexpr uint8_t kClass64 = 2;
inline constexpr uint8_t kDataLittleEndian = 1;
inline constexpr uint16_t kTypeExec = 2;
inline constexpr uint16_t kTypeDyn = 3;
// e_machine is the architecture's: vdso/arch/elf.h.

struct Ehdr {
  uint8_t ident[16];
  uint16_t type;
  uint16_t machine;
  uint32_t version;
  uint64_t entry;
  uint64_t phoff;
  uint64_t shoff;
  uint32_t flags;
  uint16_t ehsize;
  uint16_t phentsize;
  uint16_t phnum;
  uint16_t shentsize;
  uint16_t shnum;
  uint16_t shstrndx;
};
static_assert(sizeof(Ehdr) == 64);

inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtDynamic = 2;
inline constexpr uint32_t kPtInterp = 3;
inline constexpr uint32_t kPtNote = 4;
inline constexpr uint32_t kPtPhdr = 6;
inline constexpr uint32_t kPtTls = 7;
inline constexpr uint32_t kPfX = 1;
inline constexpr uint32_t kPfW = 2;
inline constexpr uint32_t kPfR = 4;

struct Phdr {
  uint32_t type;
  uint32_t flags;
  uint64_t offset;
  uint64_t vaddr;
  uint64_t paddr;
  uint64_t filesz;
  uint64_t memsz;
  uint64_t align;
};
static_assert(sizeof(Phdr) == 56);

inline constexpr uint32_t kShtRela = 4;
inline constexpr uint32_t kShtNobits = 8;
inline constexpr uint32_t kShtRel = 9;
inline constexpr uint64_t kShfWrite = 1;
inline constexpr uint64_t kShfAlloc = 2;

struct Shdr {
  uint32_t name;
  uint32_t type;
  uint64_t flags;
  uint64_t addr;
  uint64_t offset;
  uint64_t size;
  uint32_t link;
  uint32_t info;
  uint64_t addralign;
  uint64_t entsize;
};
static_assert(sizeof(Shdr) == 64);

inline constexpr int64_t kDtNull = 0;
inline constexpr int64_t kDtHash = 4;
inline constexpr int64_t kDtStrtab = 5;
inline constexpr int64_t kDtSymtab = 6;
inline constexpr int64_t kDtRela = 7;
inline constexpr int64_t kDtStrsz = 10;
inline constexpr int64_t kDtSoname = 14;
inline constexpr int64_t kDtRel = 17;
inline constexpr int64_t kDtDebug = 21;
inline constexpr int64_t kDtTextrel = 22;
inline constexpr int64_t kDtJmprel = 23;
inline constexpr int64_t kDtRelr = 36;
inline constexpr int64_t kDtGnuHash = 0x6ffffef5;
inline constexpr int64_t kDtVersym = 0x6ffffff0;
inline constexpr int64_t kDtVerdef = 0x6ffffffc;
inline constexpr int64_t kDtVerdefnum = 0x6ffffffd;

struct Dyn {
  int64_t tag;
  uint64_t value;
};
static_assert(sizeof(Dyn) == 16);

inline constexpr uint16_t kShnUndef = 0;
inline constexpr uint8_t kStbGlobal = 1;
inline constexpr uint8_t kStbWeak = 2;
inline constexpr uint8_t kSttFunc = 2;

struct Sym {
  uint32_t name;
  uint8_t info;
  uint8_t other;
  uint16_t shndx;
  uint64_t value;
  uint64_t size;
};
static_assert(sizeof(Sym) == 24);

inline constexpr uint16_t kVersymHidden = 0x8000;
inline constexpr uint16_t kVerFlgBase = 1;

struct Verdef {
  uint16_t version;
  uint16_t flags;
  uint16_t ndx;
  uint16_t cnt;
  uint32_t hash;
  uint32_t aux;   // offset of the first Verdaux from this entry
  uint32_t next;  // offset of the next Verdef from this entry, 0 at the end
};
static_assert(sizeof(Verdef) == 20);

struct Verdaux {
  uint32_t name;
  uint32_t next;
};
static_assert(sizeof(Verdaux) == 8);

}  // namespace vdso::elf
