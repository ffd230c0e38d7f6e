// Hardware walls between the kernel and user pages, when the CPU has them:
// SMEP (the kernel never executes a user page) and SMAP (the kernel never
// reads or writes one through its user address). The kernel reaches user
// memory only through the direct map (proc/user_memory.h), so both can be
// on; a kernel bug that touched a user address would then fault at once.
#pragma once

namespace kernel::user_protection {

// Enables what CPUID reports and logs which.
void init();

}  // namespace kernel::user_protection
