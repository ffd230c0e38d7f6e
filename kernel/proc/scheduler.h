// Preemptive round-robin of threads on one CPU. The kernel itself is not
// preemptible (system calls and interrupts run with interrupts off); a
// thread gives
// up the CPU when it blocks (schedule()), or when the tick finds that its
// time slice is over while it runs in user mode. A thread that wakes from
// a sleep or a wait runs first, at once if the tick woke it (wake-up
// preemption, as Linux favours sleepers): a sleeper is not kept waiting
// behind every spinner's slice.
#pragma once

#include <stdint.h>

#include "proc/process.h"

namespace kernel::sched {

// Installs the tick hook; the time slice is `slice_ticks` ticks.
void init(uint32_t slice_ticks);

// Gives the CPU to the next runnable thread (round robin), or to the idle
// task when there is none; returns when the caller runs again. The caller
// sets its own state first (kSleeping, kWaiting, kDead) if it must not be
// picked.
void schedule();

// Makes a sleeping or waiting thread runnable.
void wake(proc::Thread& t);
// Wakes every thread of `p` in kWaiting (each re-checks what it waits for).
void wake_waiting(proc::Process& p);

// The idle loop: runs threads until the machine stops. Call from the boot
// context once the first thread is runnable.
[[noreturn]] void run_idle();

// Context switches since boot (for the tests' reports).
uint64_t switch_count();

}  // namespace kernel::sched
