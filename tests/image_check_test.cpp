// The image's ELF contract: the real image passes; every defect the checker
// knows is produced, by the real toolchain or by patching the real image's
// bytes, and both check_vdso_image and the vdso-check gate refuse it.
#include "vdso/elf/image_check.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "vdso/elf/elf64.h"
#include "vdso/image/embedded_image.h"

namespace {

using namespace vdso::elf;
using Bytes = std::vector<uint8_t>;

Bytes real_image() {
  return {vdso::image::embedded_image(),
          vdso::image::embedded_image() + vdso::image::embedded_image_size()};
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the build's gate on `bytes`; returns its exit status.
int run_vdso_check(const Bytes& bytes) {
  char path[] = "/tmp/vdso-check-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  close(fd);
  const std::string command = std::string(VDSO_CHECK) + " " + path + " 2>/dev/null";
  const int status = std::system(command.c_str());
  unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Ehdr& header(Bytes& b) {
  return *reinterpret_cast<Ehdr*>(b.data());
}
Phdr& phdr(Bytes& b, uint32_t type) {
  auto* ph = reinterpret_cast<Phdr*>(b.data() + header(b).phoff);
  for (int i = 0; i < header(b).phnum; ++i) {
    if (ph[i].type == type)
      return ph[i];
  }
  ADD_FAILURE() << "no program header of type " << type;
  return ph[0];
}
Dyn& dyn(Bytes& b, int64_t tag) {
  auto* d = reinterpret_cast<Dyn*>(b.data() + phdr(b, kPtDynamic).offset);
  for (; d->tag != kDtNull; ++d) {
    if (d->tag == tag)
      return *d;
  }
  ADD_FAILURE() << "no dynamic entry " << tag;
  return *d;
}
Shdr& section(Bytes& b, const char* name) {
  auto* sh = reinterpret_cast<Shdr*>(b.data() + header(b).shoff);
  const char* names = reinterpret_cast<const char*>(b.data() + sh[header(b).shstrndx].offset);
  for (int i = 0; i < header(b).shnum; ++i) {
    if (std::strcmp(names + sh[i].name, name) == 0)
      return sh[i];
  }
  ADD_FAILURE() << "no section " << name;
  return sh[0];
}
void replace_string(Bytes& b, const char* from, const char* to) {
  ASSERT_EQ(std::strlen(from), std::strlen(to));
  const auto& table = section(b, ".dynstr");
  auto* begin = b.data() + table.offset;
  auto* end = begin + table.size;
  auto* at = std::search(begin, end, from, from + std::strlen(from) + 1);
  ASSERT_NE(at, end) << from;
  std::memcpy(at, to, std::strlen(to));
}

void expect_refused(const Bytes& bytes, ImageDefect defect) {
  const ImageReport report = check_vdso_image(bytes.data(), bytes.size());
  EXPECT_TRUE(report.has(defect)) << "expected: " << describe(defect) << "; defects mask 0x"
                                  << std::hex << report.defects;
  EXPECT_EQ(run_vdso_check(bytes), 1) << describe(defect);
}

TEST(ImageCheck, TheRealImagePasses) {
  const Bytes bytes = real_image();
  const ImageReport report = check_vdso_image(bytes.data(), bytes.size());
  EXPECT_TRUE(report.ok()) << std::hex << report.defects;
  EXPECT_EQ(run_vdso_check(bytes), 0);
}

struct Patch {
  const char* name;
  ImageDefect defect;
  std::function<void(Bytes&)> apply;
};

void PrintTo(const Patch& patch, std::ostream* os) {
  *os << patch.name;
}

class PatchedImage : public ::testing::TestWithParam<Patch> {};

TEST_P(PatchedImage, IsRefused) {
  Bytes bytes = real_image();
  GetParam().apply(bytes);
  expect_refused(bytes, GetParam().defect);
}

const Patch kPatches[] = {
    {"BadMagic", ImageDefect::kNotElf64, [](Bytes& b) { b[1] = 'X'; }},
    {"NotX86_64", ImageDefect::kNotElf64, [](Bytes& b) { header(b).machine = 183; }},
    {"WritableLoad", ImageDefect::kLoadNotReadExec,
     [](Bytes& b) { phdr(b, kPtLoad).flags |= kPfW; }},
    {"NonExecutableLoad", ImageDefect::kLoadNotReadExec,
     [](Bytes& b) { phdr(b, kPtLoad).flags &= ~kPfX; }},
    {"SecondLoad", ImageDefect::kLoadCount, [](Bytes& b) { phdr(b, kPtNote).type = kPtLoad; }},
    {"LoadNotAtOffsetZero", ImageDefect::kLoadNotAtZero,
     [](Bytes& b) { phdr(b, kPtLoad).offset = 4096; }},
    {"LoadNotAtAddressZero", ImageDefect::kLoadNotAtZero,
     [](Bytes& b) { phdr(b, kPtLoad).vaddr = 0x1000; }},
    {"MemszNotFilesz", ImageDefect::kLoadSizeMismatch,
     [](Bytes& b) { phdr(b, kPtLoad).memsz += 4096; }},
    {"LoadPastTheEnd", ImageDefect::kLoadTruncated,
     [](Bytes& b) {
       phdr(b, kPtLoad).filesz += 4096;
       phdr(b, kPtLoad).memsz += 4096;
     }},
    {"TlsSegment", ImageDefect::kTls,
     [](Bytes& b) { phdr(b, 0x6474e550 /*PT_GNU_EH_FRAME*/).type = kPtTls; }},
    {"NoDynamicSegment", ImageDefect::kNoDynamic,
     [](Bytes& b) {
       phdr(b, kPtDynamic).type = 0x6474e551; /*PT_GNU_STACK*/
     }},
    {"WritableDynamic", ImageDefect::kDynamicWritable,
     [](Bytes& b) { phdr(b, kPtDynamic).flags |= kPfW; }},
    {"DynamicRelocation", ImageDefect::kRelocation,
     [](Bytes& b) { dyn(b, kDtVerdefnum).tag = kDtRela; }},
    {"TextRelocationFlag", ImageDefect::kRelocation,
     [](Bytes& b) { dyn(b, kDtVerdefnum).tag = kDtTextrel; }},
    {"NoSysvHash", ImageDefect::kNoSysvHash, [](Bytes& b) { dyn(b, kDtHash).tag = kDtDebug; }},
    {"NoGnuHash", ImageDefect::kNoGnuHash, [](Bytes& b) { dyn(b, kDtGnuHash).tag = kDtDebug; }},
    {"NoVerdef", ImageDefect::kNoVerdef, [](Bytes& b) { dyn(b, kDtVerdef).tag = kDtDebug; }},
    {"NoVersym", ImageDefect::kNoVersym, [](Bytes& b) { dyn(b, kDtVersym).tag = kDtDebug; }},
    {"NoSoname", ImageDefect::kBadSoname, [](Bytes& b) { dyn(b, kDtSoname).tag = kDtDebug; }},
    {"WrongSoname", ImageDefect::kBadSoname,
     [](Bytes& b) { replace_string(b, "linux-vdso.so.1", "linux-vdso.so.2"); }},
    {"WrongVersionName", ImageDefect::kNoVersionNode,
     [](Bytes& b) { replace_string(b, "LINUX_2.6", "LINUX_2.7"); }},
    {"WrongVersionHash", ImageDefect::kNoVersionNode,
     [](Bytes& b) {
       // The second Verdef (after the base entry) is LINUX_2.6.
       auto& base = *reinterpret_cast<Verdef*>(b.data() + dyn(b, kDtVerdef).value);
       reinterpret_cast<Verdef*>(reinterpret_cast<uint8_t*>(&base) + base.next)->hash ^= 1;
     }},
    {"WrongSysinfoVersionName", ImageDefect::kNoVersionNode,
     [](Bytes& b) { replace_string(b, "VDSO_SYSINFO_1", "VDSO_SYSINFO_2"); }},
    {"MissingGetcpu", ImageDefect::kMissingSymbol,
     [](Bytes& b) { replace_string(b, "__vdso_getcpu", "__vdso_getcpv"); }},
    {"MissingSysinfoSymbol", ImageDefect::kMissingSymbol,
     [](Bytes& b) { replace_string(b, "__vdso_sysinfo_uname", "__vdso_sysinfo_unamf"); }},
    {"MissingSymbol", ImageDefect::kMissingSymbol,
     [](Bytes& b) { replace_string(b, "__vdso_time", "__vdso_tyme"); }},
    {"BrokenBloomFilter", ImageDefect::kMissingSymbol,
     [](Bytes& b) {
       // Zero the GNU hash's bloom filter: glibc would find nothing.
       auto* gnu = reinterpret_cast<uint32_t*>(b.data() + dyn(b, kDtGnuHash).value);
       std::memset(gnu + 4, 0, gnu[2] * 8);
     }},
    {"NoSectionTable", ImageDefect::kNoSectionTable, [](Bytes& b) { header(b).shoff = 0; }},
    {"WritableTextSection", ImageDefect::kWritableSection,
     [](Bytes& b) { section(b, ".text").flags |= kShfWrite; }},
};

INSTANTIATE_TEST_SUITE_P(Defects, PatchedImage, ::testing::ValuesIn(kPatches),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ImageCheck, NamesTheFirstMissingSymbol) {
  Bytes bytes = real_image();
  replace_string(bytes, "__vdso_time", "__vdso_tyme");
  const ImageReport report = check_vdso_image(bytes.data(), bytes.size());
  ASSERT_NE(report.missing_symbol, nullptr);
  EXPECT_STREQ(report.missing_symbol, "__vdso_time");
  EXPECT_STREQ(report.missing_version, "LINUX_2.6");
}

// Images the real toolchain builds wrong, as a careless change to the image
// sources or its link flags would.
struct BuiltImage {
  const char* file;
  std::vector<ImageDefect> defects;
};

void PrintTo(const BuiltImage& image, std::ostream* os) {
  *os << image.file;
}

class BuiltBadImage : public ::testing::TestWithParam<BuiltImage> {};

TEST_P(BuiltBadImage, IsRefused) {
  const Bytes bytes = read_file(std::string(BAD_IMAGE_DIR) + "/" + GetParam().file);
  ASSERT_FALSE(bytes.empty());
  for (ImageDefect defect : GetParam().defects)
    expect_refused(bytes, defect);
}

INSTANTIATE_TEST_SUITE_P(
    Toolchain, BuiltBadImage,
    ::testing::Values(BuiltImage{"bad_image_relocation.so", {ImageDefect::kRelocation}},
                      BuiltImage{"bad_image_bss.so", {ImageDefect::kWritableSection}},
                      BuiltImage{"bad_image_gnu_hash_only.so", {ImageDefect::kNoSysvHash}},
                      BuiltImage{"bad_image_sysv_hash_only.so", {ImageDefect::kNoGnuHash}},
                      BuiltImage{"bad_image_soname.so", {ImageDefect::kBadSoname}}),
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(10, name.size() - 13);  // bad_image_X.so -> X
      std::string out;
      bool upper = true;
      for (char c : name) {
        if (c == '_') {
          upper = true;
          continue;
        }
        out += upper ? static_cast<char>(std::toupper(c)) : c;
        upper = false;
      }
      return out;
    });

// A new check without a bad image that proves it fails is a test gap.
TEST(ImageCheck, EveryDefectIsProvenByABadImage) {
  uint32_t proven = 0;
  for (const Patch& patch : kPatches)
    proven |= 1u << static_cast<uint32_t>(patch.defect);
  for (uint32_t i = 0; i < kImageDefectCount; ++i) {
    EXPECT_TRUE((proven >> i) & 1) << "no bad image for: " << describe(static_cast<ImageDefect>(i));
  }
}

TEST(ImageCheck, EveryDefectHasADescription) {
  for (uint32_t i = 0; i < kImageDefectCount; ++i) {
    EXPECT_STRNE(describe(static_cast<ImageDefect>(i)), "unknown defect");
  }
}

}  // namespace
