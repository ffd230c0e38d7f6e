// The virtual-time transform (its data: VirtualTime in data_page.h): the
// one copy, used by the image (fine clocks from the host), the timekeeper
// (the coarse clocks it publishes) and the supervisor (answered system
// calls, and deadlines through its inverse). Its REALTIME family changes
// when the tree sets its clock, under the seqcount: read_virtual() and
// read_virtual_time() take it consistently.
#pragma once

#include <stdint.h>

#include "vdso/abi/data_page.h"
#include "vdso/abi/seqcount.h"
#include "vdso/abi/shared_field.h"
#include "vdso/abi/time.h"

namespace vdso::abi {

inline constexpr uint64_t kVirtualRateOne = uint64_t{1} << kVirtualRateShift;

// A clock whose host reading `host_base_ns` is `virtual_base` in virtual
// time, with its offset.
constexpr VirtualClock make_virtual_clock(int64_t host_base_ns, Timespec virtual_base) {
  return {host_base_ns, virtual_base,
          normalised(virtual_base.sec - host_base_ns / kNanosecondsPerSecond,
                     virtual_base.nsec - host_base_ns % kNanosecondsPerSecond)};
}

inline bool virtual_time_on(const DataPage& page) {
  return load_relaxed(page.virtual_time.mode) == static_cast<uint32_t>(VirtualTimeMode::kOn);
}

// Host time -> virtual time for a clock that virtual_time_moves(). The
// elapsed host time is scaled with floor rounding, so the transform is
// monotonic: a later host reading never gives an earlier virtual one.
inline Timespec to_virtual(const VirtualTime& vt, int clock_id, const Timespec& host) {
  const VirtualClock& clock = vt.clocks[clock_id];
  const uint64_t mult = load_relaxed(vt.rate_mult);
  if (__builtin_expect(mult == kVirtualRateOne, 1)) {
    // The same value as below (scaling by 2^shift >> shift is exact).
    int64_t sec = host.sec + load_relaxed(clock.offset.sec);
    int64_t nsec = host.nsec + load_relaxed(clock.offset.nsec);
    if (nsec >= kNanosecondsPerSecond) {
      nsec -= kNanosecondsPerSecond;
      ++sec;
    }
    return {sec, nsec};
  }
  const int64_t elapsed =
      host.sec * kNanosecondsPerSecond + host.nsec - load_relaxed(clock.host_base_ns);
  const auto scaled =
      static_cast<int64_t>((static_cast<__int128>(elapsed) * mult) >> kVirtualRateShift);
  return normalised(load_relaxed(clock.virtual_base.sec) + scaled / kNanosecondsPerSecond,
                    load_relaxed(clock.virtual_base.nsec) + scaled % kNanosecondsPerSecond);
}

// to_virtual() under the seqcount: the REALTIME family's transform changes
// when the tree sets its clock, and a torn copy of it could be a second off.
inline Timespec read_virtual(const DataPage& page, int clock_id, const Timespec& host) {
  return read_consistent(page, [&] { return to_virtual(page.virtual_time, clock_id, host); });
}

// A consistent copy of the whole transform, for a reader that uses it
// several times (the supervisor's deadline translation).
inline VirtualTime read_virtual_time(const DataPage& page) {
  return read_consistent(page, [&] {
    VirtualTime copy;
    copy.mode = load_relaxed(page.virtual_time.mode);
    copy.reserved = 0;
    copy.rate_mult = load_relaxed(page.virtual_time.rate_mult);
    for (uint32_t id = 0; id < kFineClockSlots; ++id) {
      const VirtualClock& from = page.virtual_time.clocks[id];
      copy.clocks[id] = {
          load_relaxed(from.host_base_ns),
          {load_relaxed(from.virtual_base.sec), load_relaxed(from.virtual_base.nsec)},
          {load_relaxed(from.offset.sec), load_relaxed(from.offset.nsec)}};
    }
    return copy;
  });
}

// Virtual time -> the earliest host time whose to_virtual() is at least
// `virt`: where an absolute deadline on a virtual clock falls on the host's.
// Rounded up, so a translated deadline never expires early. False when no
// host time reaches it (a frozen clock and a deadline after its time);
// *host_ns is then left alone. Saturates at the ends of int64 nanoseconds.
inline bool to_host(const VirtualTime& vt, int clock_id, const Timespec& virt, int64_t* host_ns) {
  const VirtualClock& clock = vt.clocks[clock_id];
  const __int128 ahead = static_cast<__int128>(virt.sec - load_relaxed(clock.virtual_base.sec)) *
                             kNanosecondsPerSecond +
                         (virt.nsec - load_relaxed(clock.virtual_base.nsec));
  const uint64_t mult = load_relaxed(vt.rate_mult);
  const int64_t base = load_relaxed(clock.host_base_ns);
  if (mult == 0) {
    if (ahead > 0)
      return false;
    *host_ns = base;  // already reached: the clock stands at its base
    return true;
  }
  // ceil(ahead * 2^shift / mult), as floor of the negated for negatives.
  const __int128 shifted = ahead * (static_cast<__int128>(1) << kVirtualRateShift);
  __int128 elapsed = shifted / mult;
  if (elapsed * mult < shifted)
    ++elapsed;
  const __int128 host = static_cast<__int128>(base) + elapsed;
  constexpr int64_t kMax = 0x7fff'ffff'ffff'ffff;
  *host_ns = host > kMax ? kMax : host < -kMax ? -kMax : static_cast<int64_t>(host);
  return true;
}

}  // namespace vdso::abi
