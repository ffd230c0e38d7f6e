#include "vdso/elf/image_check.h"

#include "vdso/arch/elf.h"
#include "vdso/elf/loaded_image.h"

namespace vdso::elf {
namespace {

void check_segments(const LoadedImage& image, ImageReport& report) {
  uint32_t loads = 0;
  bool has_dynamic = false;
  for (uint16_t i = 0; i < image.program_header_count(); ++i) {
    const Phdr& ph = image.program_headers()[i];
    switch (ph.type) {
      case kPtLoad:
        ++loads;
        if (ph.offset != 0 || ph.vaddr != 0)
          report.add(ImageDefect::kLoadNotAtZero);
        if (ph.flags != (kPfR | kPfX))
          report.add(ImageDefect::kLoadNotReadExec);
        if (ph.filesz != ph.memsz)
          report.add(ImageDefect::kLoadSizeMismatch);
        if (ph.offset > image.size() || ph.filesz > image.size() - ph.offset)
          report.add(ImageDefect::kLoadTruncated);
        break;
      case kPtDynamic:
        has_dynamic = true;
        if ((ph.flags & kPfW) != 0)
          report.add(ImageDefect::kDynamicWritable);
        break;
      case kPtTls: report.add(ImageDefect::kTls); break;
      default: break;
    }
  }
  if (loads != 1)
    report.add(ImageDefect::kLoadCount);
  if (!has_dynamic || image.dynamic() == nullptr)
    report.add(ImageDefect::kNoDynamic);
}

void check_dynamic(const LoadedImage& image, ImageReport& report) {
  uint64_t value;
  // Freestanding: an array, not an initializer_list.
  const int64_t relocation_tags[] = {kDtRel, kDtRela, kDtRelr, kDtJmprel, kDtTextrel};
  for (int64_t tag : relocation_tags) {
    if (image.dynamic_value(tag, &value))
      report.add(ImageDefect::kRelocation);
  }
  if (!image.dynamic_value(kDtHash, &value))
    report.add(ImageDefect::kNoSysvHash);
  if (!image.dynamic_value(kDtGnuHash, &value))
    report.add(ImageDefect::kNoGnuHash);
  if (!image.dynamic_value(kDtVerdef, &value))
    report.add(ImageDefect::kNoVerdef);
  if (!image.dynamic_value(kDtVersym, &value))
    report.add(ImageDefect::kNoVersym);

  const char* soname = nullptr;
  if (image.dynamic_value(kDtSoname, &value))
    soname = image.dynamic_string(value);
  if (soname == nullptr || !vdso_elf_names_equal(soname, kVdsoSoname))
    report.add(ImageDefect::kBadSoname);

  for (const char* version : kRequiredVersions) {
    if (!image.defines_version(version))
      report.add(ImageDefect::kNoVersionNode);
  }
  for (const RequiredSymbol& symbol : kRequiredSymbols) {
    // Each libc uses one table: glibc and Go the GNU hash, musl the SysV one.
    if (image.lookup(symbol.name, symbol.version, HashTable::kGnu) == nullptr ||
        image.lookup(symbol.name, symbol.version, HashTable::kSysv) == nullptr) {
      report.add(ImageDefect::kMissingSymbol);
      if (report.missing_symbol == nullptr) {
        report.missing_symbol = symbol.name;
        report.missing_version = symbol.version;
      }
    }
  }
}

void check_sections(const LoadedImage& image, ImageReport& report) {
  const Ehdr& header = image.header();
  if (header.shoff == 0 || header.shnum == 0 || header.shentsize != sizeof(Shdr)) {
    report.add(ImageDefect::kNoSectionTable);
    return;
  }
  const Shdr* sections = image.at_offset<Shdr>(header.shoff, header.shnum);
  if (sections == nullptr || header.shstrndx >= header.shnum) {
    report.add(ImageDefect::kNoSectionTable);
    return;
  }
  const Shdr& names = sections[header.shstrndx];
  const char* name_table = image.at_offset<char>(names.offset, names.size);

  for (uint16_t i = 0; i < header.shnum; ++i) {
    const Shdr& s = sections[i];
    if ((s.type == kShtRel || s.type == kShtRela) && s.size != 0)
      report.add(ImageDefect::kRelocation);
    if ((s.flags & kShfAlloc) == 0 || s.size == 0)
      continue;
    if (s.type == kShtNobits) {
      report.add(ImageDefect::kWritableSection);
      continue;
    }
    if ((s.flags & kShfWrite) != 0) {
      // The linker always flags .dynamic writable; its segment is what
      // counts, and PT_DYNAMIC is checked above.
      const bool is_dynamic = name_table != nullptr && s.name < names.size &&
                              vdso_elf_names_equal(name_table + s.name, ".dynamic");
      if (!is_dynamic)
        report.add(ImageDefect::kWritableSection);
    }
  }
}

}  // namespace

ImageReport check_vdso_image(const void* bytes, uint64_t size) {
  ImageReport report;
  LoadedImage image;
  if (!LoadedImage::parse(bytes, size, &image) || image.header().type != kTypeDyn ||
      image.header().machine != arch::kElfMachine) {
    report.add(ImageDefect::kNotElf64);
    return report;
  }
  check_segments(image, report);
  if (!report.has(ImageDefect::kNoDynamic))
    check_dynamic(image, report);
  check_sections(image, report);
  return report;
}

const char* describe(ImageDefect defect) {
  switch (defect) {
    case ImageDefect::kNotElf64:
      return "not a little-endian ELF64 shared object of this architecture (or its headers are out "
             "of "
             "bounds)";
    case ImageDefect::kLoadCount:
      return "not exactly one PT_LOAD segment: the image is mapped as one block";
    case ImageDefect::kLoadNotAtZero:
      return "PT_LOAD not at offset 0 and vaddr 0: glibc computes the load bias from p_vaddr";
    case ImageDefect::kLoadNotReadExec:
      return "PT_LOAD flags are not R+X: the image must hold no writable data";
    case ImageDefect::kLoadSizeMismatch:
      return "PT_LOAD filesz != memsz: the mapping would lack bytes (.bss)";
    case ImageDefect::kLoadTruncated: return "PT_LOAD extends past the end of the image";
    case ImageDefect::kTls: return "a PT_TLS segment: the VDSO cannot have thread-local storage";
    case ImageDefect::kNoDynamic: return "no PT_DYNAMIC: no dynamic linker can bind the image";
    case ImageDefect::kDynamicWritable:
      return "PT_DYNAMIC is writable: glibc 2.35+ writes into .dynamic and faults";
    case ImageDefect::kRelocation:
      return "the image has relocations: glibc treats the VDSO as already relocated";
    case ImageDefect::kWritableSection:
      return "an allocated writable or NOBITS section (.data/.bss): the VDSO has no writable data";
    case ImageDefect::kNoSectionTable:
      return "the section header table is missing or out of bounds";
    case ImageDefect::kNoSysvHash: return "no DT_HASH: musl looks symbols up only through it";
    case ImageDefect::kNoGnuHash: return "no DT_GNU_HASH";
    case ImageDefect::kNoVerdef: return "no DT_VERDEF: Go's runtime dereferences it unchecked";
    case ImageDefect::kNoVersym: return "no DT_VERSYM: symbol versions cannot be matched";
    case ImageDefect::kBadSoname: return "soname missing or not linux-vdso.so.1";
    case ImageDefect::kNoVersionNode:
      return "version node LINUX_2.6 (ELF hash 0x3ae75f6) or VDSO_SYSINFO_1 not defined";
    case ImageDefect::kMissingSymbol:
      return "a required symbol@version is not found through both DT_GNU_HASH and DT_HASH";
  }
  return "unknown defect";
}

}  // namespace vdso::elf
