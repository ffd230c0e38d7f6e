// The CPUs (cpus.h). The index comes from the hardware in this_cpu() only.
#include "proc/cpus.h"

#include "arch/x86_64/smp.h"
#include "proc/process.h"

namespace kernel::proc {
Cpu detail::cpus[kMaxCpus];

int cpu_count() {
  return static_cast<int>(smp::cpu_count());
}

CpuMask online_cpus() {
  const int n = cpu_count();
  return n >= 64 ? ~CpuMask{0} : (CpuMask{1} << n) - 1;
}

Cpu* cpu_running(const Thread& t) {
  for (int i = 0; i < cpu_count(); ++i) {
    if (detail::cpus[i].current == &t)
      return &detail::cpus[i];
  }
  return nullptr;
}

}  // namespace kernel::proc
