#include "timekeeper.h"

namespace vdso {

using abi::kNanosecondsPerSecond;

namespace {

constexpr int kRealtimeLikeClocks[] = {abi::kClockRealtime, abi::kClockTai};
constexpr int kMonotonicLikeClocks[] = {abi::kClockMonotonic, abi::kClockMonotonicRaw,
                                        abi::kClockBoottime};

void store_fine(abi::FineBase& slot, int64_t sec, uint64_t snsec, uint32_t mult) {
  abi::store_relaxed(slot.sec, sec);
  abi::store_relaxed(slot.snsec, snsec);
  abi::store_relaxed(slot.mult, mult);
}

}  // namespace

Timekeeper::Timekeeper(abi::DataPage& page, uint64_t tick_ns, int64_t monotonic_now_ns,
                       int64_t realtime_now_ns)
    : Timekeeper(
          page, tick_ns,
          {uint32_t{1} << kNanosecondCounterShift, kNanosecondCounterShift, abi::ClockMode::kNone},
          static_cast<uint64_t>(monotonic_now_ns), monotonic_now_ns, realtime_now_ns, nullptr) {}

Timekeeper::Timekeeper(abi::DataPage& page, uint64_t tick_ns, const CounterCalibration& calibration,
                       uint64_t counter_now, int64_t monotonic_now_ns, int64_t realtime_now_ns,
                       CounterReader read_counter)
    : page_(page), read_counter_(read_counter), cycle_last_(counter_now) {
  // Identity first, so a reader that sees the magic sees a valid layout.
  abi::store_relaxed(page_.layout_version, abi::kLayoutVersion);
  abi::store_relaxed(page_.tick_ns, tick_ns);
  __atomic_store_n(&page_.magic, abi::kDataPageMagic, __ATOMIC_RELEASE);
  set_calibration(calibration);
  const abi::Timespec monotonic = timespec_from_ns(monotonic_now_ns);
  monotonic_ = {monotonic.sec, static_cast<uint64_t>(monotonic.nsec) << shift_};
  set_realtime(realtime_now_ns, monotonic_now_ns);
}

void Timekeeper::set_calibration(const CounterCalibration& calibration) {
  // Bases keep their nanoseconds (the sub-nanosecond fraction is dropped,
  // which no reader can see) when the shift changes.
  if (shift_ != 0 && calibration.shift != shift_) {
    const auto rescale = [&](ShiftedTime& t) {
      t.snsec = (t.snsec >> shift_) << calibration.shift;
    };
    rescale(monotonic_);
    rescale(realtime_);
    pending_slew_snsec_ = (pending_slew_snsec_ >> shift_) << calibration.shift;
  }
  shift_ = calibration.shift;
  mult_ = calibration.mult;
  realtime_mult_ = mult_;
  user_mode_ = calibration.user_mode;
  // The largest step whose product with the fastest REALTIME mult (mult_
  // slewed by kMaxSlewPpm, as choose_realtime_rate bounds it), added to a
  // normalised base, fits in 64 bits.
  const uint64_t fastest_mult = uint64_t{mult_} + max_slew_delta() + 1;
  const uint64_t base_limit = static_cast<uint64_t>(kNanosecondsPerSecond) << shift_;
  max_cycles_per_step_ = (~uint64_t{0} - base_limit) / fastest_mult;
  const uint64_t tick_ns = abi::load_relaxed(page_.tick_ns);
  const uint64_t expected = mult_ != 0 ? (tick_ns << shift_) / mult_ : 1;
  expected_cycles_per_tick_ = expected != 0 ? expected : 1;
}

void Timekeeper::tick(int64_t monotonic_now_ns) {
  advance(static_cast<uint64_t>(monotonic_now_ns));
}

void Timekeeper::tick_counter(uint64_t counter_now) {
  advance(counter_now);
}

void Timekeeper::recalibrate(const CounterCalibration& calibration, uint64_t counter_now) {
  advance(counter_now);
  set_calibration(calibration);
  publish();
}

void Timekeeper::normalise(ShiftedTime& t) const {
  const uint64_t second = static_cast<uint64_t>(kNanosecondsPerSecond) << shift_;
  // The reader's division (its loop) rounds the same way: floor.
  t.sec += static_cast<int64_t>(t.snsec / second);
  t.snsec %= second;
}

void Timekeeper::accumulate(uint64_t cycles) {
  // The reader's arithmetic exactly: base + cycles * mult, then normalised.
  monotonic_.snsec += cycles * mult_;
  normalise(monotonic_);
  realtime_.snsec += cycles * realtime_mult_;
  normalise(realtime_);
  pending_slew_snsec_ -=
      static_cast<__int128>(cycles) * (static_cast<int64_t>(realtime_mult_) - mult_);
}

void Timekeeper::advance(uint64_t counter_now) {
  // A counter (or host clock) that went back, or a reading taken late, must
  // not move any clock back: hold until it catches up.
  if (counter_now > cycle_last_) {
    uint64_t cycles = counter_now - cycle_last_;
    // Only a host that stopped ticking for a long time needs several steps.
    while (cycles > max_cycles_per_step_) {
      accumulate(max_cycles_per_step_);
      cycles -= max_cycles_per_step_;
    }
    accumulate(cycles);
    cycle_last_ = counter_now;
  }
  choose_realtime_rate();
  publish();
}

// REALTIME's mult for the next interval: MONOTONIC's, plus the rate that
// completes the pending adjustment over one expected tick, bounded by
// kMaxSlewPpm. A positive adjustment rounds the rate down and a negative one
// rounds it away from zero, so what remains at the end is always a small
// forward amount, applied as a step forward: REALTIME never moves back.
void Timekeeper::choose_realtime_rate() {
  realtime_mult_ = mult_;
  if (pending_slew_snsec_ == 0)
    return;
  const __int128 expected = expected_cycles_per_tick_;
  if (pending_slew_snsec_ > 0 && pending_slew_snsec_ < expected) {
    realtime_.snsec += static_cast<uint64_t>(pending_slew_snsec_);
    normalise(realtime_);
    pending_slew_snsec_ = 0;
    return;
  }
  const uint64_t max_delta = max_slew_delta();
  const bool ahead = pending_slew_snsec_ > 0;
  const __int128 magnitude = ahead ? pending_slew_snsec_ : -pending_slew_snsec_;
  uint64_t delta = max_delta;
  if (magnitude < static_cast<__int128>(max_delta) * expected) {
    const uint64_t m = static_cast<uint64_t>(magnitude);
    const uint64_t e = static_cast<uint64_t>(expected);
    delta = ahead ? m / e : (m + e - 1) / e;
  }
  realtime_mult_ =
      ahead ? mult_ + static_cast<uint32_t>(delta) : mult_ - static_cast<uint32_t>(delta);
}

void Timekeeper::set_realtime(int64_t realtime_now_ns, int64_t monotonic_now_ns) {
  // REALTIME at cycle_last is the new reading less the time MONOTONIC has
  // run since then: MONOTONIC's base plus the new offset.
  const abi::Timespec offset = timespec_from_ns(realtime_now_ns - monotonic_now_ns);
  realtime_.sec = monotonic_.sec + offset.sec;
  realtime_.snsec = monotonic_.snsec + (static_cast<uint64_t>(offset.nsec) << shift_);
  normalise(realtime_);
  pending_slew_snsec_ = 0;
  realtime_mult_ = mult_;
  publish();
}

void Timekeeper::adjust_realtime(int64_t delta_ns) {
  // Takes effect at the next tick, which publishes the new rate with the
  // base it starts from.
  pending_slew_snsec_ += static_cast<__int128>(delta_ns) * (int64_t{1} << shift_);
}

int64_t Timekeeper::pending_adjustment_ns() const {
  const __int128 unit = static_cast<__int128>(1) << shift_;
  const __int128 p = pending_slew_snsec_;
  return static_cast<int64_t>(p >= 0 ? (p + unit - 1) >> shift_ : -((-p + unit - 1) >> shift_));
}

void Timekeeper::set_timezone(const abi::Timezone& tz) {
  abi::write_begin(page_);
  abi::store_relaxed(page_.timezone.minuteswest, tz.minuteswest);
  abi::store_relaxed(page_.timezone.dsttime, tz.dsttime);
  abi::write_end(page_);
}

void Timekeeper::set_getcpu_mode(abi::GetcpuMode mode) {
  abi::write_begin(page_);
  abi::store_relaxed(page_.getcpu_mode, static_cast<uint32_t>(mode));
  abi::write_end(page_);
}

void Timekeeper::publish_system_info(const abi::SystemInfo& info) {
  abi::write_begin(page_);
  abi::SystemInfo& to = page_.system;
  abi::store_relaxed(to.cpus_configured, info.cpus_configured);
  abi::store_relaxed(to.cpus_online, info.cpus_online);
  abi::store_relaxed(to.page_size, info.page_size);
  abi::store_relaxed(to.physical_memory_bytes, info.physical_memory_bytes);
  abi::store_relaxed(to.boot_time.sec, info.boot_time.sec);
  abi::store_relaxed(to.boot_time.nsec, info.boot_time.nsec);
  abi::store_bytes_relaxed(&to.uts, &info.uts, sizeof(info.uts));
  abi::store_relaxed(to.present, uint32_t{1});
  abi::write_end(page_);
}

void Timekeeper::set_virtual_time(const abi::VirtualTime& vt) {
  abi::write_begin(page_);
  abi::VirtualTime& to = page_.virtual_time;
  abi::store_relaxed(to.rate_mult, vt.rate_mult);
  for (uint32_t id = 0; id < abi::kFineClockSlots; ++id) {
    // The offset is derived here, so it always matches the bases.
    const abi::VirtualClock clock =
        abi::make_virtual_clock(vt.clocks[id].host_base_ns, vt.clocks[id].virtual_base);
    abi::store_relaxed(to.clocks[id].host_base_ns, clock.host_base_ns);
    abi::store_relaxed(to.clocks[id].virtual_base.sec, clock.virtual_base.sec);
    abi::store_relaxed(to.clocks[id].virtual_base.nsec, clock.virtual_base.nsec);
    abi::store_relaxed(to.clocks[id].offset.sec, clock.offset.sec);
    abi::store_relaxed(to.clocks[id].offset.nsec, clock.offset.nsec);
  }
  abi::store_relaxed(to.mode, static_cast<uint32_t>(abi::VirtualTimeMode::kOn));
  abi::write_end(page_);
  publish();
}

namespace {

void store_virtual_clock(abi::VirtualClock& to, int64_t host_base_ns,
                         const abi::Timespec& virtual_base) {
  const abi::VirtualClock clock = abi::make_virtual_clock(host_base_ns, virtual_base);
  abi::store_relaxed(to.host_base_ns, clock.host_base_ns);
  abi::store_relaxed(to.virtual_base.sec, clock.virtual_base.sec);
  abi::store_relaxed(to.virtual_base.nsec, clock.virtual_base.nsec);
  abi::store_relaxed(to.offset.sec, clock.offset.sec);
  abi::store_relaxed(to.offset.nsec, clock.offset.nsec);
}

}  // namespace

void Timekeeper::set_virtual_realtime(int64_t host_realtime_ns, int64_t host_tai_ns,
                                      const abi::Timespec& realtime, const abi::Timespec& tai) {
  abi::VirtualTime& to = page_.virtual_time;
  abi::write_begin(page_);
  if (!abi::virtual_time_on(page_)) {
    // Every clock as the host's (offset 0 at rate 1) until now.
    abi::store_relaxed(to.rate_mult, abi::kVirtualRateOne);
    for (uint32_t id = 0; id < abi::kFineClockSlots; ++id)
      store_virtual_clock(to.clocks[id], 0, {0, 0});
    abi::store_relaxed(to.mode, static_cast<uint32_t>(abi::VirtualTimeMode::kOn));
  }
  constexpr int kRealtimeIds[] = {abi::kClockRealtime, abi::kClockRealtimeCoarse,
                                  abi::kClockRealtimeAlarm};
  for (int id : kRealtimeIds)
    store_virtual_clock(to.clocks[id], host_realtime_ns, realtime);
  store_virtual_clock(to.clocks[abi::kClockTai], host_tai_ns, tai);
  abi::write_end(page_);
  publish();
}

int64_t Timekeeper::realtime_offset_ns() const {
  const abi::Timespec realtime{realtime_.sec, static_cast<int64_t>(realtime_.snsec >> shift_)};
  const abi::Timespec monotonic{monotonic_.sec, static_cast<int64_t>(monotonic_.snsec >> shift_)};
  return ns_from_timespec(realtime) - ns_from_timespec(monotonic);
}

void Timekeeper::publish() {
  const auto realtime_index = static_cast<uint32_t>(abi::CoarseClock::kRealtime);
  const auto monotonic_index = static_cast<uint32_t>(abi::CoarseClock::kMonotonic);
  // The coarse clocks are the fine ones at cycle_last, in whole nanoseconds;
  // under virtual time, transformed as a fine read of them would be.
  abi::Timespec realtime{realtime_.sec, static_cast<int64_t>(realtime_.snsec >> shift_)};
  abi::Timespec monotonic{monotonic_.sec, static_cast<int64_t>(monotonic_.snsec >> shift_)};
  if (abi::virtual_time_on(page_)) {
    realtime = abi::to_virtual(page_.virtual_time, abi::kClockRealtimeCoarse, realtime);
    monotonic = abi::to_virtual(page_.virtual_time, abi::kClockMonotonicCoarse, monotonic);
  }

  abi::write_begin(page_);
  abi::store_relaxed(page_.coarse[realtime_index].sec, realtime.sec);
  abi::store_relaxed(page_.coarse[realtime_index].nsec, realtime.nsec);
  abi::store_relaxed(page_.coarse[monotonic_index].sec, monotonic.sec);
  abi::store_relaxed(page_.coarse[monotonic_index].nsec, monotonic.nsec);
  abi::store_relaxed(page_.clock_mode, static_cast<uint32_t>(user_mode_));
  abi::store_relaxed(page_.counter_shift, shift_);
  abi::store_relaxed(page_.cycle_last, cycle_last_);
  // TAI is REALTIME with an offset of 0 (no host tells us one, as on a Linux
  // nobody told); BOOTTIME is MONOTONIC (neither host suspends).
  for (int id : kRealtimeLikeClocks)
    store_fine(page_.fine[id], realtime_.sec, realtime_.snsec, realtime_mult_);
  for (int id : kMonotonicLikeClocks)
    store_fine(page_.fine[id], monotonic_.sec, monotonic_.snsec, mult_);
  abi::store_relaxed(page_.update_count, abi::load_relaxed(page_.update_count) + 1);
  abi::write_end(page_);
}

int Timekeeper::clock_gettime(int clock_id, abi::Timespec* out) const {
  if (abi::page_serves_coarse(clock_id)) {
    *out = abi::read_coarse(page_, abi::coarse_index(clock_id));
    return 0;
  }
  if (abi::page_serves_fine(clock_id) && read_counter_ != nullptr) {
    abi::read_fine<abi::CounterAccess::kKernel>(page_, clock_id, out, read_counter_);
    if (abi::virtual_time_on(page_))
      *out = abi::read_virtual(page_, clock_id, *out);
    return 0;
  }
  return -abi::kEINVAL;
}

int Timekeeper::clock_getres(int clock_id, abi::Timespec* out) const {
  if (abi::page_serves_coarse(clock_id)) {
    *out = timespec_from_ns(static_cast<int64_t>(abi::load_relaxed(page_.tick_ns)));
    return 0;
  }
  if (abi::page_serves_fine(clock_id) && read_counter_ != nullptr) {
    *out = {0, abi::kFineClockResolutionNs};
    return 0;
  }
  return -abi::kEINVAL;
}

}  // namespace vdso
