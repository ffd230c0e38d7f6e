// The timekeeper: what it publishes, MONOTONIC never backwards whatever
// REALTIME or the host clock does, steps and slews of REALTIME, and the
// system-call answers agreeing with the page.
#include "timekeeper.h"

#include <gtest/gtest.h>

#include <random>

namespace {

using vdso::Timekeeper;
using namespace vdso::abi;

constexpr uint64_t kTickNs = 4'000'000;  // 250 Hz
constexpr int64_t kSecond = 1'000'000'000;

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

TEST(Timekeeper, AdjustSlewsAtBoundedRateUntilDone) {
  static DataPage page{};
  Timekeeper tk(page, kTickNs, 0, 0);
  const int64_t delta = 10'000'000;  // +10 ms
  tk.adjust_realtime(delta);
  int64_t monotonic = 0;
  int64_t last_realtime = 0;
  int ticks = 0;
  while (tk.pending_adjustment_ns() != 0) {
    monotonic += kTickNs;
    tk.tick(monotonic);
    ++ticks;
    const int64_t realtime = ns(coarse(page, kClockRealtimeCoarse));
    const int64_t gained = (realtime - last_realtime) - static_cast<int64_t>(kTickNs);
    EXPECT_LE(gained, static_cast<int64_t>(kTickNs) * Timekeeper::kMaxSlewPpm / 1'000'000);
    EXPECT_GT(realtime, last_realtime);
    last_realtime = realtime;
    ASSERT_LT(ticks, 100'000);
  }
  EXPECT_EQ(ns(coarse(page, kClockRealtimeCoarse)) - ns(coarse(page, kClockMonotonicCoarse)),
            delta);
  // 10 ms at 500 ppm takes 20 s of ticks.
  EXPECT_EQ(ticks, 20 * 250);
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

}  // namespace
