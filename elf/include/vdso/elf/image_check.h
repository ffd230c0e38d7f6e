// The ELF contract of vdso.so (docs/data-page.md, "The code page: `vdso.so`"),
// checked on the bytes of an image. Run by the build on every image it makes
// (tools/vdso-check), by the tests on deliberately broken ones, and usable
// by a kernel at boot: freestanding, no allocation.
#pragma once

#include <stdint.h>

#include "vdso/abi/exports.h"

namespace vdso::elf {

// Each item names what a libc or runtime needs; a violation fails silently
// or crashes a program, so the build refuses it.
enum class ImageDefect : uint32_t {
  kNotElf64,          // not a little-endian ELF64 shared object of this architecture
  kLoadCount,         // not exactly one PT_LOAD
  kLoadNotAtZero,     // PT_LOAD offset or vaddr not 0 (glibc ignores p_offset)
  kLoadNotReadExec,   // PT_LOAD flags not exactly R+X (writable code or data)
  kLoadSizeMismatch,  // filesz != memsz (bytes the image does not carry)
  kLoadTruncated,     // PT_LOAD extends past the image
  kTls,               // a PT_TLS segment
  kNoDynamic,         // no PT_DYNAMIC
  kDynamicWritable,   // PT_DYNAMIC writable: glibc 2.35+ writes into it
  kRelocation,        // any relocation: glibc treats the VDSO as relocated
  kWritableSection,   // an allocated writable or NOBITS section (.data/.bss)
  kNoSectionTable,    // section headers missing or out of bounds
  kNoSysvHash,        // no DT_HASH: musl reads only this
  kNoGnuHash,         // no DT_GNU_HASH
  kNoVerdef,          // no DT_VERDEF: Go's runtime crashes without it
  kNoVersym,          // no DT_VERSYM
  kBadSoname,         // soname missing or not linux-vdso.so.1
  kNoVersionNode,     // LINUX_2.6 or VDSO_SYSINFO_1 not defined (with its ELF hash)
  kMissingSymbol,     // a required symbol@version not found through both hashes
};
inline constexpr uint32_t kImageDefectCount =
    static_cast<uint32_t>(ImageDefect::kMissingSymbol) + 1;

inline constexpr const char* kVdsoSoname = "linux-vdso.so.1";
inline constexpr const char* kVdsoVersion = VDSO_VERSION_LINUX;
inline constexpr const char* kSysinfoVersion = VDSO_VERSION_SYSINFO;
inline constexpr const char* kRequiredVersions[] = {kVdsoVersion, kSysinfoVersion};

// Every export of vdso/abi/exports.h, the one list the linker script is
// made from.
struct RequiredSymbol {
  const char* name;
  const char* version;
};
#define VDSO_REQUIRED_LINUX(name) {#name, kVdsoVersion},
#define VDSO_REQUIRED_SYSINFO(name) {#name, kSysinfoVersion},
inline constexpr RequiredSymbol kRequiredSymbols[] = {
    VDSO_EXPORTS_LINUX(VDSO_REQUIRED_LINUX) VDSO_EXPORTS_SYSINFO(VDSO_REQUIRED_SYSINFO)};
#undef VDSO_REQUIRED_LINUX
#undef VDSO_REQUIRED_SYSINFO

struct ImageReport {
  uint32_t defects = 0;                   // bit i set: ImageDefect(i) found
  const char* missing_symbol = nullptr;   // the first required symbol not found,
  const char* missing_version = nullptr;  // and its version

  bool ok() const { return defects == 0; }
  bool has(ImageDefect d) const { return (defects >> static_cast<uint32_t>(d)) & 1; }
  void add(ImageDefect d) { defects |= 1u << static_cast<uint32_t>(d); }
};

ImageReport check_vdso_image(const void* image, uint64_t size);

// A sentence naming the defect and why it matters.
const char* describe(ImageDefect defect);

}  // namespace vdso::elf
