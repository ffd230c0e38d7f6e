// The kernel side of the VDSO: the only writer of the data page.
//
// A host (vdso-run's ticker thread, vdso-kernel's timer interrupt) hands the
// timekeeper its own clock readings; the timekeeper turns them into the
// coarse clocks and publishes them. It knows nothing of any host: it is
// freestanding C++20 and compiled into both.
//
// MONOTONIC is the host's monotonic reading, clamped so that it never goes
// backwards. REALTIME is MONOTONIC plus an offset: a step (set_realtime)
// replaces the offset, an adjustment (adjust_realtime) slews it by at most
// kMaxSlewPpm of elapsed time per tick, as adjtime(3) does, so MONOTONIC is
// untouched by anything that happens to REALTIME.
#pragma once

#include <stdint.h>

#include "vdso/abi/data_page.h"

namespace vdso {

class Timekeeper {
 public:
  static constexpr int64_t kMaxSlewPpm = 500;

  // Initialises `page` (magic, version, tick period) and publishes the first
  // values. `page` must outlive the timekeeper, which is its only writer.
  Timekeeper(abi::DataPage& page, uint64_t tick_ns, int64_t monotonic_now_ns,
             int64_t realtime_now_ns);

  Timekeeper(const Timekeeper&) = delete;
  Timekeeper& operator=(const Timekeeper&) = delete;

  // The clock tick: publishes the coarse clocks as of `monotonic_now_ns`.
  void tick(int64_t monotonic_now_ns);

  // Steps REALTIME so that it reads `realtime_now_ns` at `monotonic_now_ns`,
  // and publishes at once. Cancels any adjustment in progress.
  void set_realtime(int64_t realtime_now_ns, int64_t monotonic_now_ns);

  // Slews REALTIME by `delta_ns` over the next ticks (adds to any pending).
  void adjust_realtime(int64_t delta_ns);
  int64_t pending_adjustment_ns() const { return pending_slew_ns_; }

  // The kernel's clock_gettime/clock_getres for the ids the page serves,
  // answered from the published page through the same reader as the image,
  // so the system call and the VDSO can never disagree. -EINVAL otherwise.
  int clock_gettime(int clock_id, abi::Timespec* out) const;
  int clock_getres(int clock_id, abi::Timespec* out) const;

  uint64_t tick_ns() const { return abi::load_relaxed(page_.tick_ns); }
  const abi::DataPage& page() const { return page_; }

 private:
  void publish();

  abi::DataPage& page_;
  int64_t monotonic_ns_;         // last published MONOTONIC
  int64_t realtime_offset_ns_;   // REALTIME - MONOTONIC
  int64_t pending_slew_ns_ = 0;  // adjustment not yet applied
};

// Nanoseconds since the epoch of a clock -> timespec (floor division, so
// negative times have 0 <= nsec < 1e9 as POSIX requires).
abi::Timespec timespec_from_ns(int64_t ns);
int64_t ns_from_timespec(const abi::Timespec& ts);

}  // namespace vdso
