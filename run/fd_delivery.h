// How a process of the tree gets the data memfd at exec: the injected stub
// makes one system call (VDSO_RUN_FD_SYSCALL) that a seccomp filter turns
// into a user notification; the supervisor answers it by installing the
// memfd into the caller (SECCOMP_IOCTL_NOTIF_ADDFD with ADDFD_FLAG_SEND).
//
// Unlike opening /proc/<supervisor>/fd/N, this works after the program drops
// its uid, in a chroot without /proc and in a new pid namespace. The filter
// is installed on the supervisor's main thread before the first fork, so
// every process of the tree inherits it; for every other system call it
// returns ALLOW (the kernel caches that, so it costs nothing).
#pragma once

#include <stdint.h>

#include <atomic>
#include <string>

namespace vdso::run {

class FdDelivery {
 public:
  // `memfd` is the fd handed out; `cookie` the first argument a caller must
  // pass (a random value, so no program asks by accident).
  FdDelivery(int memfd, uint64_t cookie) : memfd_(memfd), cookie_(cookie) {}
  FdDelivery(const FdDelivery&) = delete;
  FdDelivery& operator=(const FdDelivery&) = delete;

  // Installs the filter on the calling thread (call it on the thread that
  // forks the tree) and starts the thread that answers the notifications.
  // Without CAP_SYS_ADMIN this sets no_new_privs first, as the kernel
  // requires. `note` says so when it happened.
  bool start(std::string* error, std::string* note);

  uint64_t cookie() const { return cookie_; }
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }

 private:
  static void* thread_main(void* self);
  void serve();

  const int memfd_;
  const uint64_t cookie_;
  int listener_ = -1;
  std::atomic<uint64_t> delivered_{0};
};

}  // namespace vdso::run
