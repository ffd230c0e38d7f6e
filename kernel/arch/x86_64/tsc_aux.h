// TSC_AUX (MSR 0xC0000103): what RDTSCP and RDPID return to user space, so
// the VDSO's getcpu learns its CPU with no system call. As Linux, it holds
// cpu | node << 12; here always 0 (one CPU, one node).
#pragma once

#include "vdso/arch/getcpu.h"

namespace kernel::tsc_aux {

// Sets TSC_AUX when the CPU has RDTSCP or RDPID, and returns the getcpu
// mode to publish: RDPID when CPUID says so, else RDTSCP, else none (the
// VDSO then makes the getcpu system call).
vdso::abi::GetcpuMode init();

const char* describe(vdso::abi::GetcpuMode mode);

}  // namespace kernel::tsc_aux
