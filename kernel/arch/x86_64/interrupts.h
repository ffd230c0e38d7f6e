// The IDT: every vector enters through one assembly stub that saves the
// general registers into an InterruptFrame and calls interrupt_dispatch.
// Exceptions without a handler, and any unexpected vector, panic with the
// full faulting state.
#pragma once

#include <stdint.h>

namespace kernel::interrupts {

// Layout fixed by interrupt_stubs.S (pushed registers) and the CPU.
struct InterruptFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code;  // 0 for vectors without one
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(InterruptFrame) == 22 * 8);
static_assert(__builtin_offsetof(InterruptFrame, cs) == 144);  // FRAME_CS, interrupt_stubs.S

inline constexpr uint8_t kPageFault = 14;
inline constexpr uint8_t kGeneralProtection = 13;
inline constexpr uint8_t kDoubleFault = 8;
// The legacy PICs are remapped here and masked; anything arriving is spurious.
inline constexpr uint8_t kLegacyPicBase = 0x20;
inline constexpr uint8_t kTimerVector = 0x40;
// Inter-processor interrupts (smp::send_ipi). Each is only acknowledged
// until a handler is set; a handler must end with lapic::end_of_interrupt.
inline constexpr uint8_t kRescheduleVector = 0xf0;    // the scheduler's (proc/)
inline constexpr uint8_t kTlbShootdownVector = 0xf1;  // the memory code's (proc/)
inline constexpr uint8_t kCallFunctionVector = 0xf2;  // smp::run_on_cpu
inline constexpr uint8_t kLapicSpuriousVector = 0xff;

using Handler = void (*)(InterruptFrame& frame);

// Builds the IDT (shared by every CPU) and loads it on the boot CPU.
void init();
// Loads the IDT on an application processor.
void load();
void set_handler(uint8_t vector, Handler handler);
// Exceptions raised in user mode that have no handler go here (the
// process pays, not the kernel); in kernel mode they still panic.
void set_user_exception_handler(Handler handler);
// Exceptions raised in kernel mode go here first: true when it dealt with
// the fault (a user-access instruction's fault resolved or sent to its
// fixup, arch/x86_64/user_access.h); false, and the kernel panics.
using KernelFaultHandler = bool (*)(InterruptFrame& frame);
void set_kernel_fault_handler(KernelFaultHandler handler);

inline bool from_user_mode(const InterruptFrame& frame) {
  return (frame.cs & 3) == 3;
}

// Human-readable exception name ("page fault"), or null past vector 31.
const char* exception_name(uint64_t vector);

}  // namespace kernel::interrupts
