// The image mapped in-process at its real layout (chain page, data page,
// image), its functions found with our resolver and called: the coarse
// clocks equal the timekeeper's; on a nanosecond host's page (clock mode
// none) everything else agrees with the kernel; on a page in clock mode TSC
// whose calibration and ticks the test controls, the fine clocks come from
// the TSC and obey the timekeeper's rules.
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "mapped_vdso.h"
#include "timekeeper.h"
#include "vdso/arch/counter.h"
#include "vdso/arch/x86_64/cpu_features.h"
#include "vdso/elf/host_vdso_image.h"
#include "vdso/elf/loaded_image.h"

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
          reinterpret_cast<uint64_t>(vdso::elf::host_vdso_image().symbol("__vdso_clock_gettime"));
      chain.gettimeofday =
          reinterpret_cast<uint64_t>(vdso::elf::host_vdso_image().symbol("__vdso_gettimeofday"));
      chain.clock_getres =
          reinterpret_cast<uint64_t>(vdso::elf::host_vdso_image().symbol("__vdso_clock_getres"));
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
    if (page_serves_coarse(id))
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

// ---- Fine clocks: the image reading the real TSC on a page the test
// controls (its calibration, its ticks, its steps and slews).

// Any calibration serves: the test compares the image with the timekeeper
// reading the same TSC through the same page. About 3 GHz.
constexpr vdso::CounterCalibration kTscLike{(1u << 24) / 3, 24, ClockMode::kUserCounter};
constexpr int kFineClocks[] = {kClockRealtime, kClockMonotonic, kClockMonotonicRaw, kClockBoottime,
                               kClockTai};

uint64_t read_tsc() {
  return vdso::arch::read_counter();
}

// A chain target that records that the image took the fallback.
int fallback_calls = 0;
int counting_fallback(int, Timespec* ts) {
  ++fallback_calls;
  ts->sec = -1;
  ts->nsec = 0;
  return 0;
}
int counting_gettimeofday(Timeval* tv, Timezone*) {
  ++fallback_calls;
  tv->sec = -1;
  return 0;
}

class MappedFineClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vdso_ = MappedVdso::map_embedded();
    timekeeper_ = std::make_unique<vdso::Timekeeper>(
        vdso_->data_page(), 4'000'000, kTscLike, read_tsc(), 100 * kNanosecondsPerSecond,
        1'700'000'000 * kNanosecondsPerSecond, read_tsc);
    auto& chain = vdso_->chain_page();
    chain.clock_gettime = reinterpret_cast<uint64_t>(&counting_fallback);
    chain.clock_getres = reinterpret_cast<uint64_t>(&counting_fallback);
    chain.gettimeofday = reinterpret_cast<uint64_t>(&counting_gettimeofday);
    fallback_calls = 0;
    gettime_ = vdso_->function<ClockGettimeFn>("__vdso_clock_gettime");
    getres_ = vdso_->function<ClockGetresFn>("__vdso_clock_getres");
    gettimeofday_ = vdso_->function<GettimeofdayFn>("__vdso_gettimeofday");
    ASSERT_TRUE(gettime_ && getres_ && gettimeofday_);
  }

  int64_t image_ns(int id) {
    Timespec ts{};
    EXPECT_EQ(gettime_(id, &ts), 0) << id;
    EXPECT_GE(ts.nsec, 0);
    EXPECT_LT(ts.nsec, kNanosecondsPerSecond);
    return ns(ts);
  }
  // REALTIME - MONOTONIC at the page's last update. Both bases are at the
  // same cycle_last, so no read timing enters: two image reads a scheduler
  // hiccup apart can differ by more than a short slew moves the offset.
  int64_t page_offset_ns() const {
    const DataPage& page = vdso_->data_page();
    auto base_ns = [&](int id) {
      const vdso::abi::FineBase& base = page.fine[id];
      return base.sec * kNanosecondsPerSecond +
             static_cast<int64_t>(base.snsec >> page.counter_shift);
    };
    return base_ns(kClockRealtime) - base_ns(kClockMonotonic);
  }
  int64_t timekeeper_ns(int id) {
    Timespec ts{};
    EXPECT_EQ(timekeeper_->clock_gettime(id, &ts), 0) << id;
    return ns(ts);
  }

  std::unique_ptr<MappedVdso> vdso_;
  std::unique_ptr<vdso::Timekeeper> timekeeper_;
  ClockGettimeFn gettime_ = nullptr;
  ClockGetresFn getres_ = nullptr;
  GettimeofdayFn gettimeofday_ = nullptr;
};

