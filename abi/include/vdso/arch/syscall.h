// The architecture's system-call numbers (as vdso::abi::kSys*) and the
// image's fallback system call (vdso::arch::syscall2, syscall3).
#pragma once

#if defined(__x86_64__)
#include "vdso/arch/x86_64/syscall.h"
#else
#error "vdso: no system-call hooks for this architecture (docs/architectures.md)"
#endif
