// The kernel side of the VDSO: the only writer of the data page.
//
// A host (vdso-run's ticker thread, vdso-kernel's timer interrupt) hands the
// timekeeper its own clock readings; the timekeeper turns them into the
// clocks and publishes them. It knows nothing of any host: it is
// freestanding C++20 and compiled into both.
//
// Everything is kept as Linux's timekeeping does: a counter (cycles), its
// reading at the last update (cycle_last), and per clock a base in
// nanoseconds shifted left by `shift`, advanced at each update by
// (cycles - cycle_last) * mult with the reader's own arithmetic
// (abi::read_fine), so a fine read just before an update never passes the
// update's base.
//
// How a host uses it:
//   - A host whose clock is already in nanoseconds and which serves no fine
//     clock from the page (vdso-run) constructs it with its MONOTONIC and
//     REALTIME readings and calls tick(monotonic_now_ns) at every tick. The
//     counter is then that nanosecond reading (mult = 1 << shift), and the
//     page's clock mode is kNone: the image sends fine clocks to the
//     fallback.
//   - A host with a counter (vdso-kernel: the TSC) constructs it with a
//     CounterCalibration (mult/shift from its TSC calibration, and whether
//     user space may read the TSC), the counter's reading, and a function
//     that reads the counter for its own system calls; then calls
//     tick_counter(rdtsc) at every tick, and recalibrate() if its
//     calibration improves. Read the TSC right before the call, with
//     interrupts off (the tick handler): a publication delayed after its
//     reading starts the next REALTIME rate from an older cycle_last than
//     readers have already passed. Its clock_gettime/clock_getres system calls then
//     answer every clock the page holds through clock_gettime() below, with
//     the image's reader.
//
// MONOTONIC (and MONOTONIC_RAW, BOOTTIME: no frequency steering, no
// suspend) advances at the counter's rate and never goes backwards: a
// counter reading behind cycle_last is held. REALTIME (and TAI, offset 0)
// is MONOTONIC plus an offset: set_realtime steps it (backwards too, as on
// Linux); adjust_realtime slews it by a rate change of at most kMaxSlewPpm
// (REALTIME's own mult for the next interval), never by a backward step.
#pragma once

#include <stdint.h>

#include "vdso/abi/data_page.h"
#include "vdso/abi/readers.h"
#include "vdso/abi/seqcount.h"
#include "vdso/abi/time.h"
#include "vdso/abi/virtual_time.h"
#include "vdso/arch/getcpu.h"

namespace vdso {

// ns = (cycles * mult) >> shift. `user_mode` says whether user space may
// read the counter (abi::ClockMode::kUserCounter) or must take the fallback.
struct CounterCalibration {
  uint32_t mult;
  uint32_t shift;
  abi::ClockMode user_mode;
};

class Timekeeper {
 public:
  static constexpr int64_t kMaxSlewPpm = 500;
  static constexpr int64_t kPartsPerMillion = 1'000'000;
  // The shift of a nanosecond host's identity counter: fine enough for a
  // slew rate of 1/2^24 (0.06 ppm).
  static constexpr uint32_t kNanosecondCounterShift = 24;
  using CounterReader = uint64_t (*)();

  // A nanosecond host (see above). Initialises `page` (magic, version, tick
  // period) and publishes the first values. `page` must outlive the
  // timekeeper, which is its only writer.
  Timekeeper(abi::DataPage& page, uint64_t tick_ns, int64_t monotonic_now_ns,
             int64_t realtime_now_ns);

  // A counter host: at counter reading `counter_now` MONOTONIC reads
  // `monotonic_now_ns` and REALTIME `realtime_now_ns`. `read_counter` serves
  // the host's own fine reads (clock_gettime below); tests hand a synthetic
  // counter. `calibration.shift` must be at most 32 and mult non-zero.
  Timekeeper(abi::DataPage& page, uint64_t tick_ns, const CounterCalibration& calibration,
             uint64_t counter_now, int64_t monotonic_now_ns, int64_t realtime_now_ns,
             CounterReader read_counter);

  Timekeeper(const Timekeeper&) = delete;
  Timekeeper& operator=(const Timekeeper&) = delete;

  // The clock tick of a nanosecond host: publishes the clocks as of its
  // MONOTONIC reading.
  void tick(int64_t monotonic_now_ns);
  // The clock tick of a counter host: publishes the clocks as of
  // `counter_now`.
  void tick_counter(uint64_t counter_now);
  // A counter host's better calibration (or user-mode change), effective
  // from `counter_now`: the clocks are first advanced there with the old one.
  void recalibrate(const CounterCalibration& calibration, uint64_t counter_now);

