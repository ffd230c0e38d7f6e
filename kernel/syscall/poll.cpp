// poll, ppoll, select, pselect6: readiness of several descriptors at once
// (fs::poll_events, the same answer epoll gives), waiting for a change, a
// signal, or a timeout on the page's MONOTONIC. Programs also use them as
// plain sleeps (select with no descriptors, poll with none), which is why
// they belong beside the timers. ppoll's and pselect6's signal mask
// replaces the thread's for the wait, as sigsuspend's does.
#include "fs/file.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "syscall/descriptors.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "timekeeper.h"
#include "vdso/abi/linux.h"
#include "vdso/abi/time.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr int16_t kPollIn = 0x001, kPollPri = 0x002, kPollOut = 0x004, kPollErr = 0x008,
                  kPollHup = 0x010, kPollNval = 0x020;
// select's sets are read one 64-bit word each: every descriptor the
// process can have (proc::kMaxFds) fits in it.
constexpr int kSelectBits = 64;
static_assert(proc::kMaxFds <= kSelectBits);

struct PollFd {
  int32_t fd;
  int16_t events;
  int16_t revents;
};

// When a wait ends: never (a null timeout), or at `deadline_ns` on MONOTONIC.
struct Timeout {
  bool forever;
  int64_t deadline_ns;
};

Timeout timeout_after(int64_t relative_ns) {
  return Timeout{false, tick::monotonic_ns() + relative_ns};
}

int64_t left_ns(const Timeout& timeout) {
  const int64_t left = timeout.deadline_ns - tick::monotonic_ns();
  return left > 0 ? left : 0;
}

// Asks `check` (a count of ready descriptors, or -errno) until it answers
// non-zero, the timeout passes (0) or a signal comes (-EINTR; as Linux
// with a handler, never restarted). Blocks in kWaiting: a pipe's or
// timerfd's change wakes every waiter, which looks again.
template <typename Check>
int64_t wait_until_ready(const Timeout& timeout, Check check) {
  proc::Thread& self = proc::current_thread();
  for (;;) {
    if (const int64_t ready = check(); ready != 0)
      return ready;
    if (!timeout.forever && tick::monotonic_ns() >= timeout.deadline_ns)
      return 0;
    if (proc::has_deliverable_signal(self))
      return -abi::kEINTR;
    self.wake_at_ns = timeout.forever ? 0 : timeout.deadline_ns;
    self.state = proc::State::kWaiting;
    sched::schedule();
  }
}

// Reads a timespec timeout (null: forever): 0 or -EFAULT/-EINVAL.
int64_t read_timespec_timeout(uint64_t user_ts, Timeout& out) {
  if (user_ts == 0) {
    out = Timeout{true, 0};
    return 0;
  }
  abi::Timespec ts;
  if (proc::read_user(user_ts, ts) != 0)
    return -abi::kEFAULT;
  if (!abi::timespec_valid(ts))
    return -abi::kEINVAL;
  out = timeout_after(vdso::ns_from_timespec(ts));
  return 0;
}

// ppoll and pselect6 hand the time left back (glibc hides it, the ABI
// has it); a failed copy is ignored, as Linux ignores it.
void write_timespec_left(uint64_t user_ts, const Timeout& timeout) {
  if (user_ts != 0 && !timeout.forever)
    (void)proc::write_user(user_ts, vdso::timespec_from_ns(left_ns(timeout)));
}

int64_t do_poll(uint64_t user_fds, uint64_t count, const Timeout& timeout) {
  // Linux: more entries than RLIMIT_NOFILE is EINVAL.
  if (count > static_cast<uint64_t>(proc::kMaxFds))
    return -abi::kEINVAL;
  PollFd fds[proc::kMaxFds];
  const uint64_t bytes = count * sizeof(PollFd);
  if (count != 0 && proc::copy_from_user(fds, user_fds, bytes) != 0)
    return -abi::kEFAULT;
  const int64_t result = wait_until_ready(timeout, [&]() -> int64_t {
    int64_t ready = 0;
    for (uint64_t i = 0; i < count; ++i) {
      PollFd& entry = fds[i];
      entry.revents = 0;
      if (entry.fd < 0)
        continue;
      const fs::File* file = file_of(static_cast<uint64_t>(entry.fd));
      // POLLERR and POLLHUP are reported whether asked for or not.
      const int16_t wanted = static_cast<int16_t>(entry.events | kPollErr | kPollHup);
      entry.revents =
          file == nullptr ? kPollNval : static_cast<int16_t>(fs::poll_events(*file) & wanted);
      if (entry.revents != 0)
        ++ready;
    }
    return ready;
  });
  if (result < 0)
    return result;
  if (count != 0 && proc::copy_to_user(user_fds, fds, bytes) != 0)
    return -abi::kEFAULT;
  return result;
}

// select's three sets, one word each (kSelectBits).
struct FdSets {
  uint64_t read, write, except;
};

