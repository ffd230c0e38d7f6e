#include "arch/x86_64/tsc_aux.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/smp.h"
#include "vdso/arch/x86_64/cpu_features.h"

namespace kernel::tsc_aux {
namespace {

constexpr uint32_t kMsrTscAux = 0xc000'0103;
constexpr uint32_t kNode = 0;  // one NUMA node

}  // namespace

vdso::abi::GetcpuMode init() {
  const vdso::arch::TscAuxReaders readers = vdso::arch::tsc_aux_readers();
  // The MSR exists when either instruction does (Intel SDM, IA32_TSC_AUX).
  const uint32_t cpu = smp::this_cpu_index();
  if (readers.rdpid || readers.rdtscp)
    cpu::wrmsr(kMsrTscAux, vdso::arch::encode_cpu_and_node(cpu, kNode));
  gdt::set_cpu_and_node(cpu, kNode);
  return vdso::arch::getcpu_mode_for(readers, /*cpu_node_segment=*/true);
}

const char* describe(vdso::abi::GetcpuMode mode) {
  const char* instruction = vdso::arch::getcpu_instruction_name(mode);
  return instruction != nullptr ? instruction : "the system call (no RDTSCP, no RDPID)";
}

}  // namespace kernel::tsc_aux