  // Steps REALTIME so that it reads `realtime_now_ns` at the instant
  // MONOTONIC reads `monotonic_now_ns`, and publishes at once. Cancels any
  // adjustment in progress.
  void set_realtime(int64_t realtime_now_ns, int64_t monotonic_now_ns);

  // Slews REALTIME by `delta_ns` over the next ticks (adds to any pending).
  void adjust_realtime(int64_t delta_ns);
  // What remains of the adjustment, rounded away from zero: 0 only when
  // it is complete.
  int64_t pending_adjustment_ns() const;

  // What gettimeofday reports in a non-null tz (Linux's sys_tz).
  void set_timezone(const abi::Timezone& tz);
  // How the image may read TSC_AUX for getcpu (the host has checked CPUID
  // and that TSC_AUX holds cpu | node << 12).
  void set_getcpu_mode(abi::GetcpuMode mode);
  // The system's configuration (uname, CPUs, memory, ...); `info.present`
  // is set to 1 on publication.
  void publish_system_info(const abi::SystemInfo& info);
  // Turns virtual time on (abi::VirtualTime; `vt.mode` is set to kOn and
  // each clock's offset derived from its bases): from
  // now on the coarse clocks are published transformed, and clock_gettime
  // below answers virtual time. Once, before any program runs.
  void set_virtual_time(const abi::VirtualTime& vt);
  // The tree sets its clock: from host REALTIME `host_realtime_ns` (and
  // host TAI `host_tai_ns`, read at the same instant) REALTIME and its
  // coarse and alarm twins read `realtime`, TAI reads `tai`, at the rate
  // they had; the other clocks keep their transform. Turns virtual time on
  // (rate 1, every other clock as the host's) if it was off. Publishes at
  // once, so the coarse clocks move with the fine ones. Only the REALTIME
  // family's transform changes, under the seqcount.
  void set_virtual_realtime(int64_t host_realtime_ns, int64_t host_tai_ns,
                            const abi::Timespec& realtime, const abi::Timespec& tai);

  // REALTIME minus MONOTONIC, in host time (what a host compares with its
  // own clocks to keep REALTIME in step), virtual time or not. From the
  // writer's own state: for the writer's thread only.
  int64_t realtime_offset_ns() const;
  // REALTIME minus MONOTONIC as the page's coarse clocks show them (so in
  // virtual time when it is on), from one consistent copy: safe from any
  // reader while the writer publishes.
  int64_t published_realtime_offset_ns() const {
    return abi::read_coarse_realtime_offset_ns(page_);
  }

  // A kernel's clock_gettime/clock_getres: the coarse ids from the page,
  // and with a counter reader every fine id through abi::read_fine (then
  // abi::to_virtual under virtual time, as the image does), so the
  // system call and the VDSO can never disagree. -EINVAL for other ids
  // (and for fine ids on a nanosecond host, which answers them itself).
  int clock_gettime(int clock_id, abi::Timespec* out) const;
  int clock_getres(int clock_id, abi::Timespec* out) const;
  // A kernel's time(2), as the image's __vdso_time answers it.
  int64_t time_seconds() const { return abi::read_time_seconds(page_); }

  uint64_t tick_ns() const { return abi::load_relaxed(page_.tick_ns); }
  const abi::DataPage& page() const { return page_; }

 private:
  // A clock at cycle_last: seconds and shifted nanoseconds, normalised.
  struct ShiftedTime {
    int64_t sec;
    uint64_t snsec;
  };

  void set_calibration(const CounterCalibration& calibration);
  // The most REALTIME's mult may differ from MONOTONIC's: kMaxSlewPpm.
  uint64_t max_slew_delta() const { return uint64_t{mult_} * kMaxSlewPpm / kPartsPerMillion; }
  void advance(uint64_t counter_now);
  void accumulate(uint64_t cycles);
  void choose_realtime_rate();
  void normalise(ShiftedTime& t) const;
  void publish();

  abi::DataPage& page_;
  CounterReader read_counter_ = nullptr;
  abi::ClockMode user_mode_ = abi::ClockMode::kNone;
  uint32_t shift_ = 0;
  uint32_t mult_ = 0;           // MONOTONIC's, and every clock's but REALTIME's
  uint32_t realtime_mult_ = 0;  // mult_ plus the slew rate of this interval
  uint64_t cycle_last_ = 0;
  uint64_t max_cycles_per_step_ = 0;  // no overflow of snsec + cycles * mult
  uint64_t expected_cycles_per_tick_ = 1;
  ShiftedTime monotonic_{};
  ShiftedTime realtime_{};
  __int128 pending_slew_snsec_ = 0;  // adjustment not yet applied, shifted ns
};

// The ABI's conversions (vdso/abi/time.h), under the names the hosts have
// always used.
using abi::ns_from_timespec;
using abi::timespec_from_ns;

}  // namespace vdso
