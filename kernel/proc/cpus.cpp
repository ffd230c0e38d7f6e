// The CPUs (cpus.h). The index comes from the hardware in this_cpu() only.
#include "proc/cpus.h"

#include "arch/x86_64/smp.h"
#include "proc/process.h"

namespace kernel::proc {
namespace {

Cpu cpus[kMaxCpus];
static_assert(kMaxCpus == smp::kMaxCpus);

}  // namespace

int cpu_count() {
  return static_cast<int>(smp::cpu_count());
}

CpuMask online_cpus() {
  const int n = cpu_count();
  return n >= 64 ? ~CpuMask{0} : (CpuMask{1} << n) - 1;
}

Cpu& this_cpu() {
  return cpus[smp::this_cpu_index()];
}

Cpu& cpu(int index) {
  return cpus[index];
}

Cpu* cpu_running(const Thread& t) {
  for (int i = 0; i < cpu_count(); ++i) {
    if (cpus[i].current == &t)
      return &cpus[i];
  }
  return nullptr;
}

}  // namespace kernel::proc
