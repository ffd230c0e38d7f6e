// The architecture's system calls: their numbers (vdso::abi::kSys*) and
// names (vdso::arch::syscall_name, syscall_number), and the image's fallback
// system call (vdso::arch::syscall2, syscall3).
#pragma once

#if defined(__x86_64__)
#include "vdso/arch/x86_64/syscall.h"
#else
#error "vdso: no system-call hooks for this architecture (docs/architectures.md)"
#endif
