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
// Rules (kernel/README.md, "Threads on several CPUs"): a CPU waiting for it
// opens its interrupts while it waits, so a waiting CPU still takes its
// tick (the boot CPU's timekeeping runs before the lock, and never waits
// for it) and TLB-shootdown IPIs (which the holder waits for); it is never
// recursive; every other lock is taken inside it.
//
// Every system call takes and gives it up once: the uncontended path is
// inline (under TCG each call and return is an indirect jump the emulator
// looks up, which cost a system call ~250 ns when these were calls).
#pragma once

#include <stdint.h>

#include "arch/x86_64/smp.h"
#include "lib/panic.h"
#include "lib/spinlock.h"

namespace kernel::kernel_lock {

namespace detail {
inline Spinlock lock;
inline int64_t holder = -1;  // the CPU's index; written only by the holder
void acquire_contended();
}  // namespace detail

// Whether this CPU holds it.
inline bool held_here() {
  return __atomic_load_n(&detail::holder, __ATOMIC_RELAXED) == smp::this_cpu_index();
}

// Takes it if free; never waits (an interrupt that arrived in kernel mode
// on a CPU that does not hold it: that CPU is idle or waiting for it).
inline bool try_acquire() {
  if (!detail::lock.try_lock())
    return false;
  __atomic_store_n(&detail::holder, int64_t{smp::this_cpu_index()}, __ATOMIC_RELAXED);
  return true;
}

// Spins until this CPU holds it, with interrupts open while it waits (the
// caller's interrupt state is back as it was on return).
inline void acquire() {
  if (!try_acquire())
    detail::acquire_contended();
}

inline void release() {
  KASSERT(held_here());
  __atomic_store_n(&detail::holder, int64_t{-1}, __ATOMIC_RELAXED);
  detail::lock.unlock();
}

}  // namespace kernel::kernel_lock
