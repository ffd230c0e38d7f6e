// The host kernel's own vDSO in the calling process: where AT_SYSINFO_EHDR
// put it and how far it extends, so that the bounds-checked resolver can be
// given a real size. Hosted only (it reads the auxiliary vector): vdso-run
// chains to the host's functions through it, tests and benchmarks compare
// against them. The kernel never links it.
#pragma once

#include <stdint.h>

namespace vdso::elf {

struct HostVdsoImage {
  const uint8_t* base = nullptr;  // null: the host gave this process no vDSO
  uint64_t size = 0;              // bytes mapped from base, whole pages

  bool present() const { return base != nullptr; }
  // name@LINUX_2.6 in the host's vDSO through our resolver, or null.
  const void* symbol(const char* name) const;
};

// The host's vDSO of this process, computed once.
const HostVdsoImage& host_vdso_image();

}  // namespace vdso::elf
