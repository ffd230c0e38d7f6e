// Time arithmetic of the Linux ABI, written once for the image, the
// timekeeper and both hosts: nanoseconds <-> timespec, a timespec's
// validity, and the flag that makes a deadline absolute. Freestanding, as
// linux.h.
#pragma once

#include <stdint.h>

#include "vdso/abi/linux.h"

namespace vdso::abi {

// TIMER_ABSTIME (clock_nanosleep, timer_settime) and TFD_TIMER_ABSTIME
// (timerfd_settime): the deadline is a time on the clock, not an interval.
inline constexpr uint64_t kTimerAbstime = 1;

// What every call taking a timespec accepts (EINVAL otherwise).
constexpr bool timespec_valid(const Timespec& ts) {
  return ts.sec >= 0 && ts.nsec >= 0 && ts.nsec < kNanosecondsPerSecond;
}

// sec + nsec, with -10^9 < nsec < 2 * 10^9, as a timespec (0 <= nsec < 10^9).
constexpr Timespec normalised(int64_t sec, int64_t nsec) {
  if (nsec < 0) {
    nsec += kNanosecondsPerSecond;
    --sec;
  } else if (nsec >= kNanosecondsPerSecond) {
    nsec -= kNanosecondsPerSecond;
    ++sec;
  }
  return {sec, nsec};
}

// Nanoseconds since a clock's epoch -> timespec (floor division, so a
// negative time has 0 <= nsec < 10^9 as POSIX requires), and back.
constexpr Timespec timespec_from_ns(int64_t ns) {
  return normalised(ns / kNanosecondsPerSecond, ns % kNanosecondsPerSecond);
}
constexpr int64_t ns_from_timespec(const Timespec& ts) {
  return ts.sec * kNanosecondsPerSecond + ts.nsec;
}

}  // namespace vdso::abi
