#include "seccomp_listener.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <tuple>
#include <vector>

#include "clock_calls.h"
#include "deadlines.h"
#include "stub_abi.h"
#include "thread_signals.h"
#include "timed_waits.h"

namespace vdso::run {
namespace {

// A classic BPF program with forward jumps to named places, resolved once
// every instruction is in (the offsets are relative and 8 bits wide).
class FilterBuilder {
 public:
  enum Label {
    kNotify,
    kAllow,
    kCheckGettimeId,
    kCheckGetresId,
    kCheckOwnClockRead,
    kCheckOwnRead,
    kCheckCookie,
    kTrace,
    kLabels
  };

  // One more place to jump to, beyond the named ones.
  int new_label() {
    where_.push_back(0);
    return static_cast<int>(where_.size() - 1);
  }
  void load(uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void and_with(uint32_t mask) { code_.push_back(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask)); }
  // If the accumulator equals `value` go to `match`, else to `other`
  // (kNext: the next instruction).
  void jump_if_equal(uint32_t value, int match, int other) { jump(BPF_JEQ, value, match, other); }
  // If the accumulator has any bit of `mask` set.
  void jump_if_any(uint32_t mask, int match, int other) { jump(BPF_JSET, mask, match, other); }
  void ret(uint32_t action) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  void place(int label) { where_[static_cast<size_t>(label)] = code_.size(); }

  static constexpr int kNext = -1;

  // Empty if a jump does not fit in its 8 bits.
  std::vector<sock_filter> finish() {
    for (const Jump& jump : jumps_) {
      const size_t match = offset(jump.at, jump.match), other = offset(jump.at, jump.other);
      if (match > 255 || other > 255)
        return {};
      code_[jump.at].jt = static_cast<uint8_t>(match);
      code_[jump.at].jf = static_cast<uint8_t>(other);
    }
    return code_;
  }

 private:
  struct Jump {
    size_t at;
    int match, other;
  };
  void jump(uint16_t test, uint32_t value, int match, int other) {
    jumps_.push_back({code_.size(), match, other});
    code_.push_back(BPF_JUMP(BPF_JMP | test | BPF_K, value, 0, 0));
  }
  size_t offset(size_t from, int label) const {
    return label == kNext ? 0 : where_[static_cast<size_t>(label)] - (from + 1);
  }
  std::vector<sock_filter> code_;
  std::vector<Jump> jumps_;
  std::vector<size_t> where_ = std::vector<size_t>(kLabels);
};

// The timed waits whose timeout the tree's time moves (timed_waits.h) go
// to the tracer, and only when they are timed: the operation and the
// timeout argument are matched here, so an untimed futex, a null pointer
// or a zero or negative millisecond count never stops. The accumulator
// holds the call's number on entry.
class TimedWaitRules {
 public:
  using B = FilterBuilder;
  TimedWaitRules(B& filter, const MovedWaits& moved) : filter_(filter), moved_(moved) {
    std::fill(std::begin(own_block_), std::end(own_block_), -1);
    std::fill(std::begin(pointer_block_), std::end(pointer_block_), -1);
  }

  // Where each moved wait's number jumps.
  void dispatch() {
    for (const TimedWait& wait : kTimedWaits) {
      if (can_move(wait))
        filter_.jump_if_equal(static_cast<uint32_t>(wait.nr), block_for(wait), B::kNext);
    }
  }

