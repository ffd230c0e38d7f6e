// The resolver (seed step 5) on the real image, on the host's own vDSO, and
// on corrupted images: a malformed image gives "not found", never a crash.
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "mapped_vdso.h"
#include "vdso/abi/time.h"
#include "vdso/elf/host_vdso_image.h"
#include "vdso/elf/image_check.h"
#include "vdso/elf/loaded_image.h"
#include "vdso/image/embedded_image.h"

namespace {

using vdso::elf::HashTable;
using vdso::elf::LoadedImage;

std::vector<uint8_t> real_image() {
  return {vdso::image::embedded_image(),
          vdso::image::embedded_image() + vdso::image::embedded_image_size()};
}

TEST(Resolver, FindsEveryExportThroughBothHashTables) {
  const auto bytes = real_image();
  LoadedImage image;
  ASSERT_TRUE(LoadedImage::parse(bytes.data(), bytes.size(), &image));
  for (const auto& [name, version] : vdso::elf::kRequiredSymbols) {
    const void* gnu = image.lookup(name, version, HashTable::kGnu);
    const void* sysv = image.lookup(name, version, HashTable::kSysv);
    ASSERT_NE(gnu, nullptr) << name;
    EXPECT_EQ(gnu, sysv) << name;
    EXPECT_EQ(image.lookup(name, nullptr), gnu) << name;
  }
  // The configuration is only under our own node, never under Linux's.
  EXPECT_EQ(image.lookup("__vdso_sysinfo_uname", "LINUX_2.6"), nullptr);
  EXPECT_EQ(image.lookup("__vdso_getcpu", "VDSO_SYSINFO_1"), nullptr);
  // The plain names are aliases of the __vdso_ ones.
  EXPECT_EQ(image.lookup("clock_gettime", "LINUX_2.6"),
            image.lookup("__vdso_clock_gettime", "LINUX_2.6"));
}

TEST(Resolver, HashesAreTheGabisAndGnus) {
  EXPECT_EQ(vdso_elf_sysv_hash("LINUX_2.6"), 0x3ae75f6u);  // the value in Linux's vDSO
  EXPECT_EQ(vdso_elf_gnu_hash(""), 5381u);
  EXPECT_EQ(vdso_elf_gnu_hash("printf"), 0x156b2bb8u);  // from the GNU hash's description
}

TEST(Resolver, RefusesWrongNamesAndVersions) {
  const auto bytes = real_image();
  LoadedImage image;
  ASSERT_TRUE(LoadedImage::parse(bytes.data(), bytes.size(), &image));
  EXPECT_EQ(image.lookup("__vdso_clock_gettime", "LINUX_2.5"), nullptr);
  EXPECT_EQ(image.lookup("__vdso_getcpu_", "LINUX_2.6"), nullptr);
  EXPECT_EQ(image.lookup("__vdso_sysinfo_cpus", "VDSO_SYSINFO_2"), nullptr);
  EXPECT_EQ(image.lookup("__vdso_clock_gettim", "LINUX_2.6"), nullptr);
  EXPECT_EQ(image.lookup("vdso_data_page", nullptr), nullptr);  // local, not exported
  EXPECT_TRUE(image.defines_version("LINUX_2.6"));
  EXPECT_TRUE(image.defines_version("VDSO_SYSINFO_1"));
  EXPECT_FALSE(image.defines_version("linux-vdso.so.1"));  // the base entry is no version node
}

TEST(Resolver, FindsTheHostVdsoFunctionsLikeGlibcDoes) {
  if (getauxval(AT_SYSINFO_EHDR) == 0)
    GTEST_SKIP() << "this process has no host vDSO";
  auto host_gettime = reinterpret_cast<int (*)(int, timespec*)>(
      const_cast<void*>(vdso::elf::host_vdso_image().symbol("__vdso_clock_gettime")));
  ASSERT_NE(host_gettime, nullptr);
  timespec before{}, via_host{}, after{};
  clock_gettime(CLOCK_MONOTONIC, &before);
  ASSERT_EQ(host_gettime(CLOCK_MONOTONIC, &via_host), 0);
  clock_gettime(CLOCK_MONOTONIC, &after);
  const auto to_ns = [](const timespec& t) {
    return vdso::abi::ns_from_timespec({t.tv_sec, t.tv_nsec});
  };
  EXPECT_LE(to_ns(before), to_ns(via_host));
  EXPECT_LE(to_ns(via_host), to_ns(after));
}

// The one helper both vdso-run and the tests use: its extent, read from the
// image's own headers, must be the kernel's [vdso] mapping as
// /proc/self/maps shows it, or lie inside it (never past its end).
TEST(Resolver, TheHostVdsoExtentLiesInsideTheKernelsMapping) {
  if (getauxval(AT_SYSINFO_EHDR) == 0)
    GTEST_SKIP() << "this process has no host vDSO";
  const vdso::elf::HostVdsoImage& host = vdso::elf::host_vdso_image();
  ASSERT_TRUE(host.present());
  EXPECT_EQ(reinterpret_cast<uint64_t>(host.base), getauxval(AT_SYSINFO_EHDR));
  FILE* maps = std::fopen("/proc/self/maps", "re");
  ASSERT_NE(maps, nullptr);
  uint64_t mapping_size = 0;
  char line[512];
  while (std::fgets(line, sizeof(line), maps) != nullptr) {
    unsigned long long start = 0, end = 0;
    if (std::sscanf(line, "%llx-%llx", &start, &end) == 2 &&
        start == reinterpret_cast<uint64_t>(host.base)) {
      mapping_size = end - start;
    }
  }
  std::fclose(maps);
  ASSERT_NE(mapping_size, 0u) << "no mapping starts at AT_SYSINFO_EHDR";
  EXPECT_GT(host.size, 0u);
  EXPECT_LE(host.size, mapping_size);
  EXPECT_EQ(host.size % static_cast<uint64_t>(sysconf(_SC_PAGESIZE)), 0u);
  // The size is enough for the resolver to reach every function.
  for (const char* name : {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
                           "__vdso_clock_getres", "__vdso_getcpu"}) {
    EXPECT_NE(host.symbol(name), nullptr) << name;
  }
}

TEST(Resolver, EveryTruncationIsRefusedOrStillCorrect) {
  const auto bytes = real_image();
  const void* full =
      vdso::elf::resolve_vdso_symbol(bytes.data(), bytes.size(), "__vdso_time", "LINUX_2.6");
  ASSERT_NE(full, nullptr);
  const auto offset = static_cast<const uint8_t*>(full) - bytes.data();
  for (size_t size = 0; size <= bytes.size(); ++size) {
    // A fresh buffer of exactly `size` bytes, so a read past it is caught
    // by the sanitizer builds and the fuzzer.
    std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(size));
    const void* found = vdso::elf::resolve_vdso_symbol(truncated.data(), truncated.size(),
                                                       "__vdso_time", "LINUX_2.6");
    if (found != nullptr) {
      EXPECT_EQ(static_cast<const uint8_t*>(found) - truncated.data(), offset) << size;
    }
  }
}

