// The final GDT (kernel and user segments, in the order syscall/sysret
// require, and Linux's cpu-and-node segment for the VDSO's getcpu) and the
// TSS, whose IST1 stack lets a double fault be reported even when the
// kernel stack is gone. Each CPU has its own pair: its TSS holds its own
// stacks, its GDT its own getcpu segment.
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

// Builds and loads CPU `cpu_index`'s GDT and TSS (on that CPU), with
// `rsp0` as the stack for entries from user mode until a thread runs.
void init(uint32_t cpu_index, uint64_t rsp0);

// Writes cpu | node << 12 into the limit of the running CPU's
// user-readable segment vdso::abi::kCpuNodeSelector, which the VDSO's
// getcpu reads with LSL.
void set_cpu_and_node(uint32_t cpu, uint32_t node);

// The stack the running CPU switches to on an interrupt from user mode
// (its TSS.rsp0): the running thread's kernel stack (smp::set_kernel_stack
// sets it with syscall_entry's).
void set_kernel_stack(uint64_t rsp0);

}  // namespace kernel::gdt