  // The blocks dispatch() jumps to; each ends at kAllow or kTrace.
  void blocks() {
    for (const TimedWait& wait : kTimedWaits) {
      if (!can_move(wait) || !has_own_block(wait))
        continue;
      filter_.place(block_for(wait));
      if (wait.clock == TimeoutClock::kFutexOperation) {
        futex_operation(wait.timeout_argument);
      } else if (wait.clock == TimeoutClock::kClockArgument) {
        filter_.load(low_half(4));
        filter_.jump_if_equal(abi::kClockRealtime, pointer(wait.timeout_argument), B::kNext);
        filter_.jump_if_equal(
            abi::kClockMonotonic,
            moved_.monotonic_deadlines ? pointer(wait.timeout_argument) : B::kAllow, B::kAllow);
      } else {
        // Milliseconds, an int: > 0 waits that long; 0 polls, < 0 forever.
        filter_.load(low_half(wait.timeout_argument));
        filter_.jump_if_equal(0, B::kAllow, B::kNext);
        filter_.jump_if_any(0x8000'0000, B::kAllow, B::kTrace);
      }
    }
    for (int index = 0; index < 6; ++index) {
      if (pointer_block_[index] < 0)
        continue;
      filter_.place(pointer_block_[index]);  // traced unless null
      filter_.load(low_half(index));
      filter_.jump_if_equal(0, B::kNext, B::kTrace);
      filter_.load(low_half(index) + 4);
      filter_.jump_if_equal(0, B::kAllow, B::kTrace);
    }
  }

 private:
  static uint32_t low_half(int index) {  // little-endian
    return static_cast<uint32_t>(offsetof(seccomp_data, args[0]) + 8 * index);
  }

  bool can_move(const TimedWait& wait) const {
    switch (wait.clock) {
      case TimeoutClock::kRelative: return moved_.relative_timeouts;
      case TimeoutClock::kRealtimeDeadline: return moved_.realtime_deadlines;
      case TimeoutClock::kFutexOperation:
      case TimeoutClock::kClockArgument:
        return moved_.realtime_deadlines || moved_.monotonic_deadlines;
    }
    return false;
  }

  // Whether the timeout pointer alone decides (a block shared by argument).
  static bool has_own_block(const TimedWait& wait) {
    return wait.clock == TimeoutClock::kFutexOperation ||
           wait.clock == TimeoutClock::kClockArgument || wait.form == TimeoutForm::kMilliseconds;
  }

  int block_for(const TimedWait& wait) {
    if (!has_own_block(wait))
      return pointer(wait.timeout_argument);
    int& label = own_block_[&wait - kTimedWaits];
    if (label < 0)
      label = filter_.new_label();
    return label;
  }

  int pointer(int index) {
    if (pointer_block_[index] < 0)
      pointer_block_[index] = filter_.new_label();
    return pointer_block_[index];
  }

  // futex: the command, without the private flag, says whether the
  // timeout is a duration or a deadline, and FUTEX_CLOCK_REALTIME its clock
  // (which the kernel refuses for the others: ENOSYS).
  void futex_operation(int timeout_argument) {
    const int timed = pointer(timeout_argument);
    const int realtime = filter_.new_label();
    const auto if_moved = [&](bool moved) { return moved ? timed : B::kAllow; };
    filter_.load(low_half(1));
    filter_.jump_if_any(kFutexClockRealtime, realtime, B::kNext);
    filter_.and_with(~(kFutexPrivateFlag | kFutexClockRealtime));
    filter_.jump_if_equal(kFutexLockPi, if_moved(moved_.realtime_deadlines), B::kNext);
    for (uint32_t command : {kFutexWaitBitset, kFutexWaitRequeuePi, kFutexLockPi2})
      filter_.jump_if_equal(command, if_moved(moved_.monotonic_deadlines), B::kNext);
    filter_.jump_if_equal(kFutexWait, if_moved(moved_.relative_timeouts), B::kAllow);
    filter_.place(realtime);
    filter_.and_with(~(kFutexPrivateFlag | kFutexClockRealtime));
    for (uint32_t command : {kFutexWaitBitset, kFutexWaitRequeuePi})
      filter_.jump_if_equal(command, if_moved(moved_.realtime_deadlines), B::kNext);
    filter_.jump_if_equal(kFutexLockPi2, if_moved(moved_.realtime_deadlines), B::kAllow);
  }

  B& filter_;
  const MovedWaits moved_;
  int own_block_[std::size(kTimedWaits)];
  int pointer_block_[6];
};

// x86_64 only: a 32-bit (int 0x80, its own numbers) or x32 call (number
// with __X32_SYSCALL_BIT, so it matches none below) goes to the host.
// Without virtual time the filter is what it always was; with it,
// clock_gettime matches every id virtual time moves, gettimeofday is
// answered too, and both let the supervisor's own host reads through (the
// cookie in their third argument); the sleeps and timers go to the tracer.
// Only a traced tree reaches these calls: the supervisor's own threads make
// none of them (the ticker, which sleeps, started before the filter).
std::vector<sock_filter> build_filter(uint32_t cookie_low, bool virtual_time,
                                      const MovedWaits& moved) {
  using B = FilterBuilder;
  constexpr uint32_t kArgLow = offsetof(seccomp_data, args[0]);  // little-endian: low half
  constexpr uint32_t kArg2Low = offsetof(seccomp_data, args[2]);
  const auto gettime = static_cast<uint64_t>(abi::kSysClockGettime);
  const auto getres = static_cast<uint64_t>(abi::kSysClockGetres);
  const AnsweredClockIds gettime_ids = answered_clock_ids(gettime, virtual_time);
  const AnsweredClockIds getres_ids = answered_clock_ids(getres, virtual_time);
  B filter;
  TimedWaitRules timed_waits(filter, moved);
  filter.load(offsetof(seccomp_data, arch));
  filter.jump_if_equal(AUDIT_ARCH_X86_64, B::kNext, B::kAllow);
  filter.load(offsetof(seccomp_data, nr));
  timed_waits.dispatch();  // first: futex is the busiest call
  filter.jump_if_equal(VDSO_RUN_FD_SYSCALL, B::kCheckCookie, B::kNext);
  filter.jump_if_equal(static_cast<uint32_t>(kSysTime), B::kNotify, B::kNext);
  if (virtual_time) {
    // The sleeps and timers whose time the tracer translates (deadlines.h).
    for (long nr : {kSysNanosleep, kSysClockNanosleep, kSysTimerSettime, kSysTimerfdSettime})
      filter.jump_if_equal(static_cast<uint32_t>(nr), B::kTrace, B::kNext);
    filter.jump_if_equal(static_cast<uint32_t>(abi::kSysGettimeofday), B::kCheckOwnRead, B::kNext);
    filter.jump_if_equal(static_cast<uint32_t>(gettime), B::kCheckOwnClockRead, B::kNext);
  } else {
    filter.jump_if_equal(static_cast<uint32_t>(gettime),
                         gettime_ids.count > 0 ? B::kCheckGettimeId : B::kAllow, B::kNext);
  }
  filter.jump_if_equal(static_cast<uint32_t>(getres),
                       getres_ids.count > 0 ? B::kCheckGetresId : B::kAllow, B::kAllow);
  // The kernel reads a clockid_t, the low 32 bits of the argument.
  const auto match_ids = [&](const AnsweredClockIds& ids) {
    filter.load(kArgLow);
    for (size_t i = 0; i < ids.count; ++i) {
      const bool last = i + 1 == ids.count;
      filter.jump_if_equal(static_cast<uint32_t>(ids.ids[i]), B::kNotify,
                           last ? B::kAllow : B::kNext);
    }
  };
  if (virtual_time) {
    filter.place(B::kCheckOwnClockRead);
    filter.load(kArg2Low);
    filter.jump_if_equal(cookie_low, B::kAllow, B::kCheckGettimeId);
    filter.place(B::kCheckOwnRead);
    filter.load(kArg2Low);
    filter.jump_if_equal(cookie_low, B::kAllow, B::kNotify);
  }
  filter.place(B::kCheckGettimeId);
  match_ids(gettime_ids);
  filter.place(B::kCheckGetresId);
  match_ids(getres_ids);
  filter.place(B::kCheckCookie);
  filter.load(kArgLow);
  filter.jump_if_equal(cookie_low, B::kNotify, B::kAllow);
  timed_waits.blocks();
  filter.place(B::kTrace);
  filter.ret(SECCOMP_RET_TRACE);
  filter.place(B::kNotify);
  filter.ret(SECCOMP_RET_USER_NOTIF);
  filter.place(B::kAllow);
  filter.ret(SECCOMP_RET_ALLOW);
  return filter.finish();
}

int install_filter(uint32_t cookie_low, bool virtual_time, const MovedWaits& moved) {
  std::vector<sock_filter> filter = build_filter(cookie_low, virtual_time, moved);
  if (filter.empty()) {
    errno = E2BIG;  // a jump past 255 instructions: the filter outgrew its builder
    return -1;
  }
  sock_fprog program{.len = static_cast<unsigned short>(filter.size()), .filter = filter.data()};
  return static_cast<int>(
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
}

}  // namespace

// SECCOMP_IOCTL_NOTIF_SET_FLAGS and SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, from
// Linux 6.6 (Debian 12's headers predate them).
constexpr unsigned long kSeccompIoctlNotifSetFlags = SECCOMP_IOW(4, __u64);
constexpr uint64_t kSeccompUserNotifFdSyncWakeUp = 1;

bool SeccompListener::start(std::string* error, std::string* note) {
  const auto cookie_low = static_cast<uint32_t>(cookie_);
  virtual_time_ = abi::virtual_time_on(timekeeper_.page());
  const MovedWaits moved =
      virtual_time_ ? moved_waits(timekeeper_.page().virtual_time) : MovedWaits{};
  listener_ = install_filter(cookie_low, virtual_time_, moved);
  if (listener_ < 0 && errno == EACCES) {
    // An unprivileged filter requires no_new_privs. Under ptrace a setuid
    // program gains nothing anyway, so the tree loses nothing it had.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
      *note = "no_new_privs set (needed for an unprivileged seccomp filter)";
      listener_ = install_filter(cookie_low, virtual_time_, moved);
    }
  }
  if (listener_ < 0) {
    *error = std::string(
                 "cannot install the seccomp filter that delivers the data page and answers the "
                 "clock calls: ") +
             strerror(errno);
    return false;
  }
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
  if (rc != 0) {
    *error = std::string("cannot start the seccomp listener thread: ") + strerror(rc);
    return false;
  }
  pthread_detach(thread);
  return true;
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
    } else {
      reply(request.id, ENOSYS, 0, false);  // a wrong cookie: the call does not exist
    }
  }
}

