#include "timed_wait_filter.h"

#include <linux/seccomp.h>
#include <stddef.h>

#include <algorithm>

namespace vdso::run {
namespace {

uint32_t low_half(int argument) {  // little-endian: the low half first
  return static_cast<uint32_t>(offsetof(seccomp_data, args[0]) + 8 * argument);
}

// Whether the timeout pointer alone decides, in a block shared by all the
// waits with their timeout in that argument.
bool shares_pointer_block(const TimedWait& wait) {
  return wait.clock != TimeoutClock::kFutexOperation &&
         wait.clock != TimeoutClock::kClockArgument && wait.form != TimeoutForm::kMilliseconds;
}

}  // namespace

TimedWaitRules::TimedWaitRules(BpfAssembler& filter, const MovedWaits& moved, Label allow,
                               Label trace)
    : filter_(filter), moved_(moved), allow_(allow), trace_(trace) {
  std::fill(std::begin(own_block_), std::end(own_block_), -1);
  std::fill(std::begin(pointer_block_), std::end(pointer_block_), -1);
}

void TimedWaitRules::dispatch() {
  for (const TimedWait& wait : kTimedWaits) {
    if (can_move(wait))
      filter_.jump_if_equal(static_cast<uint32_t>(wait.nr), block_for(wait), BpfAssembler::kNext);
  }
}

void TimedWaitRules::blocks() {
  constexpr Label kNext = BpfAssembler::kNext;
  for (const TimedWait& wait : kTimedWaits) {
    if (!can_move(wait) || shares_pointer_block(wait))
      continue;
    filter_.place(block_for(wait));
    if (wait.clock == TimeoutClock::kFutexOperation) {
      futex_operation(wait.timeout_argument);
    } else if (wait.clock == TimeoutClock::kClockArgument) {
      const Label timed = pointer_block(wait.timeout_argument);
      filter_.load(low_half(4));
      filter_.jump_if_equal(abi::kClockRealtime, moved_.realtime_deadlines ? timed : allow_, kNext);
      filter_.jump_if_equal(abi::kClockMonotonic, moved_.monotonic_deadlines ? timed : allow_,
                            allow_);
    } else {
      // Milliseconds, an int: > 0 waits that long; 0 polls, < 0 waits forever.
      filter_.load(low_half(wait.timeout_argument));
      filter_.jump_if_equal(0, allow_, kNext);
      filter_.jump_if_any(0x8000'0000, allow_, trace_);
    }
  }
  for (int argument = 0; argument < 6; ++argument) {
    if (pointer_block_[argument] < 0)
      continue;
    filter_.place(pointer_block_[argument]);  // traced unless null
    filter_.load(low_half(argument));
    filter_.jump_if_equal(0, kNext, trace_);
    filter_.load(low_half(argument) + 4);
    filter_.jump_if_equal(0, allow_, trace_);
  }
}

bool TimedWaitRules::can_move(const TimedWait& wait) const {
  switch (wait.clock) {
    case TimeoutClock::kRelative: return moved_.relative_timeouts;
    case TimeoutClock::kRealtimeDeadline: return moved_.realtime_deadlines;
    case TimeoutClock::kFutexOperation:
    case TimeoutClock::kClockArgument:
      return moved_.realtime_deadlines || moved_.monotonic_deadlines;
  }
  return false;
}

TimedWaitRules::Label TimedWaitRules::block_for(const TimedWait& wait) {
  if (shares_pointer_block(wait))
    return pointer_block(wait.timeout_argument);
  Label& label = own_block_[&wait - kTimedWaits];
  if (label < 0)
    label = filter_.new_label();
  return label;
}

TimedWaitRules::Label TimedWaitRules::pointer_block(int argument) {
  if (pointer_block_[argument] < 0)
    pointer_block_[argument] = filter_.new_label();
  return pointer_block_[argument];
}

// futex: the command, without the private flag, says whether the timeout
// is a duration or a deadline, and FUTEX_CLOCK_REALTIME its clock (which
// the kernel refuses, ENOSYS, for the other commands).
void TimedWaitRules::futex_operation(int timeout_argument) {
  constexpr Label kNext = BpfAssembler::kNext;
  const Label timed = pointer_block(timeout_argument);
  const Label realtime = filter_.new_label();
  const auto if_moved = [&](bool moved) { return moved ? timed : allow_; };
  filter_.load(low_half(1));
  filter_.jump_if_any(kFutexClockRealtime, realtime, kNext);
  filter_.and_with(~(kFutexPrivateFlag | kFutexClockRealtime));
  filter_.jump_if_equal(kFutexLockPi, if_moved(moved_.realtime_deadlines), kNext);
  for (uint32_t command : {kFutexWaitBitset, kFutexWaitRequeuePi, kFutexLockPi2})
    filter_.jump_if_equal(command, if_moved(moved_.monotonic_deadlines), kNext);
  filter_.jump_if_equal(kFutexWait, if_moved(moved_.relative_timeouts), allow_);
  filter_.place(realtime);
  filter_.and_with(~(kFutexPrivateFlag | kFutexClockRealtime));
  for (uint32_t command : {kFutexWaitBitset, kFutexWaitRequeuePi})
    filter_.jump_if_equal(command, if_moved(moved_.realtime_deadlines), kNext);
  filter_.jump_if_equal(kFutexLockPi2, if_moved(moved_.realtime_deadlines), allow_);
}

}  // namespace vdso::run