int64_t read_fd_set(uint64_t user_set, uint64_t valid_bits, uint64_t& out) {
  out = 0;
  if (user_set != 0 && proc::read_user(user_set, out) != 0)
    return -abi::kEFAULT;
  out &= valid_bits;
  return 0;
}

int64_t do_select(int64_t nfds, uint64_t user_read, uint64_t user_write, uint64_t user_except,
                  const Timeout& timeout) {
  if (nfds < 0)
    return -abi::kEINVAL;
  // Linux looks at no descriptor past its table; ours has kMaxFds.
  const int64_t examined = nfds < kSelectBits ? nfds : kSelectBits;
  const uint64_t valid_bits = examined == 64 ? ~uint64_t{0} : (uint64_t{1} << examined) - 1;
  FdSets asked{};
  if (read_fd_set(user_read, valid_bits, asked.read) != 0 ||
      read_fd_set(user_write, valid_bits, asked.write) != 0 ||
      read_fd_set(user_except, valid_bits, asked.except) != 0)
    return -abi::kEFAULT;
  const uint64_t any = asked.read | asked.write | asked.except;
  for (int fd = 0; fd < examined; ++fd) {
    if ((any >> fd) & 1 && file_of(static_cast<uint64_t>(fd)) == nullptr)
      return -abi::kEBADF;
  }
  FdSets ready{};
  const int64_t result = wait_until_ready(timeout, [&]() -> int64_t {
    ready = FdSets{};
    int64_t bits = 0;
    for (int fd = 0; fd < examined; ++fd) {
      const uint64_t bit = uint64_t{1} << fd;
      if ((any & bit) == 0)
        continue;
      const uint32_t events = fs::poll_events(*file_of(static_cast<uint64_t>(fd)));
      // Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET.
      if ((asked.read & bit) && (events & (kPollIn | kPollHup | kPollErr)))
        ready.read |= bit, ++bits;
      if ((asked.write & bit) && (events & (kPollOut | kPollErr)))
        ready.write |= bit, ++bits;
      if ((asked.except & bit) && (events & kPollPri))
        ready.except |= bit, ++bits;
    }
    return bits;
  });
  if (result < 0)
    return result;
  if ((user_read != 0 && proc::write_user(user_read, ready.read) != 0) ||
      (user_write != 0 && proc::write_user(user_write, ready.write) != 0) ||
      (user_except != 0 && proc::write_user(user_except, ready.except) != 0))
    return -abi::kEFAULT;
  return result;
}

}  // namespace

int64_t sys_poll(Frame& f) {
  const int32_t timeout_ms = static_cast<int32_t>(arg2(f));
  const Timeout timeout =
      timeout_ms < 0 ? Timeout{true, 0} : timeout_after(int64_t{timeout_ms} * 1'000'000);
  return do_poll(arg0(f), arg1(f), timeout);
}

int64_t sys_ppoll(Frame& f) {
  Timeout timeout;
  if (const int64_t r = read_timespec_timeout(arg2(f), timeout); r != 0)
    return r;
  const int64_t result = proc::wait_with_signal_mask(
      arg3(f), arg4(f), [&] { return do_poll(arg0(f), arg1(f), timeout); });
  write_timespec_left(arg2(f), timeout);
  return result;
}

int64_t sys_select(Frame& f) {
  const uint64_t user_tv = arg4(f);
  Timeout timeout{true, 0};
  if (user_tv != 0) {
    abi::Timeval tv;
    if (proc::read_user(user_tv, tv) != 0)
      return -abi::kEFAULT;
    if (tv.sec < 0 || tv.usec < 0)
      return -abi::kEINVAL;
    // Linux takes microseconds past a second as they come (no EINVAL).
    timeout = timeout_after(tv.sec * abi::kNanosecondsPerSecond + tv.usec * 1000);
  }
  const int64_t result =
      do_select(static_cast<int32_t>(arg0(f)), arg1(f), arg2(f), arg3(f), timeout);
  if (user_tv != 0) {
    // select hands the time left back (Linux without STICKY_TIMEOUTS).
    const int64_t left_us = left_ns(timeout) / 1000;
    (void)proc::write_user(user_tv, abi::Timeval{left_us / 1'000'000, left_us % 1'000'000});
  }
  return result;
}

int64_t sys_pselect6(Frame& f) {
  Timeout timeout;
  if (const int64_t r = read_timespec_timeout(arg4(f), timeout); r != 0)
    return r;
  // The sixth argument points at { const sigset_t* mask; size_t bytes; }.
  struct MaskArgument {
    uint64_t mask;
    uint64_t bytes;
  } mask_argument{0, 0};
  if (arg5(f) != 0 && proc::read_user(arg5(f), mask_argument) != 0)
    return -abi::kEFAULT;
  const int64_t result = proc::wait_with_signal_mask(mask_argument.mask, mask_argument.bytes, [&] {
    return do_select(static_cast<int32_t>(arg0(f)), arg1(f), arg2(f), arg3(f), timeout);
  });
  write_timespec_left(arg4(f), timeout);
  return result;
}

}  // namespace kernel::syscall