TEST(Resolver, RandomCorruptionNeverCrashesAndStaysInBounds) {
  const auto original = real_image();
  std::mt19937 rng(42);
  int found_count = 0;
  for (int round = 0; round < 20'000; ++round) {
    auto bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) {
      bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    }
    for (const auto& [name, version] : vdso::elf::kRequiredSymbols) {
      const void* found = vdso::elf::resolve_vdso_symbol(bytes.data(), bytes.size(), name, version);
      if (found == nullptr)
        continue;
      ++found_count;
      ASSERT_GE(static_cast<const uint8_t*>(found), bytes.data());
      ASSERT_LT(static_cast<const uint8_t*>(found), bytes.data() + bytes.size());
    }
    (void)vdso::elf::check_vdso_image(bytes.data(), bytes.size());
  }
  // Most single flips land in code or padding and leave lookups working.
  EXPECT_GT(found_count, 0);
}

TEST(Resolver, GarbageIsNotAnImage) {
  std::vector<uint8_t> zeros(8192, 0);
  EXPECT_EQ(vdso::elf::resolve_vdso_symbol(zeros.data(), zeros.size(), "time", nullptr), nullptr);
  EXPECT_EQ(vdso::elf::resolve_vdso_symbol(zeros.data(), 0, "time", nullptr), nullptr);
  const auto bytes = real_image();
  std::vector<uint8_t> header_only(bytes.begin(), bytes.begin() + 64);
  EXPECT_EQ(vdso::elf::resolve_vdso_symbol(header_only.data(), header_only.size(), "time", nullptr),
            nullptr);
}

}  // namespace
