// The image mapped in-process at its real layout (chain page, data page,
// image), its functions found with our resolver and called: the coarse
// clocks equal the timekeeper's, everything else agrees with the kernel.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mapped_vdso.h"
#include "timekeeper.h"

namespace {

using namespace vdso::abi;
using vdso::testing::ClockGetresFn;
using vdso::testing::ClockGettimeFn;
using vdso::testing::GettimeofdayFn;
using vdso::testing::MappedVdso;
using vdso::testing::TimeFn;

int64_t ns(const Timespec& ts) {
  return ts.sec * kNanosecondsPerSecond + ts.nsec;
}

Timespec syscall_clock(int id) {
  Timespec ts{};
  const long rc = syscall(SYS_clock_gettime, id, &ts);
  EXPECT_EQ(rc, 0) << "clock " << id;
  return ts;
}

int64_t host_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return ts.tv_sec * kNanosecondsPerSecond + ts.tv_nsec;
}

class MappedVdsoTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    vdso_ = MappedVdso::map_embedded();
    timekeeper_ = std::make_unique<vdso::Timekeeper>(
        vdso_->data_page(), 4'000'000, host_ns(CLOCK_MONOTONIC), host_ns(CLOCK_REALTIME));
    // With the parameter set, chain to this process's own host vDSO, as
    // vdso-run does; without it, the image makes the system call.
    if (GetParam()) {
      auto& chain = vdso_->chain_page();
      chain.clock_gettime =
          reinterpret_cast<uint64_t>(vdso::testing::host_vdso_symbol("__vdso_clock_gettime"));
      chain.gettimeofday =
          reinterpret_cast<uint64_t>(vdso::testing::host_vdso_symbol("__vdso_gettimeofday"));
      chain.clock_getres =
          reinterpret_cast<uint64_t>(vdso::testing::host_vdso_symbol("__vdso_clock_getres"));
      if (chain.clock_gettime == 0)
        GTEST_SKIP() << "no host vDSO to chain to";
    }
    gettime_ = vdso_->function<ClockGettimeFn>("__vdso_clock_gettime");
    getres_ = vdso_->function<ClockGetresFn>("__vdso_clock_getres");
    gettimeofday_ = vdso_->function<GettimeofdayFn>("__vdso_gettimeofday");
    time_ = vdso_->function<TimeFn>("__vdso_time");
    ASSERT_TRUE(gettime_ && getres_ && gettimeofday_ && time_);
  }

  std::unique_ptr<MappedVdso> vdso_;
  std::unique_ptr<vdso::Timekeeper> timekeeper_;
  ClockGettimeFn gettime_ = nullptr;
  ClockGetresFn getres_ = nullptr;
  GettimeofdayFn gettimeofday_ = nullptr;
  TimeFn time_ = nullptr;
};

TEST_P(MappedVdsoTest, CoarseClocksEqualTheTimekeeper) {
  for (int i = 0; i < 50; ++i) {
    timekeeper_->tick(host_ns(CLOCK_MONOTONIC));
    for (int id : {kClockRealtimeCoarse, kClockMonotonicCoarse}) {
      Timespec from_image{}, from_timekeeper{};
      ASSERT_EQ(gettime_(id, &from_image), 0);
      ASSERT_EQ(timekeeper_->clock_gettime(id, &from_timekeeper), 0);
      EXPECT_EQ(from_image.sec, from_timekeeper.sec);
      EXPECT_EQ(from_image.nsec, from_timekeeper.nsec);
    }
  }
}

TEST_P(MappedVdsoTest, CoarseClocksMakeNoSystemCallAndFollowTheTicks) {
  // Ticks in the future of the host clock, so the values are the test's.
  const int64_t t0 = host_ns(CLOCK_MONOTONIC) + 10 * kNanosecondsPerSecond;
  timekeeper_->tick(t0);
  Timespec ts{};
  ASSERT_EQ(gettime_(kClockMonotonicCoarse, &ts), 0);
  EXPECT_EQ(ns(ts), t0);
  ASSERT_EQ(gettime_(kClockMonotonicCoarse, &ts), 0);
  EXPECT_EQ(ns(ts), t0) << "coarse time moved without a tick";
  timekeeper_->tick(t0 + 4'000'000);
  ASSERT_EQ(gettime_(kClockMonotonicCoarse, &ts), 0);
  EXPECT_EQ(ns(ts), t0 + 4'000'000);
}

