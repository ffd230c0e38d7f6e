// Hardware walls between the kernel and user pages, when the CPU has them:
// SMEP (the kernel never executes a user page) and SMAP (the kernel never
// reads or writes one through its user address, except inside the window
// the user-access routines open with stac and close with clac,
// arch/x86_64/user_access.h). A kernel bug that touched a user address
// anywhere else would then fault at once.
#pragma once

#include <stdint.h>

namespace kernel::user_protection {

// Enables what CPUID reports and logs which.
void init();

// Whether the CPU has SMAP (CPUID); init() turns it on then.
bool smap_available();
// Whether each wall is up now (CR4).
bool smep_on();
bool smap_on();

// Takes both walls down until destroyed, then puts CR4 back as it was: for
// an in-kernel test that runs the VDSO image's code through a process's
// mapping, as user code would. Nothing else may touch user addresses.
class SuspendedForTest {
 public:
  SuspendedForTest();
  ~SuspendedForTest();
  SuspendedForTest(const SuspendedForTest&) = delete;
  SuspendedForTest& operator=(const SuspendedForTest&) = delete;

 private:
  uint64_t saved_cr4_;
};

}  // namespace kernel::user_protection
