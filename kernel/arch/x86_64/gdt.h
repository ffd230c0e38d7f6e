// The final GDT (kernel and user segments, in the order syscall/sysret
// require) and the TSS, whose IST1 stack lets a double fault be reported
// even when the kernel stack is gone.
#pragma once

#include <stdint.h>

namespace kernel::gdt {

inline constexpr uint16_t kKernelCode = 0x08;
inline constexpr uint16_t kKernelData = 0x10;
inline constexpr uint16_t kUserData = 0x18 | 3;  // sysret: STAR[63:48] + 8
inline constexpr uint16_t kUserCode = 0x20 | 3;  // sysret: STAR[63:48] + 16
inline constexpr uint16_t kTss = 0x28;

// IST slot of the double-fault handler's stack.
inline constexpr uint8_t kDoubleFaultIst = 1;

void init();

// The stack the CPU switches to on an interrupt from user mode (TSS.rsp0):
// the running process's kernel stack.
void set_kernel_stack(uint64_t rsp0);

}  // namespace kernel::gdt
