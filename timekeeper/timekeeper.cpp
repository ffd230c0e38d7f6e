#include "timekeeper.h"

namespace vdso {

using abi::kNanosecondsPerSecond;

abi::Timespec timespec_from_ns(int64_t ns) {
  int64_t sec = ns / kNanosecondsPerSecond;
  int64_t nsec = ns % kNanosecondsPerSecond;
  if (nsec < 0) {
    nsec += kNanosecondsPerSecond;
    sec -= 1;
  }
  return {sec, nsec};
}

int64_t ns_from_timespec(const abi::Timespec& ts) {
  return ts.sec * kNanosecondsPerSecond + ts.nsec;
}

Timekeeper::Timekeeper(abi::DataPage& page, uint64_t tick_ns, int64_t monotonic_now_ns,
                       int64_t realtime_now_ns)
    : page_(page),
      monotonic_ns_(monotonic_now_ns),
      realtime_offset_ns_(realtime_now_ns - monotonic_now_ns) {
  // Identity first, so a reader that sees the magic sees a valid layout.
  abi::store_relaxed(page_.layout_version, abi::kLayoutVersion);
  abi::store_relaxed(page_.tick_ns, tick_ns);
  __atomic_store_n(&page_.magic, abi::kDataPageMagic, __ATOMIC_RELEASE);
  publish();
}

void Timekeeper::tick(int64_t monotonic_now_ns) {
  // A host clock that stepped back (or a reading taken late) must not move
  // MONOTONIC back: hold it until the host catches up.
  const int64_t elapsed_ns =
      monotonic_now_ns > monotonic_ns_ ? monotonic_now_ns - monotonic_ns_ : 0;
  monotonic_ns_ += elapsed_ns;

  if (pending_slew_ns_ != 0) {
    const int64_t max_step_ns = elapsed_ns / (1'000'000 / kMaxSlewPpm);
    int64_t step_ns = pending_slew_ns_;
    if (step_ns > max_step_ns)
      step_ns = max_step_ns;
    if (step_ns < -max_step_ns)
      step_ns = -max_step_ns;
    realtime_offset_ns_ += step_ns;
    pending_slew_ns_ -= step_ns;
  }
  publish();
}

void Timekeeper::set_realtime(int64_t realtime_now_ns, int64_t monotonic_now_ns) {
  // The published REALTIME is as of the last tick: keep that instant and
  // give it the new offset.
  realtime_offset_ns_ = realtime_now_ns - monotonic_now_ns;
  pending_slew_ns_ = 0;
  publish();
}

void Timekeeper::adjust_realtime(int64_t delta_ns) {
  pending_slew_ns_ += delta_ns;
}

void Timekeeper::publish() {
  const abi::Timespec monotonic = timespec_from_ns(monotonic_ns_);
  const abi::Timespec realtime = timespec_from_ns(monotonic_ns_ + realtime_offset_ns_);
  const auto realtime_index = static_cast<uint32_t>(abi::CoarseClock::kRealtime);
  const auto monotonic_index = static_cast<uint32_t>(abi::CoarseClock::kMonotonic);

  abi::write_begin(page_);
  abi::store_relaxed(page_.coarse[realtime_index].sec, realtime.sec);
  abi::store_relaxed(page_.coarse[realtime_index].nsec, realtime.nsec);
  abi::store_relaxed(page_.coarse[monotonic_index].sec, monotonic.sec);
  abi::store_relaxed(page_.coarse[monotonic_index].nsec, monotonic.nsec);
  abi::store_relaxed(page_.update_count, abi::load_relaxed(page_.update_count) + 1);
  abi::write_end(page_);
}

int Timekeeper::clock_gettime(int clock_id, abi::Timespec* out) const {
  if (!abi::page_serves(clock_id))
    return -abi::kEINVAL;
  *out = abi::read_coarse(page_, abi::coarse_index(clock_id));
  return 0;
}

int Timekeeper::clock_getres(int clock_id, abi::Timespec* out) const {
  if (!abi::page_serves(clock_id))
    return -abi::kEINVAL;
  *out = timespec_from_ns(static_cast<int64_t>(abi::load_relaxed(page_.tick_ns)));
  return 0;
}

}  // namespace vdso
