// The readers of the data page, as Linux's lib/vdso/gettimeofday.c: the
// coarse clocks, the fine clocks from the architecture's counter, and the
// system's configuration. Each is the one copy, used by the image and by a
// kernel's system calls alike, so that the two can never disagree; each
// takes its copy under the seqcount's named helpers.
#pragma once

#include <stdint.h>

#include "vdso/abi/data_page.h"
#include "vdso/abi/seqcount.h"
#include "vdso/abi/time.h"

namespace vdso::abi {

// A consistent copy of one coarse clock.
inline Timespec read_coarse(const DataPage& page, uint32_t index) {
  const Timespec& clock = page.coarse[index];
  return read_consistent(page, [&] {
    return Timespec{load_relaxed(clock.sec), load_relaxed(clock.nsec)};
  });
}

// time(2): the coarse REALTIME's seconds, as Linux's (ktime_get_real_seconds),
// for the image's __vdso_time and a kernel's time system call alike. One
// atomic load, so no seqcount is needed.
inline int64_t read_time_seconds(const DataPage& page) {
  return load_relaxed(page.coarse[static_cast<uint32_t>(CoarseClock::kRealtime)].sec);
}

// REALTIME minus MONOTONIC as the coarse clocks last published them, in
// nanoseconds: both from one consistent copy, so a reader never pairs one
// tick's REALTIME with another's MONOTONIC.
inline int64_t read_coarse_realtime_offset_ns(const DataPage& page) {
  const Timespec& realtime = page.coarse[static_cast<uint32_t>(CoarseClock::kRealtime)];
  const Timespec& monotonic = page.coarse[static_cast<uint32_t>(CoarseClock::kMonotonic)];
  return read_consistent(page, [&] {
    return ns_from_timespec({load_relaxed(realtime.sec), load_relaxed(realtime.nsec)}) -
           ns_from_timespec({load_relaxed(monotonic.sec), load_relaxed(monotonic.nsec)});
  });
}

// ---- The fine clocks --------------------------------------------------------

// Who reads: the image (user space) may use the counter only when the page's
// clock mode says so; a kernel reads its own counter whatever user space is
// allowed (a boot option may turn user-space fine clocks off).
enum class CounterAccess { kUser, kKernel };

// A fine clock. `clock_id` must satisfy page_serves_fine(). Returns false,
// leaving *out alone, when `access` is kUser and the page's clock mode is
// not kUserCounter: the caller takes the fallback. `read_counter` is
// arch::read_counter in the image and in a kernel; tests hand a synthetic
// counter to the timekeeper.
//
// The clamp (cycles below cycle_last count as cycle_last) keeps a reader
// whose counter lags the writer's from going back past the base; the writer
// computes each next base with this very arithmetic, so a read just before
// an update never exceeds the update's base.
//
// The one reader that writes read_consistent's loop out: it may leave the
// loop early (the clock mode, checked under the seqcount as Linux does),
// and the fine path's instruction budget holds only with this shape.
template <CounterAccess access, typename ReadCounter>
inline bool read_fine(const DataPage& page, int clock_id, Timespec* out, ReadCounter read_counter) {
  const FineBase& base = page.fine[clock_id];
  for (;;) {
    uint32_t seq;
    if (__builtin_expect(read_begin(page, &seq), 1)) {
      if (access == CounterAccess::kUser &&
          __builtin_expect(
              load_relaxed(page.clock_mode) != static_cast<uint32_t>(ClockMode::kUserCounter), 0)) {
        return false;
      }
      const uint64_t cycles = read_counter();
      const uint64_t cycle_last = load_relaxed(page.cycle_last);
      uint64_t snsec = load_relaxed(base.snsec);
      if (__builtin_expect(cycles > cycle_last, 1))
        snsec += (cycles - cycle_last) * load_relaxed(base.mult);
      // Computed before the retry check, as Linux does, so that few values
      // stay live; a torn copy is discarded (the & only keeps the shift
      // defined for one: the hardware's shift masks it alike, at no cost).
      uint64_t ns = snsec >> (load_relaxed(page.counter_shift) & 63);
      int64_t sec = load_relaxed(base.sec);
      if (__builtin_expect(!read_retry(page, seq), 1)) {
        // Less than two seconds between updates: a loop beats a division.
        while (__builtin_expect(ns >= static_cast<uint64_t>(kNanosecondsPerSecond), 0)) {
          ns -= static_cast<uint64_t>(kNanosecondsPerSecond);
          ++sec;
        }
        out->sec = sec;
        out->nsec = static_cast<int64_t>(ns);
        return true;
      }
    }
    arch::cpu_relax();
  }
}

// ---- The system's configuration ---------------------------------------------

// Runs `copy` (which copies fields of page.system with relaxed loads) until
// it ran under one even, unchanged seq. False, without a copy, when the page
// is not of this layout or the host published no configuration.
template <typename Copy>
inline bool read_system_info(const DataPage& page, Copy copy) {
  if (!is_current_layout(page))
    return false;
  return read_consistent(page, [&] {
    if (load_relaxed(page.system.present) == 0)
      return false;
    copy(page.system);
    return true;
  });
}

// The tick rate, from the page's tick period (rounded to the nearest Hz).
constexpr uint64_t tick_hz_of(uint64_t tick_ns) {
  return tick_ns == 0 ? 0 : (static_cast<uint64_t>(kNanosecondsPerSecond) + tick_ns / 2) / tick_ns;
}

}  // namespace vdso::abi