TEST_F(MappedFineClockTest, EveryFineClockLiesBetweenTwoKernelReads) {
  for (int i = 0; i < 2000; ++i) {
    if (i % 10 == 0)
      timekeeper_->tick_counter(read_tsc());
    for (int id : kFineClocks) {
      const int64_t before = timekeeper_ns(id);
      const int64_t via_image = image_ns(id);
      const int64_t after = timekeeper_ns(id);
      ASSERT_LE(before, via_image) << "clock " << id;
      ASSERT_LE(via_image, after) << "clock " << id;
    }
    const int64_t before_us = timekeeper_ns(kClockRealtime) / 1000;
    Timeval tv{};
    ASSERT_EQ(gettimeofday_(&tv, nullptr), 0);
    const int64_t after_us = timekeeper_ns(kClockRealtime) / 1000;
    ASSERT_LE(before_us, tv.sec * 1'000'000 + tv.usec);
    ASSERT_LE(tv.sec * 1'000'000 + tv.usec, after_us);
  }
  EXPECT_EQ(fallback_calls, 0) << "a fine clock took the fallback in mode kUserCounter";
}

TEST_F(MappedFineClockTest, FineClocksAdvanceBetweenTicks) {
  timekeeper_->tick_counter(read_tsc());
  const int64_t first = image_ns(kClockMonotonic);
  int64_t later = first;
  for (int i = 0; i < 1'000'000 && later == first; ++i)
    later = image_ns(kClockMonotonic);
  EXPECT_GT(later, first) << "no tick in between, yet the fine clock must move";
  EXPECT_EQ(fallback_calls, 0);
}

// A read just before an update never passes the update's base; reads after
// it continue from there.
TEST_F(MappedFineClockTest, NeverBackwardsAcrossUpdates) {
  int64_t last[kMaxClocks] = {};
  for (int update = 0; update < 20'000; ++update) {
    for (int id : kFineClocks) {
      const int64_t now = image_ns(id);
      ASSERT_GE(now, last[id]) << "clock " << id << ", update " << update;
      last[id] = now;
    }
    timekeeper_->tick_counter(read_tsc());
    const Timespec base_realtime =
        read_coarse(vdso_->data_page(), coarse_index(kClockRealtimeCoarse));
    ASSERT_GE(ns(base_realtime), last[kClockRealtime]) << "the update's base is behind a read";
  }
}

