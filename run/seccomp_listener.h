// The supervisor's one seccomp user-notification listener (a filter chain
// allows only one). Installed on the supervisor's main thread before the
// first fork, so every process of the tree inherits the filter
// (seccomp_filter.h), which turns two kinds of system call into
// notifications; for every other call it returns ALLOW (the kernel caches
// that, so it costs nothing).
//
// 1. The data memfd at exec: the injected stub makes one system call
//    (VDSO_RUN_FD_SYSCALL) that the listener answers by installing the memfd
//    into the caller (SECCOMP_IOCTL_NOTIF_ADDFD with ADDFD_FLAG_SEND).
//    Unlike opening /proc/<supervisor>/fd/N, this works after the program
//    drops its uid, in a chroot without /proc and in a new pid namespace.
// 2. The clock system calls the page serves (clock_calls.h): answered from
//    the Timekeeper the VDSO reads, so both paths agree. Under virtual time,
//    every clock read virtual time moves.
// 3. The calls that set the time (time_setting.h): the tree's REALTIME is
//    the tree's.
// 4. kill() of a process group or of everyone (group_signals.h): never the
//    supervisor.
// 5. pidfd_send_signal (pidfd_signals.h): never the supervisor.
//
// One thread answers both, and never waits on a process of the tree: each
// answer is a few non-blocking calls, and a process that went away meanwhile
// is skipped. The thread inherits the filter, so it must never make an
// answered clock call itself (it reads the page instead).
#pragma once

#include <stdint.h>

#include <atomic>

#include "result.h"
#include "time_setting.h"
#include "timekeeper.h"

namespace vdso::run {

struct ClockCallStats {
  uint64_t answered = 0;      // replied to (including -EFAULT)
  uint64_t faults = 0;        // of which -EFAULT
  uint64_t left_to_host = 0;  // not ours to write into: the host answered
  uint64_t gone = 0;          // caller interrupted or dead before the reply
};

class SeccompListener {
 public:
  // `memfd` is the fd handed out; `cookie` the first argument a caller must
  // pass (a random value, so no program asks by accident); `timekeeper`
  // answers the clock calls.
  // `time_setting` answers the calls that set the time; `virtual_time`:
  // whether the tree runs on virtual time from the start (the filter's
  // shape, seccomp_filter.h).
  SeccompListener(int memfd, uint64_t cookie, const Timekeeper& timekeeper,
                  TimeSetting& time_setting, bool virtual_time)
      : memfd_(memfd),
        cookie_(cookie),
        timekeeper_(timekeeper),
        time_setting_(time_setting),
        virtual_time_(virtual_time) {}
  SeccompListener(const SeccompListener&) = delete;
  SeccompListener& operator=(const SeccompListener&) = delete;

  // Installs the filter on the calling thread (call it on the thread that
  // forks the tree) and starts the thread that answers the notifications.
  // Without CAP_SYS_ADMIN this sets no_new_privs first, as the kernel
  // requires (set_no_new_privs() then says so). `file_times`: under
  // virtual time, file times are the tree's too (file_times.h).
  Result<void> start(bool file_times);

  bool set_no_new_privs() const { return set_no_new_privs_; }
  uint64_t cookie() const { return cookie_; }
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  ClockCallStats clock_calls() const;

 private:
  static void* thread_main(void* self);
  void serve();
  void deliver_fd(uint64_t id);
  void answer_clock_call(uint64_t id, uint32_t pid, uint64_t nr, const uint64_t args[6]);
  void answer_time_setting(uint64_t id, uint32_t pid, uint64_t nr, const uint64_t args[6]);
  void answer_pidfd_signal(uint64_t id, uint32_t pid, uint64_t pidfd);
  // The call returns `return_value` (-errno: it fails), or the host runs
  // it as it is. False if the caller no longer waits (interrupted or gone).
  bool reply(uint64_t id, int64_t return_value);
  bool let_host_answer(uint64_t id);

  const int memfd_;
  const uint64_t cookie_;
  const Timekeeper& timekeeper_;
  TimeSetting& time_setting_;
  const bool virtual_time_;
  int listener_ = -1;
  bool set_no_new_privs_ = false;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> answered_{0};
  std::atomic<uint64_t> faults_{0};
  std::atomic<uint64_t> left_to_host_{0};
  std::atomic<uint64_t> gone_{0};
};

}  // namespace vdso::run
