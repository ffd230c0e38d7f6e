#include "lib/random.h"

#include "arch/x86_64/cpu.h"

namespace kernel::random {
namespace {

uint64_t state = 0;

bool rdrand(uint64_t& out) {
  if ((cpu::cpuid(1).ecx & (1u << 30)) == 0)
    return false;
  for (int attempt = 0; attempt < 10; ++attempt) {
    unsigned char ok;
    asm volatile("rdrand %0; setc %1" : "=r"(out), "=qm"(ok));
    if (ok)
      return true;
  }
  return false;
}

}  // namespace

void init() {
  uint64_t seed = 0;
  if (!rdrand(seed))
    seed = 0;
  state ^= seed ^ cpu::rdtsc_ordered() * 0x9e37'79b9'7f4a'7c15;
}

uint64_t next() {
  // Mix the TSC in at every draw: draws at different times differ even
  // when nothing else does.
  state += 0x9e37'79b9'7f4a'7c15 + (cpu::rdtsc_ordered() & 0xff);
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9;
  z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11eb;
  return z ^ (z >> 31);
}

uint64_t below(uint64_t bound) {
  return next() % bound;
}

void fill(void* buffer, size_t bytes) {
  auto* out = static_cast<uint8_t*>(buffer);
  while (bytes > 0) {
    uint64_t value = next();
    for (int i = 0; i < 8 && bytes > 0; ++i, --bytes) {
      *out++ = static_cast<uint8_t>(value);
      value >>= 8;
    }
  }
}

}  // namespace kernel::random
