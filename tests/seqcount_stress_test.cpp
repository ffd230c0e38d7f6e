// Seqcount stress: a writer on one core publishes as fast as it can, readers
// on the other core check an invariant that any torn read breaks. Each
// publication k writes sec = k and nsec = f(k) into both coarse clocks; a
// reader that sees nsec != f(sec) read a torn pair, and one that sees sec go
// down read a stale one. Exit status 0 only with zero violations.
//
//   seqcount_stress_test --reads N --via image|header [--hold-every N] [--path coarse|fine]
//
// --path fine:  the fine clocks instead. The writer is the real Timekeeper
//               ticking from the TSC as fast as it can, slewing REALTIME back
//               and forth; readers alternate MONOTONIC and REALTIME. A read
//               is backwards if below the previous one, and torn if it moved
//               further than the TSC cycles elapsed around the two calls allow
//               at the fastest rate the page may hold, plus a cross-CPU slack
//               (a mix of two publications' seconds and nanoseconds is a
//               second off).
//
// --via image:  reads through the real vdso.so's __vdso_clock_gettime.
// --via header: reads through abi::read_coarse (built with TSan as well), or
//               with SEQCOUNT_STRESS_BROKEN_READER through a reader without
//               a seqcount, to prove that this test catches one.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "timekeeper.h"
#include "vdso/abi/data_page.h"
#include "vdso/arch/counter.h"
#ifndef SEQCOUNT_STRESS_HEADER_ONLY
#include "mapped_vdso.h"
#endif

