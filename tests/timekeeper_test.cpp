// The timekeeper: what it publishes, MONOTONIC never backwards whatever
// REALTIME or the host clock does, steps and slews of REALTIME, and the
// system-call answers agreeing with the page.
#include "timekeeper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace {

using vdso::Timekeeper;
using namespace vdso::abi;

constexpr uint64_t kTickNs = 4'000'000;  // 250 Hz
constexpr int64_t kSecond = vdso::abi::kNanosecondsPerSecond;

Timespec coarse(const DataPage& page, int clock_id) {
  return read_coarse(page, coarse_index(clock_id));
}

int64_t ns(const Timespec& ts) {
  return vdso::ns_from_timespec(ts);
}

TEST(Timekeeper, InitialisesAndPublishes) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 5 * kSecond + 7, 1'700'000'000 * kSecond + 11);
  EXPECT_EQ(page.magic, kDataPageMagic);
  EXPECT_EQ(page.layout_version, kLayoutVersion);
  EXPECT_EQ(page.tick_ns, kTickNs);
  EXPECT_EQ(page.seq % 2, 0u);
  EXPECT_EQ(page.update_count, 1u);
  EXPECT_EQ(ns(coarse(page, kClockMonotonicCoarse)), 5 * kSecond + 7);
  EXPECT_EQ(ns(coarse(page, kClockRealtimeCoarse)), 1'700'000'000 * kSecond + 11);
}

TEST(Timekeeper, TickPublishesTheReadingAndCountsUpdates) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 0, 1000 * kSecond);
  for (int i = 1; i <= 100; ++i) {
    tk.tick(i * static_cast<int64_t>(kTickNs));
    EXPECT_EQ(page.update_count, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(page.seq % 2, 0u);
    EXPECT_EQ(ns(coarse(page, kClockMonotonicCoarse)), i * static_cast<int64_t>(kTickNs));
    EXPECT_EQ(ns(coarse(page, kClockRealtimeCoarse)), 1000 * kSecond + i * int64_t{kTickNs});
  }
}

TEST(Timekeeper, MonotonicHoldsWhenTheHostClockGoesBack) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 10 * kSecond, 0);
  tk.tick(9 * kSecond);
  EXPECT_EQ(ns(coarse(page, kClockMonotonicCoarse)), 10 * kSecond);
  tk.tick(11 * kSecond);
  EXPECT_EQ(ns(coarse(page, kClockMonotonicCoarse)), 11 * kSecond);
}

TEST(Timekeeper, MonotonicNeverBackwardsAcrossRealtimeSteps) {
  static DataPage page{};
  std::mt19937_64 rng(1);
  int64_t host_monotonic = kSecond;
  Timekeeper tk(page, kTickNs, host_monotonic, 1'600'000'000 * kSecond);
  int64_t last_monotonic = ns(coarse(page, kClockMonotonicCoarse));
  bool realtime_went_back = false;
  for (int i = 0; i < 100'000; ++i) {
    switch (rng() % 8) {
      case 0: {  // step REALTIME anywhere, backwards included
        const int64_t before = ns(coarse(page, kClockRealtimeCoarse));
        const int64_t target =
            static_cast<int64_t>(rng() % (3'000'000'000ull * kSecond)) - 1'000'000'000 * kSecond;
        tk.set_realtime(target, host_monotonic);
        realtime_went_back |= ns(coarse(page, kClockRealtimeCoarse)) < before;
        break;
      }
      case 1: tk.adjust_realtime(static_cast<int64_t>(rng() % (2 * kSecond)) - kSecond); break;
      case 2:  // a host reading that went back
        tk.tick(host_monotonic - static_cast<int64_t>(rng() % kSecond));
        break;
      default:
        host_monotonic += static_cast<int64_t>(rng() % (2 * kTickNs));
        tk.tick(host_monotonic);
    }
    const int64_t monotonic = ns(coarse(page, kClockMonotonicCoarse));
    ASSERT_GE(monotonic, last_monotonic) << "iteration " << i;
    ASSERT_LE(monotonic, host_monotonic);
    last_monotonic = monotonic;
  }
  EXPECT_TRUE(realtime_went_back) << "the test never stepped REALTIME back";
}

TEST(Timekeeper, SetRealtimeStepsAtOnce) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 100 * kSecond, 5000 * kSecond);
  tk.tick(101 * kSecond);
  // At monotonic 101.5 s the wall clock is set to 2000 s; the page keeps
  // the last tick's instant (101 s), so it shows 1999.5 s.
  tk.set_realtime(2000 * kSecond, 101 * kSecond + kSecond / 2);
  EXPECT_EQ(ns(coarse(page, kClockRealtimeCoarse)), 1999 * kSecond + kSecond / 2);
  EXPECT_EQ(ns(coarse(page, kClockMonotonicCoarse)), 101 * kSecond);
  tk.tick(102 * kSecond);
  EXPECT_EQ(ns(coarse(page, kClockRealtimeCoarse)), 2000 * kSecond + kSecond / 2);
}

// The published REALTIME - MONOTONIC is the page's pair (one consistent
// copy: read_consistent, tested in abi_layout_test), and follows steps at
// once and ticks unchanged.
TEST(Timekeeper, PublishedRealtimeOffsetIsThePagesPair) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 100 * kSecond, 5000 * kSecond);
  EXPECT_EQ(tk.published_realtime_offset_ns(), 4900 * kSecond);
  tk.tick(101 * kSecond);
  EXPECT_EQ(tk.published_realtime_offset_ns(), 4900 * kSecond);
  tk.set_realtime(2000 * kSecond + 7, 101 * kSecond);
  EXPECT_EQ(tk.published_realtime_offset_ns(), 1899 * kSecond + 7);
  EXPECT_EQ(tk.published_realtime_offset_ns(),
            ns(coarse(page, kClockRealtimeCoarse)) - ns(coarse(page, kClockMonotonicCoarse)));
}

