// Loads a static x86_64 Linux executable (ET_EXEC, or static-pie ET_DYN)
// into an address space. The file is untrusted: every header field,
// offset and size is checked before use, with overflow-safe arithmetic, and
// anything the kernel cannot run is refused with ENOEXEC and a reason. The
// ELF structures are the shared ones (elf/include/vdso/elf/elf64.h).
#pragma once

#include <stdint.h>

#include "mm/paging.h"

namespace kernel::elf_loader {

struct Loaded {
  uint64_t entry;      // with the load bias applied
  uint64_t load_bias;  // 0 for ET_EXEC
  uint64_t phdr;       // where the program headers are in memory (AT_PHDR)
  uint16_t phnum;
  uint64_t image_end;  // end of the highest segment: the break starts here
};

// Why a file was refused (for the log and the tests). kOk when loaded.
enum class Refusal {
  kOk,
  kTooSmall,
  kBadMagic,
  kNot64Bit,
  kNotLittleEndian,
  kBadVersion,
  kNotExecutable,  // neither ET_EXEC nor ET_DYN
  kNotX86_64,
  kBadPhentsize,
  kBadPhnum,
  kPhdrsOutsideFile,
  kDynamicallyLinked,  // PT_INTERP: needs a dynamic linker we do not have
  kSegmentOutsideFile,
  kFileszAboveMemsz,
  kSegmentOutsideUser,
  kMisalignedSegment,  // p_offset and p_vaddr disagree modulo the page size
  kOverlappingSegments,
  kNoLoadSegment,
  kEntryOutsideSegments,
  kPhdrsNotLoaded,
  kTooLarge,
  kOutOfMemory,  // ENOMEM, not ENOEXEC
};
const char* describe(Refusal refusal);

// Checks the headers only (no memory touched): what execve and
// vdso-kernel-run's host side need to refuse a file early.
Refusal check(const uint8_t* file, uint64_t size);

// Checks, then maps the PT_LOAD segments into `space` (a fresh user half):
// file bytes copied, the rest zeroed, permissions from p_flags (never
// writable unless PF_W, no-execute unless PF_X). `pie_base` is the load
// bias for ET_DYN (page aligned). On failure the caller destroys `space`.
Refusal load(paging::AddressSpace space, const uint8_t* file, uint64_t size, uint64_t pie_base,
             Loaded& out);

}  // namespace kernel::elf_loader