namespace {

using vdso::abi::DataPage;
using vdso::abi::Timespec;

int64_t expected_nsec(int64_t sec) {
  return (sec * 7919) % 1'000'000'000;
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// Every hold_every-th publication holds the page odd for a while between
// its two stores: a reader that ignored the seqcount would then see a torn
// pair often enough to be caught (seqcount_stress_detects_a_broken_reader).
// On x86 the two loads of a reader are too close together for a write to
// fall between them by chance.
void publish(DataPage& page, int64_t k, int64_t hold_every) {
  vdso::abi::write_begin(page);
  for (auto& clock : page.coarse) {
    vdso::abi::store_relaxed(clock.sec, k);
    if (k % hold_every == 0) {
      for (int i = 0; i < 64; ++i)
        __builtin_ia32_pause();
    }
    vdso::abi::store_relaxed(clock.nsec, expected_nsec(k));
  }
  vdso::abi::store_relaxed(page.update_count, static_cast<uint64_t>(k));
  vdso::abi::write_end(page);
}

#ifdef SEQCOUNT_STRESS_BROKEN_READER
// What the seed's system does: copy the fields with no seqcount at all.
Timespec read_without_seqcount(const DataPage& page, uint32_t index) {
  return {vdso::abi::load_relaxed(page.coarse[index].sec),
          vdso::abi::load_relaxed(page.coarse[index].nsec)};
}

// The fine reader's arithmetic on fields copied with no seqcount.
Timespec read_fine_without_seqcount(const DataPage& page, int clock_id) {
  const auto& base = page.fine[clock_id];
  const uint64_t cycles = vdso::arch::read_counter();
  const uint64_t cycle_last = vdso::abi::load_relaxed(page.cycle_last);
  uint64_t snsec = vdso::abi::load_relaxed(base.snsec);
  if (cycles > cycle_last)
    snsec += (cycles - cycle_last) * vdso::abi::load_relaxed(base.mult);
  const uint64_t ns = snsec >> vdso::abi::load_relaxed(page.counter_shift);
  const int64_t sec = vdso::abi::load_relaxed(base.sec) +
                      static_cast<int64_t>(ns / vdso::abi::kNanosecondsPerSecond);
  return {sec, static_cast<int64_t>(ns % vdso::abi::kNanosecondsPerSecond)};
}
#endif

// About 3 GHz; any calibration will do, since the bound uses the same one.
constexpr vdso::CounterCalibration kTscLike{(1u << 24) / 3, 24, vdso::abi::ClockMode::kUserCounter};

uint64_t read_tsc() {
  return vdso::arch::read_counter();
}

using vdso::abi::ns_from_timespec;

// What a correct read may exceed the reader's own TSC bound by: the writer's
// TSC (cycle_last) may run ahead of the reader's on another CPU, and this
// writer is a user thread that can be preempted between reading the TSC and
// publishing, after which a new REALTIME rate applies from that older
// cycle_last (microseconds at most; seen: 2 reads in 10^8 beyond a bound of
// 2 ns, on a loaded 2-core VM). A torn read is far beyond this: a mix of two
// publications' seconds and nanoseconds is a second off, and a mix of one's
// cycle_last with another's base shows as a read going backwards (the
// broken-reader run proves that both are caught).
constexpr int64_t kCrossCpuSlackNs = 1'000'000;

constexpr int kWriterPausesBetweenPublications = 32;

// The fine path (see the top of the file). Returns the exit status.
int run_fine(DataPage& page, int (*clock_gettime_fn)(int, Timespec*), uint64_t reads) {
  vdso::Timekeeper timekeeper(page, 4'000'000, kTscLike, read_tsc(), 1'000'000'000'000,
                              1'700'000'000'000'000'000, read_tsc);
  std::atomic<bool> done{false};
  uint64_t publications = 0;
  std::thread writer([&] {
    pin_to_cpu(0);
    for (uint64_t k = 1; !done.load(std::memory_order_relaxed); ++k) {
      if (k % 4096 == 0)
        timekeeper.adjust_realtime((k / 4096) % 2 == 0 ? 1'000'000 : -1'000'000);
      timekeeper.tick_counter(read_tsc());
      ++publications;
      // A breath between publications, as a tick has: back to back, a
      // fine publication (a dozen bases) keeps the page odd nearly all the
      // time, and the readers then spend minutes retrying on an idle
      // machine. Writes still land inside reads often (the broken-reader
      // run proves it).
      for (int i = 0; i < kWriterPausesBetweenPublications; ++i)
        __builtin_ia32_pause();
    }
  });

  pin_to_cpu(1);
  // The fastest mult the page may hold: a slew of at most 500 ppm.
  const uint64_t fastest_mult =
      kTscLike.mult + kTscLike.mult * vdso::Timekeeper::kMaxSlewPpm / 1'000'000 + 1;
  uint64_t torn = 0, backwards = 0;
  int64_t last[2] = {0, 0};
  uint64_t last_tsc_before[2] = {0, 0};
  for (uint64_t i = 0; i < reads; ++i) {
    const int slot = static_cast<int>(i & 1);
    const int clock = slot == 0 ? vdso::abi::kClockMonotonic : vdso::abi::kClockRealtime;
    Timespec ts{};
    const uint64_t before = read_tsc();
    if (clock_gettime_fn != nullptr) {
      if (clock_gettime_fn(clock, &ts) != 0)
        ++torn;
    } else {
#ifdef SEQCOUNT_STRESS_BROKEN_READER
      ts = read_fine_without_seqcount(page, clock);
#else
      vdso::abi::read_fine<vdso::abi::CounterAccess::kUser>(page, clock, &ts, read_tsc);
#endif
    }
    const uint64_t after = read_tsc();
    const int64_t now = ns_from_timespec(ts);
    if (ts.nsec < 0 || ts.nsec >= vdso::abi::kNanosecondsPerSecond)
      ++torn;
    if (last_tsc_before[slot] != 0) {
      const int64_t allowed =
          static_cast<int64_t>(
              (static_cast<unsigned __int128>(after - last_tsc_before[slot]) * fastest_mult) >>
              kTscLike.shift) +
          kCrossCpuSlackNs;
      if (now < last[slot])
        ++backwards;
      else if (now - last[slot] > allowed) {
        ++torn;
        if (torn <= 5) {
          std::fprintf(stderr,
                       "seqcount_stress: clock %d moved %lld ns where %llu cycles allow %lld ns\n",
                       clock, static_cast<long long>(now - last[slot]),
                       static_cast<unsigned long long>(after - last_tsc_before[slot]),
                       static_cast<long long>(allowed));
        }
      }
    }
    last[slot] = now;
    last_tsc_before[slot] = before;
  }
  done = true;
  writer.join();
  std::printf(
      "seqcount_stress (fine, %s): %llu reads, %llu publications, %llu torn, %llu backwards\n",
      clock_gettime_fn != nullptr ? "image" : "header", static_cast<unsigned long long>(reads),
      static_cast<unsigned long long>(publications), static_cast<unsigned long long>(torn),
      static_cast<unsigned long long>(backwards));
  if (publications < 1000) {
    std::fprintf(stderr, "seqcount_stress: writer and readers did not overlap enough\n");
    return 1;
  }
  return torn == 0 && backwards == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t reads = 100'000'000;
  int64_t hold_every = 1024;
  bool via_image = false;
  bool fine_path = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--reads") == 0) {
      reads = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--hold-every") == 0) {
      hold_every = std::max<int64_t>(1, std::strtoll(argv[i + 1], nullptr, 10));
    } else if (std::strcmp(argv[i], "--path") == 0) {
      fine_path = std::strcmp(argv[i + 1], "fine") == 0;
    } else if (std::strcmp(argv[i], "--via") == 0) {
      via_image = std::strcmp(argv[i + 1], "image") == 0;
    }
  }