TEST(Timekeeper, AdjustSlewsAtBoundedRateUntilDone) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 0, 0);
  const int64_t delta = 10'000'000;  // +10 ms
  tk.adjust_realtime(delta);
  int64_t monotonic = 0;
  int64_t last_realtime = 0;
  int ticks = 0;
  const int64_t max_gain_per_tick =
      static_cast<int64_t>(kTickNs) * Timekeeper::kMaxSlewPpm / 1'000'000;
  while (tk.pending_adjustment_ns() != 0) {
    monotonic += kTickNs;
    tk.tick(monotonic);
    ++ticks;
    const int64_t realtime = ns(coarse(page, kClockRealtimeCoarse));
    const int64_t gained = (realtime - last_realtime) - static_cast<int64_t>(kTickNs);
    EXPECT_LE(gained, max_gain_per_tick);
    EXPECT_GT(realtime, last_realtime);
    last_realtime = realtime;
    ASSERT_LT(ticks, 100'000);
  }
  EXPECT_EQ(ns(coarse(page, kClockRealtimeCoarse)) - ns(coarse(page, kClockMonotonicCoarse)),
            delta);
  // 10 ms at 500 ppm takes 20 s of ticks; the rate is a whole mult, just
  // under 500 ppm, and the last tick finishes the remainder.
  EXPECT_GE(ticks, delta / max_gain_per_tick);
  EXPECT_LE(ticks, delta / max_gain_per_tick + 3);
}

TEST(Timekeeper, NegativeSlewNeverMovesRealtimeBack) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 0, 100 * kSecond);
  tk.adjust_realtime(-kSecond);
  int64_t last = ns(coarse(page, kClockRealtimeCoarse));
  for (int i = 1; i <= 1000; ++i) {
    tk.tick(i * static_cast<int64_t>(kTickNs));
    const int64_t now = ns(coarse(page, kClockRealtimeCoarse));
    EXPECT_GT(now, last);
    last = now;
  }
}

TEST(Timekeeper, SystemCallAnswersEqualThePage) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 3 * kSecond + 1, 7 * kSecond + 2);
  tk.tick(4 * kSecond + 9);
  for (int id : {kClockRealtimeCoarse, kClockMonotonicCoarse}) {
    Timespec from_call{}, res{};
    ASSERT_EQ(tk.clock_gettime(id, &from_call), 0);
    const Timespec from_page = coarse(page, id);
    EXPECT_EQ(from_call.sec, from_page.sec);
    EXPECT_EQ(from_call.nsec, from_page.nsec);
    ASSERT_EQ(tk.clock_getres(id, &res), 0);
    EXPECT_EQ(res.sec, 0);
    EXPECT_EQ(res.nsec, static_cast<int64_t>(kTickNs));
  }
  Timespec ts{};
  EXPECT_EQ(tk.clock_gettime(kClockMonotonic, &ts), -kEINVAL);
  EXPECT_EQ(tk.clock_getres(99, &ts), -kEINVAL);
}

TEST(Timekeeper, TimespecConversionFloorsNegativeTimes) {
  const Timespec t = vdso::timespec_from_ns(-1);
  EXPECT_EQ(t.sec, -1);
  EXPECT_EQ(t.nsec, 999'999'999);
  EXPECT_EQ(vdso::ns_from_timespec(t), -1);
  const Timespec u = vdso::timespec_from_ns(3 * kSecond + 5);
  EXPECT_EQ(u.sec, 3);
  EXPECT_EQ(u.nsec, 5);
}