void SeccompListener::deliver_fd(uint64_t id) {
  seccomp_notif_addfd addfd{};
  addfd.id = id;
  addfd.flags = SECCOMP_ADDFD_FLAG_SEND;  // install and return it, atomically
  addfd.srcfd = static_cast<uint32_t>(memfd_);
  addfd.newfd_flags = O_CLOEXEC;
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) >= 0) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // ENOENT: the caller was interrupted and will ask again.
  if (errno != ENOENT)
    reply(id, errno, 0, false);  // e.g. EMFILE: the stub reports it
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
  int error = answer.error;
  for (const auto& [address, size, bytes] :
       {std::tuple{answer.address, answer.size, answer.bytes},
        std::tuple{answer.second_address, answer.second_size, answer.second_bytes}}) {
    if (size == 0 || error != 0)
      continue;
    const int written = write_to_process(static_cast<pid_t>(pid), address, bytes, size);
    if (written == -ESRCH) {
      gone_.fetch_add(1, std::memory_order_relaxed);  // killed after the check
      return;
    }
    if (written == -EFAULT) {
      error = EFAULT;
    } else if (written != 0) {
      // Not ours to write into (a non-dumpable process and an unprivileged
      // supervisor): the host answers, as it did before the listener did.
      if (left_to_host_.fetch_add(1, std::memory_order_relaxed) == 0) {
        std::fprintf(stderr,
                     "vdso-run: warning: cannot write into pid %u (%s): its clock system "
                     "calls go to the host, whose clocks are not the tree's\n",
                     pid, strerror(-written));
      }
      reply(id, 0, 0, true);
      return;
    }
  }
  if (error != 0 && error != EFAULT) {
    // The host's own refusal (e.g. an alarm clock without an RTC): give it
    // as the host would, not counted as answered.
    reply(id, error, 0, false);
    return;
  }
  // Counted before the reply: once answered, the caller may exit, and the
  // tree with it, before this thread runs again.
  answered_.fetch_add(1, std::memory_order_relaxed);
  if (error != 0)
    faults_.fetch_add(1, std::memory_order_relaxed);
  if (!reply(id, error, answer.value, false)) {
    // Interrupted meanwhile: it asks again, so this one was not answered.
    answered_.fetch_sub(1, std::memory_order_relaxed);
    if (error != 0)
      faults_.fetch_sub(1, std::memory_order_relaxed);
    gone_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool SeccompListener::reply(uint64_t id, int error, int64_t value, bool host_answers) {
  seccomp_notif_resp response{};
  response.id = id;
  response.error = -error;
  response.val = value;
  response.flags = host_answers ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
  return ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
}

}  // namespace vdso::run
