// x86_64's counter hooks: the TSC, and PAUSE in a reader's wait.
#pragma once

#include <stdint.h>

namespace vdso::arch {

// The TSC, read after every earlier load has completed (lfence; rdtsc, as
// Linux's rdtsc_ordered), so that a reader does not take it before the
// seqcount's begin, nor a kernel before the device poll it follows (the
// "memory" clobber keeps the compiler from moving loads across it too).
inline uint64_t read_counter() {
  uint32_t low, high;
  asm volatile("lfence; rdtsc" : "=a"(low), "=d"(high) : : "memory");
  return (uint64_t{high} << 32) | low;
}

// A spinning reader's hint to the CPU (and to a sibling hyperthread).
inline void cpu_relax() {
  __builtin_ia32_pause();
}

}  // namespace vdso::arch
