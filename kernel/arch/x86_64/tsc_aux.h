// Where the VDSO's getcpu learns its CPU with no system call: TSC_AUX (MSR
// 0xC0000103, what RDTSCP and RDPID return) and the limit of the GDT's
// cpu-and-node segment (what LSL returns, on every x86_64 CPU). As Linux,
// both hold cpu | node << 12 (the node is always 0: one NUMA node).
#pragma once

#include "vdso/arch/getcpu.h"

namespace kernel::tsc_aux {

// On the running CPU: sets TSC_AUX when the CPU has RDTSCP or RDPID and
// the segment always, to its smp index; returns the getcpu mode to publish: RDPID when CPUID says
// so, else LSL (cpu_features.h says why not RDTSCP).
vdso::abi::GetcpuMode init();

const char* describe(vdso::abi::GetcpuMode mode);

}  // namespace kernel::tsc_aux