  DataPage* page = nullptr;
  int (*clock_gettime_fn)(int, Timespec*) = nullptr;
#ifndef SEQCOUNT_STRESS_HEADER_ONLY
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  page = &vdso->data_page();
  clock_gettime_fn = vdso->function<vdso::testing::ClockGettimeFn>("__vdso_clock_gettime");
  if (via_image && clock_gettime_fn == nullptr) {
    std::fprintf(stderr, "seqcount_stress: __vdso_clock_gettime not found in the image\n");
    return 1;
  }
#else
  static DataPage header_page;
  page = &header_page;
  if (via_image) {
    std::fprintf(stderr, "seqcount_stress: --via image needs the image build\n");
    return 2;
  }
#endif
  if (fine_path)
    return run_fine(*page, via_image ? clock_gettime_fn : nullptr, reads);
  publish(*page, 1, hold_every);

  std::atomic<bool> done{false};
  uint64_t publications = 0;
  std::thread writer([&] {
    pin_to_cpu(0);
    for (int64_t k = 2; !done.load(std::memory_order_relaxed); ++k) {
      publish(*page, k, hold_every);
      ++publications;
    }
  });

  pin_to_cpu(1);
  uint64_t torn = 0, backwards = 0, retried_values = 0;
  int64_t last_sec[2] = {0, 0};
  for (uint64_t i = 0; i < reads; ++i) {
    const int clock = vdso::abi::kClockRealtimeCoarse + static_cast<int>(i & 1);
    Timespec ts;
    if (via_image) {
      if (clock_gettime_fn(clock, &ts) != 0)
        ++torn;
    } else {
#ifdef SEQCOUNT_STRESS_BROKEN_READER
      ts = read_without_seqcount(*page, vdso::abi::coarse_index(clock));
#else
      ts = vdso::abi::read_coarse(*page, vdso::abi::coarse_index(clock));
#endif
    }
    if (ts.nsec != expected_nsec(ts.sec))
      ++torn;
    if (ts.sec < last_sec[i & 1])
      ++backwards;
    if (ts.sec != last_sec[i & 1])
      ++retried_values;
    last_sec[i & 1] = ts.sec;
  }
  done = true;
  writer.join();

  std::printf(
      "seqcount_stress (%s): %llu reads, %llu publications, %llu distinct values seen, "
      "%llu torn, %llu backwards\n",
      via_image ? "image" : "header", static_cast<unsigned long long>(reads),
      static_cast<unsigned long long>(publications),
      static_cast<unsigned long long>(retried_values), static_cast<unsigned long long>(torn),
      static_cast<unsigned long long>(backwards));
  // A run in which the writer never overlapped the readers proves nothing.
  if (publications < 1000 || retried_values < 1000) {
    std::fprintf(stderr, "seqcount_stress: writer and readers did not overlap enough\n");
    return 1;
  }
  return torn == 0 && backwards == 0 ? 0 : 1;
}
