#include "virtual_time.h"

#include <time.h>

#include <cerrno>

#include "timekeeper.h"

namespace vdso::run {
namespace {

// The host's reading of `clock_id`, or of `stand_in` when the host cannot
// read it (an alarm clock without an RTC reads as its plain twin anyway).
int64_t host_ns(int clock_id, int stand_in) {
  timespec ts;
  if (clock_gettime(clock_id, &ts) != 0)
    clock_gettime(stand_in, &ts);
  return ns_from_timespec({ts.tv_sec, ts.tv_nsec});
}

}  // namespace

Result<abi::VirtualTime> make_virtual_time(const VirtualTimeOptions& options) {
  abi::VirtualTime vt{};
  vt.rate_mult = options.freeze ? 0 : options.rate_given ? options.rate_mult : abi::kVirtualRateOne;
  // Each clock starts where the host's is (MONOTONIC's family stays in
  // step with the host's), except REALTIME's family, which --at or
  // --offset move. A coarse clock shares its fine twin's bases, so the two
  // stay ordered.
  const int64_t realtime = host_ns(abi::kClockRealtime, abi::kClockRealtime);
  const int64_t tai = host_ns(abi::kClockTai, abi::kClockRealtime);
  const int64_t monotonic = host_ns(abi::kClockMonotonic, abi::kClockMonotonic);
  const int64_t raw = host_ns(abi::kClockMonotonicRaw, abi::kClockMonotonic);
  const int64_t boottime = host_ns(abi::kClockBoottime, abi::kClockMonotonic);

  abi::Timespec start = timespec_from_ns(realtime);
  if (options.at_given) {
    start = {options.at_sec, options.at_nsec};
  } else if (options.offset_given) {
    // In 128 bits: the host's time plus up to 2^63 ns is past 2262, where
    // 64-bit nanoseconds end, though well inside a 64-bit time_t.
    const __int128 shifted = static_cast<__int128>(realtime) + options.offset_ns;
    if (shifted < 0)
      return Error{ERANGE, "--offset: REALTIME would start before 1970"};
    const __int128 seconds = shifted / abi::kNanosecondsPerSecond;
    if (seconds > kLatestStartSec)
      return Error{ERANGE, "--offset: REALTIME would start past what a 64-bit time_t can hold"};
    start = {static_cast<int64_t>(seconds),
             static_cast<int64_t>(shifted % abi::kNanosecondsPerSecond)};
  }
  const auto set = [&](int id, int64_t host_base, const abi::Timespec& virtual_base) {
    vt.clocks[id] = abi::make_virtual_clock(host_base, virtual_base);
  };
  for (int id : {abi::kClockRealtime, abi::kClockRealtimeCoarse, abi::kClockRealtimeAlarm})
    set(id, realtime, start);
  // TAI keeps its distance from REALTIME (the host's leap seconds).
  const abi::Timespec tai_distance = timespec_from_ns(tai - realtime);
  abi::Timespec tai_start{start.sec + tai_distance.sec, start.nsec + tai_distance.nsec};
  if (tai_start.nsec >= abi::kNanosecondsPerSecond) {
    tai_start.nsec -= abi::kNanosecondsPerSecond;
    ++tai_start.sec;
  }
  set(abi::kClockTai, tai, tai_start);
  for (int id : {abi::kClockMonotonic, abi::kClockMonotonicCoarse})
    set(id, monotonic, timespec_from_ns(monotonic));
  set(abi::kClockMonotonicRaw, raw, timespec_from_ns(raw));
  for (int id : {abi::kClockBoottime, abi::kClockBoottimeAlarm})
    set(id, boottime, timespec_from_ns(boottime));
  return vt;
}

}  // namespace vdso::run
