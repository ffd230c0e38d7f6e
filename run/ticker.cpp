#include "ticker.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "thread_signals.h"

namespace vdso::run {
namespace {

// Low in the real-time range: above every normal task, below the kernel's
// own real-time threads and anything an administrator raised on purpose.
constexpr int kFifoPriority = 10;
constexpr int kFallbackNice = -10;

int64_t now_ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return abi::ns_from_timespec({ts.tv_sec, ts.tv_nsec});
}

timespec timespec_of(int64_t ns) {
  const abi::Timespec ts = abi::timespec_from_ns(ns);
  return {static_cast<time_t>(ts.sec), static_cast<long>(ts.nsec)};
}

}  // namespace

Ticker::Ticker(abi::DataPage& page, uint32_t hz, const HostConfiguration& config)
    : tick_ns_(static_cast<uint64_t>(abi::kNanosecondsPerSecond) / hz) {
  const int64_t monotonic = now_ns(CLOCK_MONOTONIC);
  timekeeper_ = std::make_unique<Timekeeper>(page, tick_ns_, monotonic, now_ns(CLOCK_REALTIME));
  timekeeper_->publish_system_info(config.system);
  timekeeper_->set_getcpu_mode(config.getcpu);
}

Ticker::~Ticker() {
  // clock_nanosleep is the loop's only cancellation point, so the thread
  // never stops mid-publication.
  if (started_) {
    pthread_cancel(thread_);
    pthread_join(thread_, nullptr);
  }
}

Result<void> Ticker::start() {
  // First choice: a real-time thread, so that a busy machine cannot delay
  // the tick. The policy is set at creation so that no tick runs without it.
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
  pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
  const sched_param param{.sched_priority = kFifoPriority};
  pthread_attr_setschedparam(&attr, &param);
  int rc = pthread_create(&thread_, &attr, &Ticker::thread_main, this);
  pthread_attr_destroy(&attr);
  if (rc == 0) {
    scheduling_ = "SCHED_FIFO " + std::to_string(kFifoPriority);
  } else {
    scheduling_ = std::string("SCHED_OTHER (SCHED_FIFO refused: ") + strerror(rc) + ")";
    fallback_ = true;
    rc = pthread_create(&thread_, nullptr, &Ticker::thread_main, this);
  }
  if (rc != 0)
    return Error::from_errno("cannot start the ticker thread", rc);
  started_ = true;
  return {};
}

void* Ticker::thread_main(void* self) {
  block_all_signals_in_this_thread();
  static_cast<Ticker*>(self)->run();
  return nullptr;
}

void Ticker::lower_latency_without_fifo() {
  // The best a normal task can ask for: a raised priority and no timer
  // slack (a real-time thread has none anyway). Failure changes nothing.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  reniced_.store(setpriority(PRIO_PROCESS, tid, kFallbackNice) == 0, std::memory_order_relaxed);
}

std::string Ticker::scheduling() const {
  if (!fallback_ || !reniced_.load(std::memory_order_relaxed))
    return scheduling_;
  return scheduling_ + ", nice " + std::to_string(kFallbackNice);
}

void Ticker::run() {
  if (fallback_)
    lower_latency_without_fifo();
  const auto period = static_cast<int64_t>(tick_ns_);
  int64_t last = now_ns(CLOCK_MONOTONIC);
  int64_t next = last + period;
  for (;;) {
    const timespec deadline = timespec_of(next);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
    }
    const int64_t now = now_ns(CLOCK_MONOTONIC);
    {
      std::lock_guard<std::mutex> hold(writer_);
      timekeeper_->tick(now);
      follow_realtime(now);
    }

    const auto gap = static_cast<uint64_t>(now - last);
    if (gap > worst_gap_ns_.load(std::memory_order_relaxed)) {
      worst_gap_ns_.store(gap, std::memory_order_relaxed);
    }
    ticks_.fetch_add(1, std::memory_order_relaxed);
    last = now;
    // A tick that could not be kept is skipped, not caught up in a burst.
    next += period;
    if (next <= now)
      next = now + period - (now - next) % period;
  }
}

void Ticker::follow_realtime(int64_t monotonic_ns) {
  const int64_t host_offset = now_ns(CLOCK_REALTIME) - monotonic_ns;
  // In host time: under virtual time the page's coarse clocks are not.
  const int64_t our_offset =
      timekeeper_->realtime_offset_ns() + timekeeper_->pending_adjustment_ns();
  const int64_t drift = host_offset - our_offset;
  // Below this, the difference is reading noise between the two samples.
  constexpr int64_t kNoiseNs = 20'000;
  const int64_t magnitude = drift < 0 ? -drift : drift;
  if (magnitude > static_cast<int64_t>(tick_ns_)) {
    timekeeper_->set_realtime(monotonic_ns + host_offset, monotonic_ns);
    realtime_steps_.fetch_add(1, std::memory_order_relaxed);
  } else if (magnitude > kNoiseNs) {
    timekeeper_->adjust_realtime(drift);
  }
}

}  // namespace vdso::run
