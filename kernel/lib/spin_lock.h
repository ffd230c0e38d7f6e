// A spin lock for kernel state that more than one CPU may touch. One CPU
// runs today, and system calls and interrupts run with interrupts off, so
// it is never contended yet; it marks (and will enforce, when more CPUs
// come up) which code may touch what. Not recursive: taking a lock its
// holder already has is a deadlock, which the holder check turns into a
// panic naming the lock.
#pragma once

#include "lib/panic.h"

namespace kernel {

class SpinLock {
 public:
  explicit constexpr SpinLock(const char* name) : name_(name) {}
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() {
    if (__atomic_load_n(&held_, __ATOMIC_RELAXED))
      PANIC("spin lock %s taken while held (one CPU: a recursive take)", name_);
    while (__atomic_exchange_n(&held_, true, __ATOMIC_ACQUIRE)) {
      while (__atomic_load_n(&held_, __ATOMIC_RELAXED))
        __builtin_ia32_pause();
    }
  }
  void unlock() { __atomic_store_n(&held_, false, __ATOMIC_RELEASE); }
  bool held() const { return __atomic_load_n(&held_, __ATOMIC_RELAXED); }

 private:
  const char* name_;
  bool held_ = false;
};

// Holds a lock for a scope.
class LockGuard {
 public:
  explicit LockGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
  ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace kernel
