// The architecture's getcpu without a system call: its GetcpuMode values
// and the read of the CPU and node (vdso::arch::read_cpu_node).
#pragma once

#if defined(__x86_64__)
#include "vdso/arch/x86_64/getcpu.h"
#else
#error "vdso: no getcpu hooks for this architecture (docs/architectures.md)"
#endif
