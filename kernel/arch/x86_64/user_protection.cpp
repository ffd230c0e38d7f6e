#include "arch/x86_64/user_protection.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/user_access.h"
#include "console/print.h"

namespace kernel::user_protection {
namespace {

constexpr uint64_t kCr4Smep = 1ull << 20, kCr4Smap = 1ull << 21;
constexpr uint32_t kCpuidSmep = 1u << 7, kCpuidSmap = 1u << 20;  // leaf 7, ebx

uint32_t leaf_7_features() {
  return cpu::cpuid(0).eax >= 7 ? cpu::cpuid(7, 0).ebx : 0;
}

}  // namespace

void init() {
  const uint32_t features = leaf_7_features();
  uint64_t cr4 = cpu::read_cr4();
  if (features & kCpuidSmep)
    cr4 |= kCr4Smep;
  if (features & kCpuidSmap)
    cr4 |= kCr4Smap;
  cpu::write_cr4(cr4);
  user_access::set_smap_available((features & kCpuidSmap) != 0);
  kprint("cpu: SMEP %s, SMAP %s\n", (features & kCpuidSmep) ? "on" : "not available",
         (features & kCpuidSmap) ? "on" : "not available");
}

bool smap_available() {
  return (leaf_7_features() & kCpuidSmap) != 0;
}

bool smep_on() {
  return (cpu::read_cr4() & kCr4Smep) != 0;
}
bool smap_on() {
  return (cpu::read_cr4() & kCr4Smap) != 0;
}

SuspendedForTest::SuspendedForTest() : saved_cr4_(cpu::read_cr4()) {
  cpu::write_cr4(saved_cr4_ & ~(kCr4Smep | kCr4Smap));
}
SuspendedForTest::~SuspendedForTest() {
  cpu::write_cr4(saved_cr4_);
}

}  // namespace kernel::user_protection
