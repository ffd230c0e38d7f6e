// The kernel lock: one lock that a CPU holds whenever it runs kernel code
// on behalf of a thread, as Linux 2.0's big kernel lock. User code runs on
// every CPU at once; kernel code (system calls, faults, the scheduler's
// part of the tick) runs on one CPU at a time, so the state that one CPU
// with interrupts off used to make safe (the process and thread tables,
// run states, futex waiters, pipes, signals, address spaces) stays safe.
//
// Who holds it: a CPU, not a thread. It is taken on every entry from user
// mode (sched::enter_from_user) and given up on the way back
// (sched::return_to_user), and stays held across switch_context: the
// thread switched to resumes inside its own kernel entry and gives it up
// on its own way out (a new thread's first entry gives it up in
// first_entry_to_user). The idle loop gives it up across its hlt.
//
// Rules (kernel/README.md, "Locks"): a CPU waiting for it opens its
// interrupts between tries, so a waiting CPU still takes its tick (the
// boot CPU's timekeeping runs before the lock, and never waits for it) and
// TLB-shootdown IPIs (which the holder waits for); it is never recursive;
// every other lock is taken inside it.
#pragma once

namespace kernel::kernel_lock {

// Spins until this CPU holds it, with interrupts open between tries (the
// caller's interrupt state is back as it was on return).
void acquire();
// Takes it if free; never waits (an interrupt that arrived in kernel mode
// on a CPU that does not hold it: that CPU is idle or waiting for it).
bool try_acquire();
void release();
// Whether this CPU holds it.
bool held_here();

}  // namespace kernel::kernel_lock
