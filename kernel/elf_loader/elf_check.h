// The checks of a static x86_64 Linux executable (ET_EXEC, or static-pie
// ET_DYN) before anything is loaded: every header field, offset and size,
// with overflow-safe arithmetic. Freestanding and free of kernel types, so
// the same source is compiled into the kernel's loader and into
// vdso-kernel-run, which refuses a file on the host before booting.
#pragma once

#include <stdint.h>

namespace kernel::elf_loader {

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
// vdso-kernel-run's host side need to refuse a file early. Programs must
// lie below kImageTop (exec puts mmap, the VDSO and the stack above).
inline constexpr uint64_t kImageTop = 0x0000'6000'0000'0000;
Refusal check(const uint8_t* file, uint64_t size);

}  // namespace kernel::elf_loader
