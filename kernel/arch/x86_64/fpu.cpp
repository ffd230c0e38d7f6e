#include "arch/x86_64/fpu.h"

#include "arch/x86_64/cpu.h"

namespace kernel::fpu {
namespace {

constexpr uint64_t kCr0MonitorCoprocessor = 1ull << 1, kCr0Emulation = 1ull << 2,
                   kCr0TaskSwitched = 1ull << 3;
constexpr uint64_t kCr4Osfxsr = 1ull << 9, kCr4Osxmmexcpt = 1ull << 10;

// MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK; 0 means 0xffbf).
uint32_t mxcsr_mask = 0xffbf;

uint32_t read32(const State& state, int offset) {
  return static_cast<uint32_t>(state.bytes[offset]) | state.bytes[offset + 1] << 8 |
         state.bytes[offset + 2] << 16 | static_cast<uint32_t>(state.bytes[offset + 3]) << 24;
}

}  // namespace

void init() {
  uint64_t cr0 = cpu::read_cr0();
  cr0 = (cr0 & ~(kCr0Emulation | kCr0TaskSwitched)) | kCr0MonitorCoprocessor;
  cpu::write_cr0(cr0);
  cpu::write_cr4(cpu::read_cr4() | kCr4Osfxsr | kCr4Osxmmexcpt);
  static State probe;
  save(probe);
  const uint32_t mask = read32(probe, 28);
  if (mask != 0)
    mxcsr_mask = mask;
}

void sanitize(State& state) {
  const uint32_t mxcsr = read32(state, 24) & mxcsr_mask;
  for (int i = 0; i < 4; ++i)
    state.bytes[24 + i] = static_cast<uint8_t>(mxcsr >> (8 * i));
}

void reset(State& state) {
  for (uint8_t& byte : state.bytes)
    byte = 0;
  state.bytes[0] = 0x7f;  // FCW = 0x037f
  state.bytes[1] = 0x03;
  state.bytes[24] = 0x80;  // MXCSR = 0x1f80
  state.bytes[25] = 0x1f;
  state.bytes[28] = 0xff;  // MXCSR_MASK: every bit writable (ignored by FXRSTOR)
  state.bytes[29] = 0xff;
}

// The only x87/SSE instructions in the kernel: they move the user's state,
// never compute with it (check-kernel.sh allows exactly these two).
void save(State& state) {
  asm volatile("fxsave64 %0" : "=m"(state) : : "memory");
}
void restore(const State& state) {
  asm volatile("fxrstor64 %0" : : "m"(state) : "memory");
}

}  // namespace kernel::fpu
