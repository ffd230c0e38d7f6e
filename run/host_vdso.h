// The host's own vDSO, which vdso-run keeps mapped in every process so that
// the clocks our VDSO does not serve cost what they cost without us: the
// chain page of each process points at that process's copy of the host's
// functions (seed step 5's fallback, done the fast way).
//
// Every 64-bit process maps the same host image, so the supervisor resolves
// the functions once in itself and adds each process's AT_SYSINFO_EHDR.
#pragma once

#include <stdint.h>

#include "vdso/abi/data_page.h"

namespace vdso::run {

class HostVdso {
 public:
  // Resolves the host's __vdso_* functions in this process. A host without
  // a vDSO (or without one of them) leaves those offsets 0: the image then
  // makes the system call, as it would without a chain.
  static HostVdso resolve();

  // The ChainPage header and targets for a process whose host vDSO is at
  // `host_base` (0: none).
  abi::ChainPage chain_for(uint64_t host_base) const;

  bool present() const { return present_; }

 private:
  bool present_ = false;
  // Offsets from the host vDSO's base; 0 = not provided by the host.
  uint64_t clock_gettime_ = 0;
  uint64_t gettimeofday_ = 0;
  uint64_t clock_getres_ = 0;
  uint64_t getcpu_ = 0;
};

}  // namespace vdso::run
