#include "arch/x86_64/user_protection.h"

#include "arch/x86_64/cpu.h"
#include "console/print.h"

namespace kernel::user_protection {
namespace {

constexpr uint64_t kCr4Smep = 1ull << 20, kCr4Smap = 1ull << 21;
constexpr uint32_t kCpuidSmep = 1u << 7, kCpuidSmap = 1u << 20;  // leaf 7, ebx

}  // namespace

void init() {
  const bool has_leaf_7 = cpu::cpuid(0).eax >= 7;
  const uint32_t features = has_leaf_7 ? cpu::cpuid(7, 0).ebx : 0;
  uint64_t cr4 = cpu::read_cr4();
  if (features & kCpuidSmep)
    cr4 |= kCr4Smep;
  if (features & kCpuidSmap)
    cr4 |= kCr4Smap;
  asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
  kprint("cpu: SMEP %s, SMAP %s\n", (features & kCpuidSmep) ? "on" : "not available",
         (features & kCpuidSmap) ? "on" : "not available");
}

}  // namespace kernel::user_protection