TEST_P(MappedVdsoTest, TimeIsTheCoarseRealtimeSeconds) {
  timekeeper_->set_realtime(1'234'567'890 * kNanosecondsPerSecond + 999'999'999,
                            host_ns(CLOCK_MONOTONIC));
  Timespec coarse{};
  ASSERT_EQ(gettime_(kClockRealtimeCoarse, &coarse), 0);
  int64_t stored = 0;
  EXPECT_EQ(time_(&stored), coarse.sec);
  EXPECT_EQ(stored, coarse.sec);
  EXPECT_EQ(time_(nullptr), coarse.sec);
}

TEST_P(MappedVdsoTest, ResolutionOfCoarseClocksIsTheTick) {
  for (int id : {kClockRealtimeCoarse, kClockMonotonicCoarse}) {
    Timespec res{};
    ASSERT_EQ(getres_(id, &res), 0);
    EXPECT_EQ(res.sec, 0);
    EXPECT_EQ(res.nsec, 4'000'000);
    EXPECT_EQ(getres_(id, nullptr), 0);
  }
}

TEST_P(MappedVdsoTest, FallbackClocksLieBetweenTwoSystemCalls) {
  for (int id : {kClockRealtime, kClockMonotonic, kClockMonotonicRaw, kClockBoottime, kClockTai}) {
    for (int i = 0; i < 100; ++i) {
      const Timespec before = syscall_clock(id);
      Timespec via_image{};
      ASSERT_EQ(gettime_(id, &via_image), 0) << id;
      const Timespec after = syscall_clock(id);
      EXPECT_LE(ns(before), ns(via_image)) << "clock " << id;
      EXPECT_LE(ns(via_image), ns(after)) << "clock " << id;
    }
  }
}

TEST_P(MappedVdsoTest, CpuClocksAreServed) {
  for (int id : {kClockProcessCputimeId, kClockThreadCputimeId}) {
    Timespec ts{};
    EXPECT_EQ(gettime_(id, &ts), 0) << id;
    EXPECT_GE(ns(ts), 0);
  }
}

// Every id the page does not serve gets what the program would get without
// our image: the system call's answer, or with a chain, the host vDSO's
// (the two can differ: Linux 6.17+ vDSOs accept the auxiliary clock ids).
TEST_P(MappedVdsoTest, OtherIdsAnswerLikeTheFallbackTheyReplace) {
  const auto& chain = vdso_->chain_page();
  const auto reference_gettime = [&](int id, Timespec* ts) -> int {
    if (chain.clock_gettime != 0)
      return reinterpret_cast<ClockGettimeFn>(chain.clock_gettime)(id, ts);
    return syscall(SYS_clock_gettime, id, ts) == 0 ? 0 : -errno;
  };
  const auto reference_getres = [&](int id, Timespec* ts) -> int {
    if (chain.clock_getres != 0)
      return reinterpret_cast<ClockGetresFn>(chain.clock_getres)(id, ts);
    return syscall(SYS_clock_getres, id, ts) == 0 ? 0 : -errno;
  };
  for (int id = -20; id < 40; ++id) {
    if (page_serves(id))
      continue;
    Timespec a{}, b{};
    EXPECT_EQ(gettime_(id, &a), reference_gettime(id, &b)) << "clock_gettime, clock " << id;
    EXPECT_EQ(getres_(id, &a), reference_getres(id, &b)) << "clock_getres, clock " << id;
  }
  // Far outside every range Linux defines.
  Timespec ts{};
  EXPECT_EQ(gettime_(1000, &ts), -kEINVAL);
  EXPECT_EQ(gettime_(0x7fffffff, &ts), -kEINVAL);
}

TEST_P(MappedVdsoTest, GettimeofdayAgreesWithTheKernel) {
  for (int i = 0; i < 100; ++i) {
    const int64_t before_us = ns(syscall_clock(kClockRealtime)) / 1000;
    Timeval tv{};
    ASSERT_EQ(gettimeofday_(&tv, nullptr), 0);
    const int64_t after_us = ns(syscall_clock(kClockRealtime)) / 1000;
    const int64_t got_us = tv.sec * 1'000'000 + tv.usec;
    EXPECT_LE(before_us, got_us);
    EXPECT_LE(got_us, after_us);
  }
}

INSTANTIATE_TEST_SUITE_P(Fallback, MappedVdsoTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "ChainedToHostVdso" : "SystemCall";
                         });

}  // namespace
