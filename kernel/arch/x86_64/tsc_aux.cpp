#include "arch/x86_64/tsc_aux.h"

#include "arch/x86_64/cpu.h"

namespace kernel::tsc_aux {
namespace {

constexpr uint32_t kMsrTscAux = 0xc000'0103;
constexpr uint32_t kBootCpu = 0, kBootNode = 0;

bool has_rdtscp() {
  if (cpu::cpuid(0x8000'0000).eax < 0x8000'0001)
    return false;
  return (cpu::cpuid(0x8000'0001).edx >> 27) & 1;
}

bool has_rdpid() {
  if (cpu::cpuid(0).eax < 7)
    return false;
  return (cpu::cpuid(7, 0).ecx >> 22) & 1;
}

}  // namespace

vdso::abi::GetcpuMode init() {
  using vdso::abi::GetcpuMode;
  const bool rdpid = has_rdpid(), rdtscp = has_rdtscp();
  // The MSR exists when either instruction does (Intel SDM, IA32_TSC_AUX).
  if (rdpid || rdtscp)
    cpu::wrmsr(kMsrTscAux, kBootCpu | (kBootNode << vdso::abi::kTscAuxNodeShift));
  if (rdpid)
    return GetcpuMode::kRdpid;
  return rdtscp ? GetcpuMode::kRdtscp : GetcpuMode::kNone;
}

const char* describe(vdso::abi::GetcpuMode mode) {
  switch (mode) {
    case vdso::abi::GetcpuMode::kRdpid: return "RDPID";
    case vdso::abi::GetcpuMode::kRdtscp: return "RDTSCP";
    case vdso::abi::GetcpuMode::kNone: return "the system call (no RDTSCP, no RDPID)";
  }
  return "?";
}

}  // namespace kernel::tsc_aux
