// The architecture's counter hooks for the generic readers: read the
// counter the fine clocks run on, and relax while a write is in progress.
#pragma once

#if defined(__x86_64__)
#include "vdso/arch/x86_64/counter.h"
#else
#error "vdso: no counter hooks for this architecture (docs/architectures.md)"
#endif