// ---- A counter host: fine clocks from a synthetic counter the test drives.

uint64_t synthetic_counter = 0;
uint64_t read_synthetic_counter() {
  return synthetic_counter;
}

// About 3 GHz, with a mult whose products do not divide evenly, so every
// rounding of the arithmetic is exercised.
constexpr vdso::CounterCalibration kCalibration{(1u << 24) / 3, 24,
                                                vdso::abi::ClockMode::kUserCounter};
constexpr int kFineClocks[] = {kClockRealtime, kClockMonotonic, kClockMonotonicRaw, kClockBoottime,
                               kClockTai};

Timespec fine(const Timekeeper& tk, int clock_id) {
  Timespec ts{};
  EXPECT_EQ(tk.clock_gettime(clock_id, &ts), 0) << clock_id;
  return ts;
}

// The time Linux's formula gives, computed independently in 128 bits.
int64_t expected_ns(int64_t base_ns, uint64_t cycles) {
  return base_ns +
         static_cast<int64_t>((static_cast<unsigned __int128>(cycles) * kCalibration.mult) >>
                              kCalibration.shift);
}

TEST(TimekeeperCounter, EveryFineClockFollowsTheCounter) {
  static DataPage page{};
  synthetic_counter = 1'000'000;
  Timekeeper tk(page, kTickNs, kCalibration, synthetic_counter, 5 * kSecond, 1000 * kSecond,
                read_synthetic_counter);
  EXPECT_EQ(page.clock_mode, static_cast<uint32_t>(ClockMode::kUserCounter));
  EXPECT_EQ(page.counter_shift, kCalibration.shift);
  for (uint64_t step : {0ull, 1ull, 3ull, 12'000'000ull, 2'999'999'999ull}) {
    synthetic_counter = 1'000'000 + step;
    for (int id : {kClockMonotonic, kClockMonotonicRaw, kClockBoottime})
      EXPECT_EQ(ns(fine(tk, id)), expected_ns(5 * kSecond, step)) << id << " at " << step;
    for (int id : {kClockRealtime, kClockTai})
      EXPECT_EQ(ns(fine(tk, id)), expected_ns(1000 * kSecond, step)) << id << " at " << step;
  }
  // After ticks, the same clocks continue from the bases the ticks published.
  for (int i = 1; i <= 1000; ++i) {
    synthetic_counter = 1'000'000 + static_cast<uint64_t>(i) * 12'000'017;
    tk.tick_counter(synthetic_counter);
  }
  synthetic_counter += 777;
  const uint64_t elapsed = synthetic_counter - 1'000'000;
  // Accumulated tick by tick the sum may drop below one sub-nanosecond per
  // tick; it never gains.
  const int64_t monotonic = ns(fine(tk, kClockMonotonic));
  EXPECT_LE(monotonic, expected_ns(5 * kSecond, elapsed));
  EXPECT_GE(monotonic, expected_ns(5 * kSecond, elapsed) - 1);
  Timespec res{};
  for (int id : kFineClocks) {
    ASSERT_EQ(tk.clock_getres(id, &res), 0);
    EXPECT_EQ(res.sec, 0);
    EXPECT_EQ(res.nsec, 1);
  }
}

TEST(TimekeeperCounter, CoarseClocksAreTheFineOnesAtTheTick) {
  static DataPage page{};
  synthetic_counter = 0;
  Timekeeper tk(page, kTickNs, kCalibration, 0, 3 * kSecond, 9 * kSecond, read_synthetic_counter);
  for (int i = 1; i <= 300; ++i) {
    synthetic_counter += 12'345'679;
    tk.tick_counter(synthetic_counter);
    EXPECT_EQ(ns(coarse(page, kClockMonotonicCoarse)), ns(fine(tk, kClockMonotonic)));
    EXPECT_EQ(ns(coarse(page, kClockRealtimeCoarse)), ns(fine(tk, kClockRealtime)));
  }
}

// The property the clamp and the writer's arithmetic exist for: a read
// taken at any counter value between two updates never passes the next
// update's base, and reads never go back, whatever the slews (steps
// aside). The counter also lags cycle_last at times (another CPU's TSC).
TEST(TimekeeperCounter, FineReadsNeverGoBackAcrossUpdatesAndSlews) {
  static DataPage page{};
  std::mt19937_64 rng(7);
  uint64_t counter = 5'000'000'000;
  synthetic_counter = counter;
  Timekeeper tk(page, kTickNs, kCalibration, counter, kSecond, 1'600'000'000 * kSecond,
                read_synthetic_counter);
  int64_t last[kMaxClocks] = {};
  int clamped = 0, slewing_updates = 0;
  for (int update = 0; update < 20'000; ++update) {
    const uint64_t interval = 1 + rng() % 30'000'000;
    // Reads at rising counter values inside the interval, the last one just
    // before the update.
    uint64_t offsets[4] = {rng() % interval, rng() % interval, rng() % interval, interval - 1};
    std::sort(offsets, offsets + 3);
    for (int r = 0; r < 4; ++r) {
      synthetic_counter = counter + offsets[r];
      if (r == 0 && rng() % 4 == 0) {
        synthetic_counter = counter - rng() % 1000;  // behind cycle_last: the clamp
        ++clamped;
      }
      for (int id : kFineClocks) {
        const int64_t now = ns(fine(tk, id));
        ASSERT_GE(now, last[id]) << "clock " << id << ", update " << update;
        last[id] = now;
      }
    }
    if (rng() % 50 == 0)
      tk.adjust_realtime(static_cast<int64_t>(rng() % (20 * 1'000'000)) - 10'000'000);
    counter += interval;
    tk.tick_counter(counter);
    slewing_updates += page.fine[kClockRealtime].mult != page.fine[kClockMonotonic].mult;
    // The update's base is at or after every read before it.
    synthetic_counter = counter;
    for (int id : kFineClocks)
      ASSERT_GE(ns(fine(tk, id)), last[id]) << "clock " << id << ", update " << update;
    // MONOTONIC_RAW never slews: its rate is the calibration's.
    ASSERT_EQ(page.fine[kClockMonotonicRaw].mult, kCalibration.mult);
  }
  EXPECT_GT(clamped, 1000);
  EXPECT_GT(slewing_updates, 1000) << "the test never slewed";
}

TEST(TimekeeperCounter, ClampHoldsABehindReadingAtTheBase) {
  static DataPage page{};
  synthetic_counter = 1'000'000'000;
  Timekeeper tk(page, kTickNs, kCalibration, synthetic_counter, 2 * kSecond, 4 * kSecond,
                read_synthetic_counter);
  for (uint64_t behind : {1ull, 1000ull, 999'999'999ull}) {
    synthetic_counter = 1'000'000'000 - behind;
    EXPECT_EQ(ns(fine(tk, kClockMonotonic)), 2 * kSecond);
    EXPECT_EQ(ns(fine(tk, kClockRealtime)), 4 * kSecond);
  }
  // A tick whose counter went back holds the clocks as well.
  tk.tick_counter(10);
  synthetic_counter = 1'000'000'000;
  EXPECT_EQ(ns(fine(tk, kClockMonotonic)), 2 * kSecond);
  EXPECT_EQ(page.cycle_last, 1'000'000'000u);
}

TEST(TimekeeperCounter, StepsMoveRealtimeAndTaiOnly) {
  static DataPage page{};
  synthetic_counter = 0;
  Timekeeper tk(page, kTickNs, kCalibration, 0, 100 * kSecond, 5000 * kSecond,
                read_synthetic_counter);
  synthetic_counter = 3'000'000'000;  // one second later
  const int64_t monotonic_now = ns(fine(tk, kClockMonotonic));
  tk.set_realtime(42 * kSecond, monotonic_now);  // back by ~5000 s
  EXPECT_EQ(ns(fine(tk, kClockRealtime)), 42 * kSecond);
  EXPECT_EQ(ns(fine(tk, kClockTai)), 42 * kSecond);
  EXPECT_EQ(ns(fine(tk, kClockMonotonic)), monotonic_now);
  EXPECT_EQ(ns(fine(tk, kClockMonotonicRaw)), monotonic_now);
}

TEST(TimekeeperCounter, SlewIsARateAndCompletes) {
  static DataPage page{};
  synthetic_counter = 0;
  Timekeeper tk(page, kTickNs, kCalibration, 0, 0, 0, read_synthetic_counter);
  tk.adjust_realtime(-3'000'000);               // -3 ms: REALTIME runs slow, never back
  const uint64_t cycles_per_tick = 12'000'000;  // 4 ms at 3 GHz
  int ticks = 0;
  int64_t last_realtime = 0;
  while (tk.pending_adjustment_ns() != 0) {
    synthetic_counter += cycles_per_tick;
    tk.tick_counter(synthetic_counter);
    ASSERT_LT(++ticks, 100'000);
    const uint32_t realtime_mult = page.fine[kClockRealtime].mult;
    EXPECT_LE(realtime_mult, kCalibration.mult);
    EXPECT_GE(int64_t{realtime_mult}, int64_t{kCalibration.mult} - int64_t{kCalibration.mult} *
                                                                       Timekeeper::kMaxSlewPpm /
                                                                       1'000'000);
    const int64_t realtime = ns(fine(tk, kClockRealtime));
    EXPECT_GT(realtime, last_realtime);
    last_realtime = realtime;
  }
  EXPECT_EQ(ns(fine(tk, kClockRealtime)) - ns(fine(tk, kClockMonotonic)), -3'000'000);
  // 3 ms at (just under) 500 ppm of 4 ms ticks: about 1500 ticks.
  EXPECT_GE(ticks, 1500);
  EXPECT_LE(ticks, 1510);
  EXPECT_EQ(page.fine[kClockRealtime].mult, kCalibration.mult);
}

TEST(TimekeeperCounter, AGapLongerThanOneStepIsAccumulatedWhole) {
  static DataPage page{};
  synthetic_counter = 0;
  Timekeeper tk(page, kTickNs, kCalibration, 0, 0, 0, read_synthetic_counter);
  // About 8 hours at 3 GHz: (cycles * mult) overflows 64 bits many times.
  const uint64_t gap = 86'400'000'000'000ull;
  tk.tick_counter(gap);
  const int64_t monotonic = ns(coarse(page, kClockMonotonicCoarse));
  EXPECT_LE(monotonic, expected_ns(0, gap));
  EXPECT_GE(monotonic, expected_ns(0, gap) - 100);
}

TEST(TimekeeperCounter, RecalibrationKeepsTimeContinuous) {
  static DataPage page{};
  synthetic_counter = 0;
  Timekeeper tk(page, kTickNs, kCalibration, 0, kSecond, kSecond, read_synthetic_counter);
  synthetic_counter = 300'000'000;
  const int64_t before = ns(fine(tk, kClockMonotonic));
  tk.recalibrate({1u << 20, 20, ClockMode::kNone}, synthetic_counter);
  EXPECT_EQ(ns(fine(tk, kClockMonotonic)), before);
  EXPECT_EQ(page.clock_mode, static_cast<uint32_t>(ClockMode::kNone));
  // 1 cycle = 1 ns now; the kernel still reads its counter in mode kNone.
  synthetic_counter += 1000;
  EXPECT_EQ(ns(fine(tk, kClockMonotonic)), before + 1000);
}

TEST(TimekeeperCounter, ANanosecondHostServesNoFineClock) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, kSecond, kSecond);
  EXPECT_EQ(page.clock_mode, static_cast<uint32_t>(ClockMode::kNone));
  Timespec ts{};
  for (int id : kFineClocks) {
    EXPECT_EQ(tk.clock_gettime(id, &ts), -kEINVAL);
    EXPECT_EQ(tk.clock_getres(id, &ts), -kEINVAL);
  }
}

TEST(Timekeeper, PublishesTheConfigurationUnderTheSeqcount) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 0, 0);
  EXPECT_EQ(page.system.present, 0u);
  const uint32_t seq = page.seq;
  SystemInfo info{};
  info.cpus_configured = 4;
  info.cpus_online = 3;
  info.page_size = 4096;
  info.physical_memory_bytes = 1ull << 33;
  info.boot_time = {1'700'000'000, 5};
  std::memcpy(info.uts.sysname, "Linux", 6);
  std::memcpy(info.uts.machine, "x86_64", 7);
  tk.publish_system_info(info);
  EXPECT_EQ(page.seq, seq + 2);
  EXPECT_EQ(page.system.present, 1u);
  EXPECT_EQ(page.system.cpus_configured, 4u);
  EXPECT_EQ(page.system.cpus_online, 3u);
  EXPECT_EQ(page.system.physical_memory_bytes, 1ull << 33);
  EXPECT_EQ(page.system.boot_time.nsec, 5);
  EXPECT_STREQ(page.system.uts.sysname, "Linux");
  EXPECT_STREQ(page.system.uts.machine, "x86_64");
  tk.set_getcpu_mode(GetcpuMode::kRdpid);
  EXPECT_EQ(page.getcpu_mode, static_cast<uint32_t>(GetcpuMode::kRdpid));
  tk.set_timezone({-60, 1});
  EXPECT_EQ(page.timezone.minuteswest, -60);
  EXPECT_EQ(page.timezone.dsttime, 1);
  EXPECT_EQ(page.seq % 2, 0u);
}

}  // namespace