TEST_F(MappedFineClockTest, ACounterBehindCycleLastReadsTheBase) {
  // cycle_last about a second ahead of every TSC this test will read.
  timekeeper_->tick_counter(read_tsc() + 3'000'000'000ull);
  const int64_t base = ns(read_coarse(vdso_->data_page(), coarse_index(kClockMonotonicCoarse)));
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(image_ns(kClockMonotonic), base);
}

TEST_F(MappedFineClockTest, RealtimeStepsBackAndMonotonicDoesNot) {
  const int64_t monotonic_before = image_ns(kClockMonotonic);
  const int64_t realtime_before = image_ns(kClockRealtime);
  timekeeper_->set_realtime(1'000'000'000 * kNanosecondsPerSecond, timekeeper_ns(kClockMonotonic));
  const int64_t realtime_after = image_ns(kClockRealtime);
  EXPECT_LT(realtime_after, realtime_before);
  EXPECT_GE(realtime_after, 1'000'000'000 * kNanosecondsPerSecond);
  EXPECT_LT(realtime_after, 1'000'000'001 * kNanosecondsPerSecond);
  EXPECT_EQ(image_ns(kClockTai) / kNanosecondsPerSecond, 1'000'000'000);
  EXPECT_GE(image_ns(kClockMonotonic), monotonic_before);
}

TEST_F(MappedFineClockTest, SlewedRealtimeNeverGoesBackAndRawNeverSlews) {
  timekeeper_->adjust_realtime(-kNanosecondsPerSecond);
  const int64_t offset_before = page_offset_ns();
  int64_t last_realtime = 0;
  for (int i = 0; i < 20'000; ++i) {
    if (i % 20 == 0)
      timekeeper_->tick_counter(read_tsc());
    const int64_t realtime = image_ns(kClockRealtime);
    ASSERT_GE(realtime, last_realtime);
    last_realtime = realtime;
  }
  const DataPage& page = vdso_->data_page();
  EXPECT_LT(page.fine[kClockRealtime].mult, kTscLike.mult) << "a negative slew runs slow";
  EXPECT_EQ(page.fine[kClockMonotonicRaw].mult, kTscLike.mult);
  EXPECT_EQ(page.fine[kClockMonotonic].mult, kTscLike.mult);
  timekeeper_->tick_counter(read_tsc());
  EXPECT_LT(page_offset_ns(), offset_before);
}

TEST_F(MappedFineClockTest, ResolutionIsOneNanosecond) {
  for (int id : kFineClocks) {
    Timespec res{};
    ASSERT_EQ(getres_(id, &res), 0);
    EXPECT_EQ(res.sec, 0);
    EXPECT_EQ(res.nsec, 1);
    EXPECT_EQ(getres_(id, nullptr), 0);
  }
  EXPECT_EQ(fallback_calls, 0);
}

TEST_F(MappedFineClockTest, GettimeofdayFillsTheKernelsTimezoneAndAcceptsANullTv) {
  timekeeper_->set_timezone({-120, 1});
  Timezone tz{};
  Timeval tv{};
  ASSERT_EQ(gettimeofday_(&tv, &tz), 0);
  EXPECT_EQ(tz.minuteswest, -120);
  EXPECT_EQ(tz.dsttime, 1);
  EXPECT_GE(tv.usec, 0);
  EXPECT_LT(tv.usec, 1'000'000);
  tz = {};
  EXPECT_EQ(gettimeofday_(nullptr, &tz), 0);
  EXPECT_EQ(tz.minuteswest, -120);
  EXPECT_EQ(fallback_calls, 0);
}

TEST_F(MappedFineClockTest, ModeNoneTakesTheFallback) {
  timekeeper_->recalibrate({kTscLike.mult, kTscLike.shift, ClockMode::kNone}, read_tsc());
  for (int id : kFineClocks) {
    Timespec ts{};
    ASSERT_EQ(gettime_(id, &ts), 0);
    EXPECT_EQ(ts.sec, -1) << "clock " << id << " did not take the fallback";
    ASSERT_EQ(getres_(id, &ts), 0);
  }
  Timeval tv{};
  ASSERT_EQ(gettimeofday_(&tv, nullptr), 0);
  EXPECT_EQ(tv.sec, -1);
  EXPECT_EQ(fallback_calls, 2 * 5 + 1);
  // The coarse clocks stay on the page.
  Timespec ts{};
  ASSERT_EQ(gettime_(kClockMonotonicCoarse, &ts), 0);
  EXPECT_EQ(fallback_calls, 2 * 5 + 1);
}

// Bad pointers: the image does what Linux's vDSO does with them (it does not
// check, so the program gets SIGSEGV), checked against the host's vDSO.
TEST_F(MappedFineClockTest, BadPointersFaultAsWithTheHostsVdso) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto* unmapped = reinterpret_cast<Timespec*>(8);
  const auto host = reinterpret_cast<ClockGettimeFn>(
      const_cast<void*>(vdso::elf::host_vdso_image().symbol("__vdso_clock_gettime")));
  for (int id : {kClockMonotonic, kClockRealtime, kClockMonotonicCoarse}) {
    EXPECT_EXIT(gettime_(id, nullptr), ::testing::KilledBySignal(SIGSEGV), "") << id;
    EXPECT_EXIT(gettime_(id, unmapped), ::testing::KilledBySignal(SIGSEGV), "") << id;
    if (host != nullptr) {
      EXPECT_EXIT(host(id, nullptr), ::testing::KilledBySignal(SIGSEGV), "") << id;
    }
  }
  // gettimeofday accepts a null tv, as Linux's does, and faults on a bad one.
  const auto host_gettimeofday = reinterpret_cast<GettimeofdayFn>(
      const_cast<void*>(vdso::elf::host_vdso_image().symbol("__vdso_gettimeofday")));
  auto* bad_tv = reinterpret_cast<Timeval*>(8);
  EXPECT_EQ(gettimeofday_(nullptr, nullptr), 0);
  EXPECT_EXIT(gettimeofday_(bad_tv, nullptr), ::testing::KilledBySignal(SIGSEGV), "");
  if (host_gettimeofday != nullptr) {
    EXPECT_EQ(host_gettimeofday(nullptr, nullptr), 0);
    EXPECT_EXIT(host_gettimeofday(bad_tv, nullptr), ::testing::KilledBySignal(SIGSEGV), "");
  }
}

// ---- getcpu and the configuration ------------------------------------------

using GetcpuFn = int (*)(unsigned*, unsigned*, void*);

int chained_getcpu(unsigned* cpu, unsigned* node, void*) {
  *cpu = 4242;
  *node = 7;
  return 0;
}

bool cpu_has_rdpid() {
  return vdso::arch::tsc_aux_readers().rdpid;
}
bool cpu_has_rdtscp() {
  return vdso::arch::tsc_aux_readers().rdtscp;
}

class MappedGetcpuTest : public ::testing::TestWithParam<GetcpuMode> {
 protected:
  void SetUp() override {
    vdso_ = MappedVdso::map_embedded();
    timekeeper_ = std::make_unique<vdso::Timekeeper>(vdso_->data_page(), 4'000'000, 0, 0);
    getcpu_ = vdso_->function<GetcpuFn>("__vdso_getcpu");
    ASSERT_NE(getcpu_, nullptr);
    ASSERT_EQ(vdso_->function<GetcpuFn>("getcpu"), getcpu_);
    if (GetParam() == GetcpuMode::kRdpid && !cpu_has_rdpid())
      GTEST_SKIP() << "this CPU has no RDPID";
    if (GetParam() == GetcpuMode::kRdtscp && !cpu_has_rdtscp())
      GTEST_SKIP() << "this CPU has no RDTSCP";
    if (GetParam() == GetcpuMode::kLsl && !vdso::arch::cpu_node_segment_readable())
      GTEST_SKIP() << "this host's GDT has no cpu-and-node segment (selector 0x7b)";
    timekeeper_->set_getcpu_mode(GetParam());
  }
  std::unique_ptr<MappedVdso> vdso_;
  std::unique_ptr<vdso::Timekeeper> timekeeper_;
  GetcpuFn getcpu_ = nullptr;
};

// Pinned to each CPU in turn, the image's answer is the kernel's (Linux
// stores cpu | node << 12 in TSC_AUX and in the limit of GDT segment 0x7b,
// which the image reads).
TEST_P(MappedGetcpuTest, EqualsTheSystemCallOnEveryCpu) {
  cpu_set_t original;
  ASSERT_EQ(sched_getaffinity(0, sizeof original, &original), 0);
  int checked = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &original))
      continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    unsigned kernel_cpu = ~0u, kernel_node = ~0u, our_cpu = ~0u, our_node = ~0u;
    ASSERT_EQ(syscall(SYS_getcpu, &kernel_cpu, &kernel_node, nullptr), 0);
    ASSERT_EQ(getcpu_(&our_cpu, &our_node, nullptr), 0);
    EXPECT_EQ(our_cpu, kernel_cpu);
    EXPECT_EQ(our_cpu, static_cast<unsigned>(cpu));
    EXPECT_EQ(our_node, kernel_node);
    // Either pointer may be null.
    unsigned only_cpu = ~0u;
    EXPECT_EQ(getcpu_(&only_cpu, nullptr, nullptr), 0);
    EXPECT_EQ(only_cpu, kernel_cpu);
    EXPECT_EQ(getcpu_(nullptr, nullptr, nullptr), 0);
    ++checked;
  }
  sched_setaffinity(0, sizeof original, &original);
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, MappedGetcpuTest,
                         ::testing::Values(GetcpuMode::kRdpid, GetcpuMode::kLsl,
                                           GetcpuMode::kRdtscp, GetcpuMode::kNone),
                         [](const auto& info) {
                           switch (info.param) {
                             case GetcpuMode::kRdpid: return "Rdpid";
                             case GetcpuMode::kRdtscp: return "Rdtscp";
                             case GetcpuMode::kLsl: return "Lsl";
                             case GetcpuMode::kNone: return "SystemCall";
                           }
                           return "unknown";
                         });

TEST(MappedGetcpu, ModeNoneChainsToTheHostsTarget) {
  auto vdso = MappedVdso::map_embedded();
  vdso::Timekeeper timekeeper(vdso->data_page(), 4'000'000, 0, 0);
  vdso->chain_page().getcpu = reinterpret_cast<uint64_t>(&chained_getcpu);
  unsigned cpu = 0, node = 0;
  ASSERT_EQ(vdso->function<GetcpuFn>("__vdso_getcpu")(&cpu, &node, nullptr), 0);
  EXPECT_EQ(cpu, 4242u);
  EXPECT_EQ(node, 7u);
}

using CpusFn = int (*)(uint32_t*);
using U64Fn = int (*)(uint64_t*);
using BootTimeFn = int (*)(Timespec*);
using UnameFn = int (*)(Utsname*);

TEST(MappedSysinfo, ServesWhatTheHostPublishedUnderOurOwnVersion) {
  auto vdso = MappedVdso::map_embedded();
  vdso::Timekeeper timekeeper(vdso->data_page(), 4'000'000, 0, 0);
  const auto find = [&](const char* name) {
    return vdso::elf::resolve_vdso_symbol(vdso->image(), vdso->image_size(), name,
                                          "VDSO_SYSINFO_1");
  };
  const auto cpus = reinterpret_cast<CpusFn>(const_cast<void*>(find("__vdso_sysinfo_cpus")));
  const auto page_size =
      reinterpret_cast<U64Fn>(const_cast<void*>(find("__vdso_sysinfo_page_size")));
  const auto memory =
      reinterpret_cast<U64Fn>(const_cast<void*>(find("__vdso_sysinfo_physical_memory")));
  const auto tick_hz = reinterpret_cast<U64Fn>(const_cast<void*>(find("__vdso_sysinfo_tick_hz")));
  const auto boot_time =
      reinterpret_cast<BootTimeFn>(const_cast<void*>(find("__vdso_sysinfo_boot_time")));
  const auto uname = reinterpret_cast<UnameFn>(const_cast<void*>(find("__vdso_sysinfo_uname")));
  ASSERT_TRUE(cpus && page_size && memory && tick_hz && boot_time && uname);

  // Nothing published yet: -ENODATA, and nothing written.
  uint32_t two[2] = {99, 99};
  uint64_t value = 99;
  Timespec ts{};
  Utsname uts{};
  EXPECT_EQ(cpus(two), -kENODATA);
  EXPECT_EQ(two[0], 99u);
  EXPECT_EQ(page_size(&value), -kENODATA);
  EXPECT_EQ(memory(&value), -kENODATA);
  EXPECT_EQ(boot_time(&ts), -kENODATA);
  EXPECT_EQ(uname(&uts), -kENODATA);
  EXPECT_EQ(value, 99u);
  // The tick rate is the page's own: 4 ms is 250 Hz.
  ASSERT_EQ(tick_hz(&value), 0);
  EXPECT_EQ(value, 250u);

  SystemInfo info{};
  info.cpus_configured = 64;
  info.cpus_online = 63;
  info.page_size = 16384;
  info.physical_memory_bytes = 123'456'789'012;
  info.boot_time = {1'700'000'123, 456};
  std::strcpy(info.uts.sysname, "vdso-kernel");
  std::strcpy(info.uts.release, "0.1.0");
  std::strcpy(info.uts.version, "#1 test");
  std::strcpy(info.uts.machine, "x86_64");
  timekeeper.publish_system_info(info);

  ASSERT_EQ(cpus(two), 0);
  EXPECT_EQ(two[0], 64u);
  EXPECT_EQ(two[1], 63u);
  ASSERT_EQ(page_size(&value), 0);
  EXPECT_EQ(value, 16384u);
  ASSERT_EQ(memory(&value), 0);
  EXPECT_EQ(value, 123'456'789'012u);
  ASSERT_EQ(boot_time(&ts), 0);
  EXPECT_EQ(ts.sec, 1'700'000'123);
  EXPECT_EQ(ts.nsec, 456);
  ASSERT_EQ(uname(&uts), 0);
  EXPECT_STREQ(uts.sysname, "vdso-kernel");
  EXPECT_STREQ(uts.release, "0.1.0");
  EXPECT_STREQ(uts.version, "#1 test");
  EXPECT_STREQ(uts.machine, "x86_64");
  EXPECT_STREQ(uts.nodename, "");
  // A page of another layout serves nothing.
  vdso->data_page().layout_version = 1;
  EXPECT_EQ(uname(&uts), -kENODATA);
  EXPECT_EQ(tick_hz(&value), -kENODATA);
}

}  // namespace
