#include "arch/x86_64/tsc_aux.h"

#include "arch/x86_64/cpu.h"

namespace kernel::tsc_aux {
namespace {

constexpr uint32_t kMsrTscAux = 0xc000'0103;
constexpr uint32_t kBootCpu = 0, kBootNode = 0;

}  // namespace

vdso::abi::GetcpuMode init() {
  const vdso::abi::TscAuxReaders readers = vdso::abi::tsc_aux_readers();
  // The MSR exists when either instruction does (Intel SDM, IA32_TSC_AUX).
  if (readers.rdpid || readers.rdtscp)
    cpu::wrmsr(kMsrTscAux, kBootCpu | (kBootNode << vdso::abi::kTscAuxNodeShift));
  return vdso::abi::getcpu_mode_for(readers);
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
