// Preemptive round-robin of threads on every CPU. Kernel code runs under
// the kernel lock (proc/kernel_lock.h) with interrupts off, so one thread
// table serves every CPU: a CPU picks the next runnable thread that no
// other CPU runs and that its affinity allows. A thread gives up its CPU
// when it blocks (schedule()), or when its CPU's tick finds its time slice
// over while it runs in user mode. A thread that wakes from a sleep or a
// wait runs first: on an idle CPU at once (reschedule IPI), or at once on
// the CPU whose tick woke it (wake-up preemption, as Linux favours
// sleepers): a sleeper is not kept waiting behind every spinner's slice.
#pragma once

#include <stdint.h>

#include "proc/kernel_lock.h"
#include "proc/process.h"
#include "proc/user_return.h"

namespace kernel::sched {

// Installs the tick hook and the IPI handlers; the time slice is
// `slice_ticks` ticks of each CPU's own tick.
void init(uint32_t slice_ticks);

// Gives the CPU to the next runnable thread (round robin), or to the idle
// task when there is none; returns when the caller runs again (perhaps on
// another CPU). The caller sets its own state first (kSleeping, kWaiting,
// kDead) if it must not be picked.
void schedule();

// Makes a new thread (prepare_first_entry done) runnable, on an idle CPU
// at once if one may run it.
void start(proc::Thread& t);

// Makes a sleeping or waiting thread runnable (and wakes an idle CPU it
// may run on).
void wake(proc::Thread& t);
// Wakes every thread of `p` in kWaiting (each re-checks what it waits for).
void wake_waiting(proc::Process& p);

// Entry from user mode (system call, exception, interrupt): takes the
// kernel lock; a thread that another CPU ended meanwhile (exit_group,
// exec) goes no further. Inline, with return_to_user: every system call
// passes both.
[[noreturn]] void leave_dead_thread();
inline void enter_from_user() {
  kernel_lock::acquire();
  if (proc::current_thread().state == proc::State::kDead) [[unlikely]]
    leave_dead_thread();
}
// The way back to user mode: the reschedule this CPU was asked for (or
// one its thread's affinity no longer allows), the rseq area and the
// pending signals (proc/user_return.h), then the kernel lock goes.
inline void return_to_user() {
  const proc::Cpu& cpu = proc::this_cpu();
  if (cpu.reschedule || ((cpu.current->allowed_cpus >> cpu.index) & 1) == 0) [[unlikely]]
    schedule();
  // Back in this thread (perhaps on another CPU): its rseq area, then the
  // signals that arrived meanwhile.
  proc::prepare_user_return(proc::current_thread());
  kernel_lock::release();
}

// After `t`'s allowed CPUs changed: moves it off a CPU it may no longer
// run on, or to an idle one it may.
void affinity_changed(proc::Thread& t);

// Stops every other CPU running a thread of `p` (threads already marked
// kDead by end_other_threads): each is sent a reschedule IPI, and the
// caller waits, the kernel lock given up meanwhile, until none runs one.
void stop_other_cpus_running(proc::Process& p);

// TLB shootdown: after a change to `p`'s page tables that removed or
// narrowed a translation (munmap, mprotect, MADV_DONTNEED, brk), every
// other CPU running a thread of `p` flushes its TLB before this returns.
void shoot_down_tlb(const proc::Process& p);

// The idle loop: runs threads until the machine stops. The boot CPU calls
// it once the first thread is runnable, every other CPU once it is up.
[[noreturn]] void run_idle();

// Context switches since boot (for the tests' reports).
uint64_t switch_count();

}  // namespace kernel::sched
