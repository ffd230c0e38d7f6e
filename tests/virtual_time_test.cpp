// Virtual time: the one transform (abi::to_virtual and its inverse
// abi::to_host), the timekeeper publishing the coarse clocks through it,
// the image transforming a chained fine clock with it, and vdso-run's
// option parsers.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "mapped_vdso.h"
#include "time_values.h"
#include "timekeeper.h"

namespace {

using namespace vdso::abi;
using vdso::ns_from_timespec;
using vdso::timespec_from_ns;

constexpr int64_t kSecond = kNanosecondsPerSecond;
constexpr uint64_t kRateOne = uint64_t{1} << kVirtualRateShift;

// Every moved clock: host base `host`, virtual base `virt`, at `rate_mult`.
VirtualTime make(int64_t host, Timespec virt, uint64_t rate_mult) {
  VirtualTime vt{};
  vt.mode = static_cast<uint32_t>(VirtualTimeMode::kOn);
  vt.rate_mult = rate_mult;
  for (uint32_t id = 0; id < kFineClockSlots; ++id)
    vt.clocks[id] = make_virtual_clock(host, virt);
  return vt;
}

TEST(VirtualTime, LayoutVersion3CarriesTheTransform) {
  EXPECT_EQ(offsetof(DataPage, virtual_time), 824u);
  EXPECT_EQ(offsetof(VirtualClock, offset), 24u);
  EXPECT_EQ(static_cast<uint32_t>(VirtualTimeMode::kOn) >> 16, kLayoutVersion);
  // A zeroed page (a host that never turned it on) has virtual time off.
  static DataPage page{};
  EXPECT_FALSE(virtual_time_on(page));
}

TEST(VirtualTime, MovesTheRealtimeAndMonotonicFamiliesNotCpuTime) {
  for (int id :
       {kClockRealtime, kClockMonotonic, kClockMonotonicRaw, kClockRealtimeCoarse,
        kClockMonotonicCoarse, kClockBoottime, kClockRealtimeAlarm, kClockBoottimeAlarm, kClockTai})
    EXPECT_TRUE(virtual_time_moves(id)) << id;
  for (int id : {kClockProcessCputimeId, kClockThreadCputimeId, 10, 12, -1, -6})
    EXPECT_FALSE(virtual_time_moves(id)) << id;
}

TEST(VirtualTime, RateOneShiftsByTheBases) {
  const VirtualTime vt = make(100 * kSecond, {2'147'483'647, 500}, kRateOne);
  const Timespec v = to_virtual(vt, kClockRealtime, timespec_from_ns(101 * kSecond + 999'999'600));
  EXPECT_EQ(v.sec, 2'147'483'649);
  EXPECT_EQ(v.nsec, 100);
}

TEST(VirtualTime, RateOneIsTheBasesOffset) {
  // The fast path: the virtual base plus the host time since the host base,
  // exactly, in 128-bit arithmetic as the reference.
  for (int64_t host :
       {int64_t{0}, int64_t{999'999'999}, 5 * kSecond + 1, 1'700'000'000 * kSecond}) {
    for (Timespec base : {Timespec{0, 0}, Timespec{2'147'483'647, 999'999'999}, Timespec{5, 1}}) {
      const VirtualTime one = make(host, base, kRateOne);
      for (int64_t later : {int64_t{0}, int64_t{1}, 999'999'999 + int64_t{2}, 86'400 * kSecond}) {
        const Timespec v = to_virtual(one, kClockRealtime, timespec_from_ns(host + later));
        ASSERT_GE(v.nsec, 0);
        ASSERT_LT(v.nsec, kSecond);
        const __int128 expected = static_cast<__int128>(base.sec) * kSecond + base.nsec + later;
        EXPECT_EQ(static_cast<__int128>(v.sec) * kSecond + v.nsec, expected)
            << host << " " << later;
      }
    }
  }
}

TEST(VirtualTime, RateScalesTheElapsedTime) {
  const VirtualTime vt = make(10 * kSecond, {1000, 0}, 10 * kRateOne);
  const Timespec v = to_virtual(vt, kClockMonotonic, timespec_from_ns(11 * kSecond + 500'000'000));
  EXPECT_EQ(v.sec, 1015);
  EXPECT_EQ(v.nsec, 0);
  // Half speed.
  const VirtualTime slow = make(10 * kSecond, {1000, 0}, kRateOne / 2);
  EXPECT_EQ(ns_from_timespec(to_virtual(slow, kClockMonotonic, timespec_from_ns(13 * kSecond))),
            1001 * kSecond + 500'000'000);
}

TEST(VirtualTime, FreezeStandsStill) {
  const VirtualTime vt = make(10 * kSecond, {946'684'800, 0}, 0);
  for (int64_t host : {10 * kSecond, 11 * kSecond, 1000 * kSecond}) {
    const Timespec v = to_virtual(vt, kClockRealtime, timespec_from_ns(host));
    EXPECT_EQ(v.sec, 946'684'800);
    EXPECT_EQ(v.nsec, 0);
  }
}

TEST(VirtualTime, AHostTimeBeforeTheBaseNormalises) {
  // REALTIME's host clock may be stepped back below its base.
  const VirtualTime vt = make(10 * kSecond, {1000, 100}, kRateOne);
  const Timespec v = to_virtual(vt, kClockRealtime, timespec_from_ns(10 * kSecond - 300));
  EXPECT_EQ(v.sec, 999);
  EXPECT_EQ(v.nsec, kSecond - 200);
}

TEST(VirtualTime, NeverGoesBackAtAnAwkwardRate) {
  // 1/3 and 7/3: the floor of every scaled step is monotonic.
  for (uint64_t mult : {kRateOne / 3, kRateOne * 7 / 3}) {
    const VirtualTime vt = make(123'456'789, {5, 999'999'999}, mult);
    int64_t last = INT64_MIN;
    for (int64_t host = 123'456'789; host < 123'456'789 + 20'000; host += 7) {
      const int64_t v = ns_from_timespec(to_virtual(vt, kClockMonotonic, timespec_from_ns(host)));
      ASSERT_GE(v, last) << host;
      last = v;
    }
  }
}

TEST(VirtualTime, ToHostIsTheEarliestHostTimeThatReachesTheDeadline) {
  for (uint64_t mult : {kRateOne, 10 * kRateOne, kRateOne / 3, kRateOne * 7 / 3}) {
    const VirtualTime vt = make(50 * kSecond, {2'000'000'000, 0}, mult);
    for (int64_t ahead : {int64_t{0}, int64_t{1}, int64_t{999}, 5 * kSecond + 17, -3 * kSecond}) {
      const Timespec deadline = timespec_from_ns(2'000'000'000 * kSecond + ahead);
      int64_t host = 0;
      ASSERT_TRUE(to_host(vt, kClockRealtime, deadline, &host));
      const auto at = [&](int64_t h) {
        return ns_from_timespec(to_virtual(vt, kClockRealtime, timespec_from_ns(h)));
      };
      EXPECT_GE(at(host), ns_from_timespec(deadline)) << mult << " " << ahead;
      EXPECT_LT(at(host - 1), ns_from_timespec(deadline)) << mult << " " << ahead;
    }
  }
}

TEST(VirtualTime, AFrozenClockReachesOnlyThePast) {
  const VirtualTime vt = make(50 * kSecond, {1000, 0}, 0);
  int64_t host = -1;
  EXPECT_FALSE(to_host(vt, kClockRealtime, {1000, 1}, &host));
  EXPECT_EQ(host, -1);
  EXPECT_TRUE(to_host(vt, kClockRealtime, {1000, 0}, &host));
  EXPECT_EQ(host, 50 * kSecond);
}

TEST(VirtualTime, TheTimekeeperPublishesTheCoarseClocksVirtual) {
  static DataPage page{};
  const int64_t realtime = 1'700'000'000 * kSecond;
  vdso::Timekeeper tk(page, 4'000'000, 100 * kSecond, realtime);
  VirtualTime vt = make(100 * kSecond, {100, 0}, 10 * kRateOne);
  vt.clocks[kClockRealtimeCoarse] = make_virtual_clock(realtime, {2'000'000'000, 0});
  tk.set_virtual_time(vt);
  EXPECT_TRUE(virtual_time_on(page));
  tk.tick(101 * kSecond);
  Timespec ts{};
  ASSERT_EQ(tk.clock_gettime(kClockMonotonicCoarse, &ts), 0);
  EXPECT_EQ(ns_from_timespec(ts), 110 * kSecond);
  ASSERT_EQ(tk.clock_gettime(kClockRealtimeCoarse, &ts), 0);
  EXPECT_EQ(ns_from_timespec(ts), 2'000'000'010 * kSecond);
  // What a host compares with its own clock stays in host time.
  EXPECT_EQ(tk.realtime_offset_ns(), realtime - 100 * kSecond);
}

// A host vDSO stand-in: a fixed reading, so the transform is visible.
int fixed_host_clock(int, Timespec* ts) {
  *ts = timespec_from_ns(200 * kSecond + 250'000'000);
  return 0;
}
int fixed_host_gettimeofday(Timeval* tv, Timezone* tz) {
  if (tv != nullptr)
    *tv = {200, 250'000};
  if (tz != nullptr)
    *tz = {-60, 0};
  return 0;
}

TEST(VirtualTime, TheImageTransformsAChainedFineClock) {
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  vdso::Timekeeper tk(vdso->data_page(), 4'000'000, 100 * kSecond, 1'700'000'000 * kSecond);
  auto& chain = vdso->chain_page();
  chain.clock_gettime = reinterpret_cast<uint64_t>(&fixed_host_clock);
  chain.gettimeofday = reinterpret_cast<uint64_t>(&fixed_host_gettimeofday);
  const auto gettime = vdso->function<vdso::testing::ClockGettimeFn>("__vdso_clock_gettime");
  const auto gettimeofday = vdso->function<vdso::testing::GettimeofdayFn>("__vdso_gettimeofday");
  ASSERT_TRUE(gettime && gettimeofday);
  Timespec ts{};
  // Off: the host's reading as it is.
  ASSERT_EQ(gettime(kClockRealtime, &ts), 0);
  EXPECT_EQ(ns_from_timespec(ts), 200 * kSecond + 250'000'000);

  tk.set_virtual_time(make(200 * kSecond, {3000, 0}, 4 * kRateOne));
  for (int id : {kClockRealtime, kClockMonotonic, kClockMonotonicRaw, kClockBoottime, kClockTai}) {
    ASSERT_EQ(gettime(id, &ts), 0) << id;
    EXPECT_EQ(ns_from_timespec(ts), 3001 * kSecond) << id;
  }
  Timeval tv{};
  Timezone tz{};
  ASSERT_EQ(gettimeofday(&tv, &tz), 0);
  EXPECT_EQ(tv.sec, 3001);
  EXPECT_EQ(tv.usec, 0);
  EXPECT_EQ(tz.minuteswest, -60);
  // The CPU-time clocks are not moved.
  ASSERT_EQ(gettime(kClockProcessCputimeId, &ts), 0);
  EXPECT_EQ(ns_from_timespec(ts), 200 * kSecond + 250'000'000);
}

// ---- vdso-run's option parsers ---------------------------------------------

TEST(VirtualTimeOptions, Times) {
  int64_t sec = -1, nsec = -1;
  ASSERT_TRUE(vdso::run::parse_time("2038-01-19T03:14:07Z", &sec, &nsec));
  EXPECT_EQ(sec, 2'147'483'647);
  EXPECT_EQ(nsec, 0);
  ASSERT_TRUE(vdso::run::parse_time("2038-01-19T04:14:07.25+01:00", &sec, &nsec));
  EXPECT_EQ(sec, 2'147'483'647);
  EXPECT_EQ(nsec, 250'000'000);
  ASSERT_TRUE(vdso::run::parse_time("2000-02-29", &sec, &nsec));
  EXPECT_EQ(sec, 951'782'400);
  ASSERT_TRUE(vdso::run::parse_time("@1234567890.5", &sec, &nsec));
  EXPECT_EQ(sec, 1'234'567'890);
  EXPECT_EQ(nsec, 500'000'000);
  ASSERT_TRUE(vdso::run::parse_time("1969-12-31T23:59:59Z", &sec, &nsec));
  EXPECT_EQ(sec, -1);  // parsed; the caller rejects a start before 1970
  for (const char* bad :
       {"", "@", "@1x", "2038-13-01", "2001-02-29", "2038-01-19T24:00:00Z", "2038-01-19T03:14:07Q",
        "38-01-19", "tomorrow", "2038-01-19T03:14:07.0000000001Z"})
    EXPECT_FALSE(vdso::run::parse_time(bad, &sec, &nsec)) << bad;
}

TEST(VirtualTimeOptions, Durations) {
  int64_t ns = 0;
  ASSERT_TRUE(vdso::run::parse_duration("+3d", &ns));
  EXPECT_EQ(ns, 3 * 86400 * kSecond);
  ASSERT_TRUE(vdso::run::parse_duration("-1h30m", &ns));
  EXPECT_EQ(ns, -5400 * kSecond);
  ASSERT_TRUE(vdso::run::parse_duration("+90s", &ns));
  EXPECT_EQ(ns, 90 * kSecond);
  ASSERT_TRUE(vdso::run::parse_duration("1.5s250ms", &ns));
  EXPECT_EQ(ns, 1'750'000'000);
  for (const char* bad : {"", "+", "3", "+3x", "1e3s", "--1s", "999999999999999999d"})
    EXPECT_FALSE(vdso::run::parse_duration(bad, &ns)) << bad;
}

TEST(VirtualTimeOptions, Rates) {
  uint64_t mult = 0;
  ASSERT_TRUE(vdso::run::parse_rate("10", &mult));
  EXPECT_EQ(mult, 10 * kRateOne);
  ASSERT_TRUE(vdso::run::parse_rate("0.5", &mult));
  EXPECT_EQ(mult, kRateOne / 2);
  for (const char* bad : {"", "0", "0.0", "-1", "1e2", "inf", "nan", "1001", "1.2.3", "0x10"})
    EXPECT_FALSE(vdso::run::parse_rate(bad, &mult)) << bad;
}

}  // namespace
