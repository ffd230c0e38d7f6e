// The public C header <vdso/sysinfo.h>: from C and from C++, it finds the
// configuration functions in the image mapped in-process exactly where our
// resolver does, and finds nothing in the host's own vDSO; its types have
// the ABI's layout.
#include "vdso/sysinfo.h"

#include <gtest/gtest.h>
#include <sys/auxv.h>

#include <cstring>
#include <string_view>

#include "mapped_vdso.h"
#include "timekeeper.h"
#include "vdso/abi/exports.h"
#include "vdso/elf/loaded_image.h"

extern "C" int sysinfo_header_find_from_c(const void* vdso_base, struct vdso_sysinfo* out);

namespace {

using namespace vdso::abi;

static_assert(sizeof(vdso_sysinfo_utsname) == sizeof(Utsname));
static_assert(offsetof(vdso_sysinfo_utsname, release) == offsetof(Utsname, release));
static_assert(offsetof(vdso_sysinfo_utsname, machine) == offsetof(Utsname, machine));
static_assert(sizeof(vdso_sysinfo_timespec) == sizeof(Timespec));

// The public header against the one list of exports: a function pointer
// per export of VDSO_SYSINFO_1, and the same node name.
#define VDSO_NAME(name) #name,
constexpr const char* kSysinfoExports[] = {VDSO_EXPORTS_SYSINFO(VDSO_NAME)};
#undef VDSO_NAME
constexpr size_t kSysinfoExportCount = sizeof(kSysinfoExports) / sizeof(kSysinfoExports[0]);
static_assert(sizeof(vdso_sysinfo) == kSysinfoExportCount * sizeof(void (*)()),
              "struct vdso_sysinfo and vdso/abi/exports.h list different functions");
static_assert(std::string_view(VDSO_SYSINFO_VERSION) == VDSO_VERSION_SYSINFO);

TEST(SysinfoHeader, FindsEveryFunctionWhereOurResolverDoes) {
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  for (auto find : {&vdso_sysinfo_find, &sysinfo_header_find_from_c}) {
    vdso_sysinfo si{};
    ASSERT_EQ(find(vdso->image(), &si), 1);
    const auto resolved = [&](const char* name) {
      return vdso::elf::resolve_vdso_symbol(vdso->image(), vdso->image_size(), name,
                                            VDSO_VERSION_SYSINFO);
    };
    // Member i of struct vdso_sysinfo is export i of the node in the one
    // list (vdso/abi/exports.h), the list the linker script is made from.
    void (*members[kSysinfoExportCount])();
    std::memcpy(members, &si, sizeof(members));
    for (size_t i = 0; i < kSysinfoExportCount; ++i)
      EXPECT_EQ(reinterpret_cast<const void*>(members[i]), resolved(kSysinfoExports[i])) << i;
  }
}

TEST(SysinfoHeader, CallsServeThePublishedConfiguration) {
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  vdso::Timekeeper timekeeper(vdso->data_page(), 10'000'000, 0, 0);
  vdso_sysinfo si{};
  ASSERT_EQ(vdso_sysinfo_find(vdso->image(), &si), 1);
  vdso_sysinfo_utsname uts{};
  EXPECT_EQ(si.uname(&uts), -61);  // -ENODATA: nothing published yet
  SystemInfo info{};
  std::strcpy(info.uts.release, "6.1.0-test");
  info.cpus_configured = 8;
  info.cpus_online = 8;
  timekeeper.publish_system_info(info);
  ASSERT_EQ(si.uname(&uts), 0);
  EXPECT_STREQ(uts.release, "6.1.0-test");
  uint32_t cpus[2] = {};
  ASSERT_EQ(si.cpus(cpus), 0);
  EXPECT_EQ(cpus[0], 8u);
  uint64_t hz = 0;
  ASSERT_EQ(si.tick_hz(&hz), 0);
  EXPECT_EQ(hz, 100u);
}

TEST(SysinfoHeader, FindsNothingInTheHostsVdsoOrNowhere) {
  vdso_sysinfo si{};
  const void* host = reinterpret_cast<const void*>(getauxval(AT_SYSINFO_EHDR));
  if (host != nullptr) {
    EXPECT_EQ(vdso_sysinfo_find(host, &si), 0);
    EXPECT_EQ(si.uname, nullptr);
  }
  EXPECT_EQ(vdso_sysinfo_find(nullptr, &si), 0);
  static const unsigned char not_elf[64] = {'n', 'o', 't'};
  EXPECT_EQ(vdso_sysinfo_find(not_elf, &si), 0);
}

}  // namespace
