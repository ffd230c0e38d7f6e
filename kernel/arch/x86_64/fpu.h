// The user's x87/SSE state. The kernel itself never touches these
// registers (-mgeneral-regs-only, checked by scripts/check-kernel.sh), so
// a process's state only has to be saved and restored when another process
// takes the CPU: FXSAVE/FXRSTOR of 512 bytes at each switch.
#pragma once

#include <stdint.h>

namespace kernel::fpu {

struct alignas(16) State {
  uint8_t bytes[512];
};

// Lets user mode run SSE (CR4.OSFXSR, OSXMMEXCPT; CR0.EM off, MP on).
// CR4.OSXSAVE stays off, so CPUID tells programs there is no AVX state to
// use and FXSAVE covers everything they can touch.
void init();

// The state a new program starts with (as after FNINIT: FCW 0x37f, MXCSR
// 0x1f80, all masked).
void reset(State& state);
void save(State& state);
// Clears what FXRSTOR would fault on (reserved MXCSR bits) in a state that
// came from user memory (rt_sigreturn).
void sanitize(State& state);
void restore(const State& state);

}  // namespace kernel::fpu
