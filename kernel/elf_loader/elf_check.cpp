#include "elf_loader/elf_check.h"

#include "vdso/arch/elf.h"
#include "vdso/elf/elf64.h"

namespace kernel::elf_loader {
namespace {

namespace elf = vdso::elf;
constexpr uint64_t kPageSize = 4096;

constexpr uint16_t kMaxPhnum = 64;
// A program image may span at most this much address space (static-pie
// bias + span must stay below the stack and VDSO region).
constexpr uint64_t kMaxImageSpan = 1ull << 36;

bool add_overflows(uint64_t a, uint64_t b, uint64_t& sum) {
  return __builtin_add_overflow(a, b, &sum);
}

const elf::Phdr* program_headers(const uint8_t* file) {
  const auto& ehdr = *reinterpret_cast<const elf::Ehdr*>(file);
  return reinterpret_cast<const elf::Phdr*>(file + ehdr.phoff);
}

}  // namespace

const char* describe(Refusal refusal) {
  switch (refusal) {
    case Refusal::kOk: return "ok";
    case Refusal::kTooSmall: return "shorter than an ELF header";
    case Refusal::kBadMagic: return "not an ELF file";
    case Refusal::kNot64Bit: return "not ELF64";
    case Refusal::kNotLittleEndian: return "not little-endian";
    case Refusal::kBadVersion: return "unknown ELF version";
    case Refusal::kNotExecutable: return "not an executable (ET_EXEC or ET_DYN)";
    case Refusal::kNotX86_64: return "not an x86_64 program";
    case Refusal::kBadPhentsize: return "program header size is not 56";
    case Refusal::kBadPhnum: return "no program headers, or too many";
    case Refusal::kPhdrsOutsideFile: return "program headers outside the file";
    case Refusal::kDynamicallyLinked:
      return "dynamically linked (PT_INTERP); only static programs run";
    case Refusal::kSegmentOutsideFile: return "a segment's bytes lie outside the file";
    case Refusal::kFileszAboveMemsz: return "a segment has p_filesz > p_memsz";
    case Refusal::kSegmentOutsideUser: return "a segment lies outside user space";
    case Refusal::kMisalignedSegment: return "a segment's offset and address disagree mod 4096";
    case Refusal::kOverlappingSegments: return "segments overlap";
    case Refusal::kNoLoadSegment: return "no PT_LOAD segment";
    case Refusal::kEntryOutsideSegments: return "entry point outside every executable segment";
    case Refusal::kPhdrsNotLoaded: return "program headers not inside a loaded segment";
    case Refusal::kTooLarge: return "the image spans too much address space";
    case Refusal::kOutOfMemory: return "out of memory";
  }
  return "unknown";
}

Refusal check(const uint8_t* file, uint64_t size) {
  if (size < sizeof(elf::Ehdr))
    return Refusal::kTooSmall;
  const auto& ehdr = *reinterpret_cast<const elf::Ehdr*>(file);
  for (int i = 0; i < 4; ++i) {
    if (ehdr.ident[i] != elf::kMagic[i])
      return Refusal::kBadMagic;
  }
  if (ehdr.ident[4] != elf::kClass64)
    return Refusal::kNot64Bit;
  if (ehdr.ident[5] != elf::kDataLittleEndian)
    return Refusal::kNotLittleEndian;
  if (ehdr.ident[6] != 1 || ehdr.version != 1)
    return Refusal::kBadVersion;
  if (ehdr.type != elf::kTypeExec && ehdr.type != elf::kTypeDyn)
    return Refusal::kNotExecutable;
  if (ehdr.machine != vdso::arch::kElfMachine)
    return Refusal::kNotX86_64;
  if (ehdr.phentsize != sizeof(elf::Phdr))
    return Refusal::kBadPhentsize;
  if (ehdr.phnum == 0 || ehdr.phnum > kMaxPhnum)
    return Refusal::kBadPhnum;
  uint64_t phdrs_end;
  if (ehdr.phoff % 8 != 0 ||
      add_overflows(ehdr.phoff, uint64_t{ehdr.phnum} * sizeof(elf::Phdr), phdrs_end) ||
      phdrs_end > size) {
    return Refusal::kPhdrsOutsideFile;
  }

  const elf::Phdr* phdrs = program_headers(file);
  const uint64_t limit = ehdr.type == elf::kTypeDyn ? kMaxImageSpan : kImageTop;
  bool any_load = false, entry_ok = false, phdrs_loaded = false;
  uint64_t previous_end = 0;
  for (uint16_t i = 0; i < ehdr.phnum; ++i) {
    const elf::Phdr& ph = phdrs[i];
    if (ph.type == elf::kPtInterp)
      return Refusal::kDynamicallyLinked;
    if (ph.type != elf::kPtLoad)
      continue;
    uint64_t file_end, mem_end;
    if (add_overflows(ph.offset, ph.filesz, file_end) || file_end > size)
      return Refusal::kSegmentOutsideFile;
    if (ph.filesz > ph.memsz)
      return Refusal::kFileszAboveMemsz;
    if (add_overflows(ph.vaddr, ph.memsz, mem_end) || mem_end > limit ||
        (ehdr.type == elf::kTypeExec && ph.vaddr < kPageSize)) {
      return Refusal::kSegmentOutsideUser;
    }
    if ((ph.vaddr - ph.offset) % kPageSize != 0)
      return Refusal::kMisalignedSegment;
    // The gABI requires PT_LOAD in ascending p_vaddr order; pages shared by
    // neighbours (the end of one, the start of the next) are allowed.
    if (any_load && ph.vaddr < previous_end)
      return Refusal::kOverlappingSegments;
    previous_end = mem_end;
    any_load = true;
    if ((ph.flags & elf::kPfX) && ehdr.entry >= ph.vaddr && ehdr.entry < mem_end)
      entry_ok = true;
    if (ehdr.phoff >= ph.offset && phdrs_end <= file_end)
      phdrs_loaded = true;
  }
  if (!any_load)
    return Refusal::kNoLoadSegment;
  if (!entry_ok)
    return Refusal::kEntryOutsideSegments;
  if (!phdrs_loaded)
    return Refusal::kPhdrsNotLoaded;
  return Refusal::kOk;
}

}  // namespace kernel::elf_loader
