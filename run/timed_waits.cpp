#include "timed_waits.h"

#include <climits>
#include <cstring>

namespace vdso::run {
namespace {

// How one call's timeout is measured: not at all, a duration, or a
// deadline on `clock`.
struct Measure {
  enum Kind { kUntimed, kDuration, kDeadline } kind = kUntimed;
  int clock = abi::kClockMonotonic;
};

Measure futex_measure(uint32_t op) {
  const uint32_t command = futex_command(op);
  const int clock = (op & kFutexClockRealtime) != 0 ? abi::kClockRealtime : abi::kClockMonotonic;
  switch (command) {
    case kFutexWait:
      // With FUTEX_CLOCK_REALTIME the kernel refuses it (ENOSYS).
      return clock == abi::kClockMonotonic ? Measure{Measure::kDuration} : Measure{};
    case kFutexLockPi: return {Measure::kDeadline, abi::kClockRealtime};
    case kFutexWaitBitset:
    case kFutexWaitRequeuePi:
    case kFutexLockPi2: return {Measure::kDeadline, clock};
    default: return {};
  }
}

Measure measure_of(const TimedWait& wait, const user_regs_struct& regs) {
  switch (wait.clock) {
    case TimeoutClock::kRelative: return {Measure::kDuration};
    case TimeoutClock::kRealtimeDeadline: return {Measure::kDeadline, abi::kClockRealtime};
    case TimeoutClock::kFutexOperation: return futex_measure(static_cast<uint32_t>(regs.rsi));
    case TimeoutClock::kClockArgument: {
      const int clock = static_cast<int>(static_cast<uint32_t>(regs.r8));
      if (clock != abi::kClockRealtime && clock != abi::kClockMonotonic)
        return {};  // the kernel's EINVAL
      return {Measure::kDeadline, clock};
    }
  }
  return {};
}

bool moved(const Measure& measure, const MovedWaits& waits) {
  switch (measure.kind) {
    case Measure::kUntimed: return false;
    case Measure::kDuration: return waits.relative_timeouts;
    case Measure::kDeadline:
      return measure.clock == abi::kClockRealtime ? waits.realtime_deadlines
                                                  : waits.monotonic_deadlines;
  }
  return false;
}

// A millisecond timeout in host milliseconds: rounded up, never past
// INT_MAX (a negative one would wait forever).
uint64_t host_milliseconds(const abi::VirtualTime& vt, int32_t tree_ms) {
  const abi::Timespec host =
      host_duration(vt, {tree_ms / 1000, int64_t{tree_ms % 1000} * 1'000'000});
  const __int128 ms = static_cast<__int128>(host.sec) * 1000 + (host.nsec + 999'999) / 1'000'000;
  return static_cast<uint64_t>(ms > INT_MAX ? INT_MAX : static_cast<int64_t>(ms));
}

}  // namespace

MovedWaits moved_waits(const abi::VirtualTime& vt) {
  return {.realtime_deadlines = true,
          .monotonic_deadlines = monotonic_moves(vt),
          .relative_timeouts = rate_scales(vt)};
}

const TimedWait* timed_wait(long nr) {
  for (const TimedWait& wait : kTimedWaits) {
    if (wait.nr == nr)
      return &wait;
  }
  return nullptr;
}

bool timed_wait_rewrite(pid_t tid, const user_regs_struct& registers, const abi::VirtualTime& vt,
                        TimeRewrite* rewrite) {
  const TimedWait* wait = timed_wait(static_cast<long>(registers.orig_rax));
  if (wait == nullptr)
    return false;
  const Measure measure = measure_of(*wait, registers);
  if (!moved(measure, moved_waits(vt)))
    return false;
  user_regs_struct regs = registers;  // argument() hands out references
  const uint64_t timeout = argument(regs, wait->timeout_argument);
  rewrite->argument = wait->timeout_argument;
  if (wait->form == TimeoutForm::kMilliseconds) {
    const auto tree_ms = static_cast<int32_t>(static_cast<uint32_t>(timeout));
    if (tree_ms <= 0)
      return false;
    rewrite->in_register = true;
    rewrite->value = host_milliseconds(vt, tree_ms);
    return true;
  }
  if (timeout == 0)
    return false;
  abi::Timespec tree;
  if (wait->form == TimeoutForm::kTimeval) {
    abi::Timeval tv;
    if (!read_from_process(tid, timeout, &tv, sizeof(tv)) || tv.usec < 0 || tv.usec >= 1'000'000)
      return false;  // the kernel's own EFAULT or EINVAL
    tree = {tv.sec, tv.usec * 1000};
  } else if (!read_from_process(tid, timeout, &tree, sizeof(tree))) {
    return false;
  }
  if (!abi::timespec_valid(tree) || (measure.kind == Measure::kDuration && is_zero(tree)))
    return false;  // the kernel's own EINVAL, or a poll that does not wait
  const abi::Timespec host = measure.kind == Measure::kDuration
                                 ? host_duration(vt, tree)
                                 : host_deadline(vt, measure.clock, tree);
  if (wait->form == TimeoutForm::kTimeval) {
    const abi::Timeval tv = timeval_rounded_up(host);
    std::memcpy(rewrite->bytes, &tv, sizeof(tv));
    rewrite->size = sizeof(tv);
  } else {
    std::memcpy(rewrite->bytes, &host, sizeof(host));
    rewrite->size = sizeof(host);
  }
  rewrite->reported = wait->reported;
  return true;
}

}  // namespace vdso::run
