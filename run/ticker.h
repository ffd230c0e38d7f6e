// The clock interrupt of vdso-run (seed step 3): a thread that wakes every
// tick and publishes the host's clocks through the shared Timekeeper.
//
// MONOTONIC follows the host's CLOCK_MONOTONIC, so our coarse MONOTONIC
// shares the epoch of the fine one that programs reach through the chain
// page. REALTIME follows the host's CLOCK_REALTIME: slewed when it drifts by
// less than a tick, stepped beyond that (as the host's own clock was).
//
// The thread asks for SCHED_FIFO so that a busy machine cannot delay the
// tick; without the privilege it falls back to a raised nice value, and
// reports which it got.
#pragma once

#include <pthread.h>
#include <stdint.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "host_configuration.h"
#include "result.h"
#include "timekeeper.h"
#include "vdso/abi/data_page.h"

namespace vdso::run {

class Ticker {
 public:
  // Publishes `config` with the first tick, before the thread starts: the
  // timekeeper stays the page's only writer.
  Ticker(abi::DataPage& page, uint32_t hz, const HostConfiguration& config);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  // Virtual time for the tree (Timekeeper::set_virtual_time); before start().
  void set_virtual_time(const abi::VirtualTime& vt) { timekeeper_->set_virtual_time(vt); }

  // The tree sets its clock (time_setting.h): `change` runs on the
  // timekeeper with the tick held off, so the page keeps one writer at a
  // time.
  template <typename Change>
  void change_timekeeper(Change change) {
    std::lock_guard<std::mutex> hold(writer_);
    change(*timekeeper_);
  }

  // Starts the thread; an error if it could not be created.
  Result<void> start();

  uint64_t tick_ns() const { return tick_ns_; }
  // For the readers the supervisor answers for (its const side only).
  const Timekeeper& timekeeper() const { return *timekeeper_; }
  uint64_t ticks() const { return ticks_.load(std::memory_order_relaxed); }
  // The longest time the page went without a publication: the worst lag of
  // the served coarse clocks behind the host's.
  uint64_t worst_gap_ns() const { return worst_gap_ns_.load(std::memory_order_relaxed); }
  uint64_t realtime_steps() const { return realtime_steps_.load(std::memory_order_relaxed); }
  // "SCHED_FIFO 10", or the fallback and why. Set by start().
  std::string scheduling() const;

 private:
  static void* thread_main(void* self);
  void run();
  void follow_realtime(int64_t monotonic_ns);
  void lower_latency_without_fifo();

  const uint64_t tick_ns_;
  std::unique_ptr<Timekeeper> timekeeper_;
  std::mutex writer_;  // the tick, or a clock set by the tree
  std::atomic<uint64_t> ticks_{0};
  std::atomic<uint64_t> worst_gap_ns_{0};
  std::atomic<uint64_t> realtime_steps_{0};
  std::string scheduling_;
  bool fallback_ = false;  // written before the thread starts
  std::atomic<bool> reniced_{false};
  bool started_ = false;
  pthread_t thread_{};
};

}  // namespace vdso::run
