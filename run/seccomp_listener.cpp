#include "seccomp_listener.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <tuple>

#include "clock_calls.h"
#include "group_signals.h"
#include "pidfd_signals.h"
#include "seccomp_filter.h"
#include "stub_abi.h"
#include "thread_signals.h"
#include "timed_waits.h"

namespace vdso::run {

// SECCOMP_IOCTL_NOTIF_SET_FLAGS and SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, from
// Linux 6.6 (Debian 12's headers predate them).
constexpr unsigned long kSeccompIoctlNotifSetFlags = SECCOMP_IOW(4, __u64);
constexpr uint64_t kSeccompUserNotifFdSyncWakeUp = 1;

Result<void> SeccompListener::start(bool file_times) {
  const auto cookie_low = static_cast<uint32_t>(cookie_);
  // The tree may set its clock at any time (virtual time then starts), so
  // its absolute REALTIME deadlines stop from the start; the rest of the
  // waits only when virtual time is on from the start (timed_waits.h).
  const MovedWaits moved = virtual_time_ ? moved_waits(timekeeper_.page().virtual_time)
                                         : MovedWaits{.realtime_deadlines = true};
  Result<int> listener =
      install_seccomp_filter(cookie_low, virtual_time_, moved, virtual_time_ && file_times);
  if (!listener && listener.error().errno_value == EACCES) {
    // An unprivileged filter requires no_new_privs. Under ptrace a setuid
    // program gains nothing anyway, so the tree loses nothing it had.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
      set_no_new_privs_ = true;
      listener =
          install_seccomp_filter(cookie_low, virtual_time_, moved, virtual_time_ && file_times);
    }
  }
  if (!listener)
    return listener.error();
  listener_ = *listener;
  fcntl(listener_, F_SETFD, FD_CLOEXEC);
  // Wake the listener and, on the answer, the caller on the waker's own CPU:
  // an answered call is then a switch between two threads on one CPU. Without
  // it every call is two cross-CPU wake-ups, which cost 100-200 us on an idle
  // VM (its vCPUs halt) against ~6 us on a busy one: measured 5.4-5.9 s
  // against 0.55-0.59 s for 63 000 answered calls on an idle machine, and no
  // worse when both cores are busy. Older kernels refuse the flag (EINVAL):
  // the calls are then answered as before, only slower.
  (void)ioctl(listener_, kSeccompIoctlNotifSetFlags, kSeccompUserNotifFdSyncWakeUp);
  pthread_t thread;
  const int rc = pthread_create(&thread, nullptr, &SeccompListener::thread_main, this);
  if (rc != 0)
    return Error::from_errno("cannot start the seccomp listener thread", rc);
  pthread_detach(thread);
  return {};
}

ClockCallStats SeccompListener::clock_calls() const {
  ClockCallStats stats;
  stats.answered = answered_.load(std::memory_order_relaxed);
  stats.faults = faults_.load(std::memory_order_relaxed);
  stats.left_to_host = left_to_host_.load(std::memory_order_relaxed);
  stats.gone = gone_.load(std::memory_order_relaxed);
  return stats;
}

void* SeccompListener::thread_main(void* self) {
  block_all_signals_in_this_thread();
  static_cast<SeccompListener*>(self)->serve();
  return nullptr;
}

void SeccompListener::serve() {
  for (;;) {
    seccomp_notif request;
    std::memset(&request, 0, sizeof(request));  // the kernel requires it
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) {
      if (errno == EINTR || errno == ENOENT)
        continue;  // caller gone meanwhile
      return;
    }
    const uint64_t nr = static_cast<uint64_t>(request.data.nr);
    uint64_t args[6];  // __u64 is unsigned long long, not uint64_t
    for (int i = 0; i < 6; ++i)
      args[i] = request.data.args[i];
    if (nr == VDSO_RUN_FD_SYSCALL && request.data.args[0] == cookie_) {
      deliver_fd(request.id);
    } else if (answers_clock_call(nr, args[0], virtual_time_)) {
      answer_clock_call(request.id, request.pid, nr, args);
    } else if (sets_time(nr, args[0])) {
      answer_time_setting(request.id, request.pid, nr, args);
    } else if (is_group_signal(nr, args[0])) {
      const GroupSignalAnswer answer =
          answer_group_signal(static_cast<pid_t>(request.pid), args[0], args[1]);
      if (answer.host_answers)
        let_host_answer(request.id);
      else
        reply(request.id, answer.return_value);
      send_group_signal(answer);
    } else if (nr == kSysPidfdSendSignal) {
      answer_pidfd_signal(request.id, request.pid, args[0]);
    } else {
      reply(request.id, -ENOSYS);  // a wrong cookie: the call does not exist
    }
  }
}

