// The final GDT (kernel and user segments, in the order syscall/sysret
// require, and Linux's cpu-and-node segment for the VDSO's getcpu) and the
// TSS, whose IST1 stack lets a double fault be reported even when the
// kernel stack is gone.
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

// Writes cpu | node << 12 into the limit of the user-readable segment
// vdso::abi::kCpuNodeSelector, which the VDSO's getcpu reads with LSL.
void set_cpu_and_node(uint32_t cpu, uint32_t node);

// The stack the CPU switches to on an interrupt from user mode (TSS.rsp0):
// the running process's kernel stack.
void set_kernel_stack(uint64_t rsp0);

}  // namespace kernel::gdt
