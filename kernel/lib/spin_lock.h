// A spin lock for kernel state that more than one CPU may touch. One CPU
// runs today, and system calls and interrupts run with interrupts off, so
// it is never contended yet; it marks (and will enforce, when more CPUs
// come up) which code may touch what. Not recursive: taking a lock its
// holder already has is a deadlock, which the holder check turns into a
// panic naming the lock.
#pragma once

#include "arch/x86_64/cpu.h"
#include "lib/panic.h"

namespace kernel {

class SpinLock {
 public:
  // A lock in a static table (a process's) is left unnamed: a name would
  // need a constructor, and the kernel runs none for static objects.
  constexpr SpinLock() = default;
  explicit constexpr SpinLock(const char* name) : name_(name) {}
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  // Inlined into LockGuard, so the taker named in a panic is its caller.
  __attribute__((always_inline)) void lock() {
    if (__atomic_load_n(&held_, __ATOMIC_RELAXED)) {
      PANIC("spin lock %s at %p taken while held (one CPU: a recursive take); taken at %p",
            name_ != nullptr ? name_ : "(unnamed)", static_cast<void*>(this), taken_at_);
    }
    while (__atomic_exchange_n(&held_, true, __ATOMIC_ACQUIRE)) {
      while (__atomic_load_n(&held_, __ATOMIC_RELAXED))
        __builtin_ia32_pause();
    }
    taken_at_ = __builtin_return_address(0);
  }
  void unlock() { __atomic_store_n(&held_, false, __ATOMIC_RELEASE); }
  bool held() const { return __atomic_load_n(&held_, __ATOMIC_RELAXED); }

 private:
  const char* name_ = nullptr;
  bool held_ = false;
  void* taken_at_ = nullptr;  // the return address of the holder's caller
};

// Holds a lock for a scope.
class LockGuard {
 public:
  __attribute__((always_inline)) explicit LockGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
  ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  SpinLock& lock_;
};

// Holds a lock that an interrupt handler also takes (the tick's): local
// interrupts stay off while it is held, as Linux's spin_lock_irqsave, or
// the handler would spin on its own CPU's lock. The lock is what guards
// the state; turning interrupts off only keeps this CPU from deadlocking
// on itself (boot code runs with interrupts on).
class InterruptSafeLockGuard {
 public:
  __attribute__((always_inline)) explicit InterruptSafeLockGuard(SpinLock& lock)
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
  SpinLock& lock_;
  bool interrupts_were_on_;
};

}  // namespace kernel
