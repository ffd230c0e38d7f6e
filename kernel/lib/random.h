// The kernel's random numbers: AT_RANDOM, address-space randomisation,
// getrandom. splitmix64 seeded from RDRAND when the CPU has it and from
// the TSC otherwise. FIXME: not a cryptographic generator; good enough to
// make layouts differ between processes and boots, not for keys.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::random {

void init();
uint64_t next();
// Uniform in [0, bound) (bound > 0; the tiny modulo bias is acceptable).
uint64_t below(uint64_t bound);
void fill(void* buffer, size_t bytes);

}  // namespace kernel::random
