// Every CPU of the machine, and what is private to each: the per-CPU area
// reached through GS, the CPU count, and the inter-processor interrupts.
//
// The CPUs come from the firmware's ACPI MADT (arch/x86_64/acpi.h); the
// boot CPU is index 0, the others 1.. in the table's order. Each CPU's GS
// base (IA32_GS_BASE) points at its PerCpu while it runs kernel code; user
// mode has its own GS base, exchanged with swapgs on every entry from user
// mode and every exit to it (syscall_entry.S, interrupt_stubs.S).
//
// The boot CPU is the page's one writer (time/tick.h); every other CPU's
// tick counts its own ticks and calls the hook proc/ installs. An
// application processor, once up, enters the scheduler through ap_idle().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/per_cpu_offsets.h"

namespace kernel::smp {

// The most CPUs the kernel runs (vdso-kernel-run --cpus allows as many);
// the MADT's others stay in reset, and the log says so.
inline constexpr uint32_t kMaxCpus = 16;

using CallFunction = void (*)(void* argument);

// One CPU's own data. The fields up to `index` are read by the assembly
// entry paths (per_cpu_offsets.h); the rest only by C++.
struct alignas(64) PerCpu {
  PerCpu* self;                 // how this_cpu() reads the address: %gs:0
  uint64_t syscall_kernel_rsp;  // syscall_entry's stack: the running thread's kernel stack top
  uint64_t syscall_user_rsp;    // the user's rsp while syscall_entry switches stacks
  uint32_t index;               // 0 = the boot CPU
  uint32_t lapic_id;            // from the MADT; the IPIs' destination
  // The scheduler's (proc/) per-CPU data: null until proc/ sets it.
  void* scheduler_slot;
  // LAPIC timer interrupts this CPU has taken.
  uint64_t ticks;
  // run_on_cpu's request: the function (null when none), its argument and
  // whether it has run.
  CallFunction call;
  void* call_argument;
  bool call_done;
  bool online;
};
static_assert(offsetof(PerCpu, self) == PER_CPU_SELF);
static_assert(offsetof(PerCpu, syscall_kernel_rsp) == PER_CPU_SYSCALL_KERNEL_RSP);
static_assert(offsetof(PerCpu, syscall_user_rsp) == PER_CPU_SYSCALL_USER_RSP);
static_assert(offsetof(PerCpu, index) == PER_CPU_INDEX);

// The running CPU's area: one %gs-relative load.
inline PerCpu& this_cpu() {
  PerCpu* self;
  asm volatile("movq %%gs:%c1, %0" : "=r"(self) : "i"(PER_CPU_SELF));
  return *self;
}
// The running CPU's index (0 = the boot CPU): one %gs-relative load.
inline uint32_t this_cpu_index() {
  uint32_t index;
  asm volatile("movl %%gs:%c1, %0" : "=r"(index) : "i"(PER_CPU_INDEX));
  return index;
}

// CPUs running (1 until start_cpus has started the others).
uint32_t cpu_count();
// Any running CPU's area, 0 <= index < cpu_count().
PerCpu& cpu(uint32_t index);

// The boot CPU's GS base: the first thing kernel_main does, so that every
// later step may use this_cpu().
void init_boot_cpu();

// Finds the CPUs in the MADT and starts each (INIT/SIPI/SIPI) up to
// `max_cpus`: its GDT, TSS, IDT, GS and LAPIC, and the TSC check against
// the boot CPU (delays measured with `tsc_hz`, the calibrated rate). The started CPUs wait,
// interrupts off, until release_cpus(). Returns whether every CPU's TSC agrees with the boot CPU's
// (false: the log says why; user space must not read the TSC). `fake_tsc_warp`: the check's input
// on each CPU is moved back (boot option tscwarp=1), to prove that the check can fail.
struct StartResult {
  uint32_t cpus;
  bool tsc_synchronized;
};
StartResult start_cpus(uint32_t max_cpus, uint64_t tsc_hz, bool fake_tsc_warp);
// start_cpus's verdict on the TSCs (true before it has run).
bool tscs_agree();

// Lets the started CPUs go on: each takes the boot CPU's control registers,
// EFER, PAT and SYSCALL MSRs (its FPU/SSE set-up, SMEP/SMAP), its
// TSC_AUX and getcpu segment, starts its LAPIC timer at `lapic_period_counts`
// on the tick's vector, and enters ap_idle(). Call after the boot CPU has
// set all of those up (init_user_space).
void release_cpus(uint32_t lapic_period_counts);

// What an application processor does once it is up: the scheduler's idle
// loop (kernel::sched::run_idle()), which runs threads on it.
[[noreturn]] void ap_idle();

// Sets this CPU's kernel stack for entries from user mode: TSS.rsp0 and
// syscall_entry's stack (the scheduler, at each switch).
void set_kernel_stack(uint64_t stack_top);

// A fixed interrupt `vector` to one CPU, or to every other running CPU.
// The vectors are reserved in interrupts.h; one without a handler is only
// acknowledged.
void send_ipi(uint32_t cpu_index, uint8_t vector);
void send_ipi_all_but_self(uint8_t vector);

// Runs `function(argument)` on CPU `cpu_index` (another running CPU), in
// its call-function interrupt (interrupts off there), and returns at once;
// wait_for_call waits until it has returned. One request per CPU at a time.
// For the in-kernel tests, which must run code on a given CPU.
void run_on_cpu(uint32_t cpu_index, CallFunction function, void* argument);
void wait_for_call(uint32_t cpu_index);

}  // namespace kernel::smp
