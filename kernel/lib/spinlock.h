// A spinlock for state several CPUs may share. Today the kernel runs on one
// CPU with interrupts off in every system call, so a lock is never found
// held; it marks, and will enforce, who may touch what once a second CPU
// runs kernel code. Never held across schedule() (nothing sleeps with it).
#pragma once

namespace kernel {

class Spinlock {
 public:
  void lock() {
    while (__atomic_test_and_set(&held_, __ATOMIC_ACQUIRE)) {
      while (__atomic_load_n(&held_, __ATOMIC_RELAXED))
        asm volatile("pause");
    }
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

}  // namespace kernel
