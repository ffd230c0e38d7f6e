// A spinlock for state several CPUs may share. Every one of them is taken
// under the kernel lock (proc/kernel_lock.h), which serialises kernel code
// across CPUs, so today such a lock is found held only by an interrupt
// handler on its own CPU; each marks who may touch what, for the finer
// locking to come. Never held across schedule() (nothing sleeps with it).
#pragma once

#include "arch/x86_64/cpu.h"

namespace kernel {

class Spinlock {
 public:
  void lock() {
    while (!try_lock())
      wait_until_free();
  }
  bool try_lock() { return !__atomic_test_and_set(&held_, __ATOMIC_ACQUIRE); }
  // Waits (without taking it) until it looks free.
  void wait_until_free() const {
    while (__atomic_load_n(&held_, __ATOMIC_RELAXED))
      asm volatile("pause");
  }
  void unlock() { __atomic_clear(&held_, __ATOMIC_RELEASE); }

 private:
  bool held_ = false;
};

// Holds a lock for a scope.
class LockGuard {
 public:
  explicit LockGuard(Spinlock& lock) : lock_(lock) { lock_.lock(); }
  ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Spinlock& lock_;
};

// Holds a lock that an interrupt handler also takes (the tick's): local
// interrupts stay off while it is held, as Linux's spin_lock_irqsave, or
// the handler would spin on its own CPU's lock. The lock is what guards
// the state; turning interrupts off only keeps this CPU from deadlocking
// on itself (boot code runs with interrupts on).
class InterruptSafeLockGuard {
 public:
  explicit InterruptSafeLockGuard(Spinlock& lock)
      : lock_(lock), interrupts_were_on_(cpu::interrupts_enabled()) {
    cpu::disable_interrupts();
    lock_.lock();
  }
  ~InterruptSafeLockGuard() {
    lock_.unlock();
    if (interrupts_were_on_)
      cpu::enable_interrupts();
  }
  InterruptSafeLockGuard(const InterruptSafeLockGuard&) = delete;
  InterruptSafeLockGuard& operator=(const InterruptSafeLockGuard&) = delete;

 private:
  Spinlock& lock_;
  bool interrupts_were_on_;
};

}  // namespace kernel