void SeccompListener::deliver_fd(uint64_t id) {
  seccomp_notif_addfd addfd{};
  addfd.id = id;
  addfd.flags = SECCOMP_ADDFD_FLAG_SEND;  // install and return it, atomically
  addfd.srcfd = static_cast<uint32_t>(memfd_);
  addfd.newfd_flags = O_CLOEXEC;
  // Counted before the ioctl, which also answers the call: the stub may
  // run on, and the tree end (and --stats print), before this thread runs
  // again.
  delivered_.fetch_add(1, std::memory_order_relaxed);
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) >= 0)
    return;
  const int error = errno;
  delivered_.fetch_sub(1, std::memory_order_relaxed);
  // ENOENT: the caller was interrupted and will ask again.
  if (error != ENOENT)
    reply(id, -error);  // e.g. EMFILE: the stub reports it
}

void SeccompListener::answer_clock_call(uint64_t id, uint32_t pid, uint64_t nr,
                                        const uint64_t args[6]) {
  const ClockReply answer = reply_to(timekeeper_, nr, args, cookie_);
  // The caller may have been interrupted or killed since it asked, and its
  // thread id reused: write only into a caller that is still waiting.
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) {
    gone_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  int64_t return_value = answer.return_value;
  for (const auto& [address, size, bytes] :
       {std::tuple{answer.address, answer.size, answer.bytes},
        std::tuple{answer.second_address, answer.second_size, answer.second_bytes}}) {
    if (size == 0 || return_value < 0)
      continue;
    const Result<void> written = write_to_process(static_cast<pid_t>(pid), address, bytes, size);
    const int write_error = written ? 0 : written.error().errno_value;
    if (write_error == ESRCH) {
      gone_.fetch_add(1, std::memory_order_relaxed);  // killed after the check
      return;
    }
    if (write_error == EFAULT) {
      return_value = -EFAULT;
    } else if (write_error != 0) {
      // Not ours to write into (a non-dumpable process and an unprivileged
      // supervisor): the host answers, as it did before the listener did.
      if (left_to_host_.fetch_add(1, std::memory_order_relaxed) == 0) {
        std::fprintf(stderr,
                     "vdso-run: warning: cannot write into pid %u (%s): its clock system "
                     "calls go to the host, whose clocks are not the tree's\n",
                     pid, strerror(write_error));
      }
      let_host_answer(id);
      return;
    }
  }
  const bool fault = return_value == -EFAULT;
  if (return_value < 0 && !fault) {
    // The host's own refusal (e.g. an alarm clock without an RTC): give it
    // as the host would, not counted as answered.
    reply(id, return_value);
    return;
  }
  // Counted before the reply: once answered, the caller may exit, and the
  // tree with it, before this thread runs again.
  answered_.fetch_add(1, std::memory_order_relaxed);
  if (fault)
    faults_.fetch_add(1, std::memory_order_relaxed);
  if (!reply(id, return_value)) {
    // Interrupted meanwhile: it asks again, so this one was not answered.
    answered_.fetch_sub(1, std::memory_order_relaxed);
    if (fault)
      faults_.fetch_sub(1, std::memory_order_relaxed);
    gone_.fetch_add(1, std::memory_order_relaxed);
  }
}

void SeccompListener::answer_time_setting(uint64_t id, uint32_t pid, uint64_t nr,
                                          const uint64_t args[6]) {
  // Asked before the clock moves: a caller gone meanwhile (its thread id
  // perhaps reused) changes nothing.
  const auto still_waiting = [&] {
    return ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
  };
  reply(id, time_setting_.answer(static_cast<pid_t>(pid), nr, args, still_waiting));
}

void SeccompListener::answer_pidfd_signal(uint64_t id, uint32_t pid, uint64_t pidfd) {
  const auto still_waiting = [&] {
    return ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
  };
  // Racy by nature: see pidfd_signals.h. A caller whose descriptors are
  // not ours to read is refused, to be safe.
  const Result<long> named = process_named_by(static_cast<pid_t>(pid), pidfd, still_waiting);
  if (!named || names_supervisor(*named))
    reply(id, -EPERM);
  else
    let_host_answer(id);
}

bool SeccompListener::reply(uint64_t id, int64_t return_value) {
  seccomp_notif_resp response{};
  response.id = id;
  // The kernel returns `error` where it is not 0, else `val`.
  if (return_value < 0)
    response.error = static_cast<int32_t>(return_value);
  else
    response.val = return_value;
  return ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
}

bool SeccompListener::let_host_answer(uint64_t id) {
  seccomp_notif_resp response{};
  response.id = id;
  response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  return ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
}

}  // namespace vdso::run
