// ns per call of the coarse clocks: our image's __vdso_clock_gettime called
// directly, beside the host vDSO (through glibc and called directly) and
// the raw system call, in one run with interleaved repetitions; then the
// instructions each coarse path executes. Prints a table of medians with
// ratios against the host vDSO.
//
//   clock_bench [--repetitions N] [--min-time SECONDS] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "instruction_count.h"
#include "mapped_vdso.h"
#include "timekeeper.h"

namespace {

using vdso::testing::ClockGettimeFn;
using vdso::testing::MappedVdso;

// The image under test, ticked at 250 Hz like the host's, so its data page
// changes as a real one does.
struct OurVdso {
  std::unique_ptr<MappedVdso> mapped = MappedVdso::map_embedded();
  ClockGettimeFn clock_gettime = mapped->function<ClockGettimeFn>("__vdso_clock_gettime");
  std::atomic<bool> stop{false};
  std::unique_ptr<vdso::Timekeeper> timekeeper;
  std::thread ticker;

  static int64_t now_ns(clockid_t id) {
    timespec ts;
    ::clock_gettime(id, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  }
  OurVdso() {
    timekeeper = std::make_unique<vdso::Timekeeper>(
        mapped->data_page(), 4'000'000, now_ns(CLOCK_MONOTONIC), now_ns(CLOCK_REALTIME));
    ticker = std::thread([this] {
      while (!stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(4));
        timekeeper->tick(now_ns(CLOCK_MONOTONIC));
      }
    });
  }
  ~OurVdso() {
    stop = true;
    ticker.join();
  }
};

OurVdso* ours;
ClockGettimeFn host_vdso_clock_gettime;

void BM_OurVdso(benchmark::State& state) {
  const int clock = static_cast<int>(state.range(0));
  vdso::abi::Timespec ts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ours->clock_gettime(clock, &ts));
    benchmark::ClobberMemory();
  }
}

void BM_HostVdsoDirect(benchmark::State& state) {
  const int clock = static_cast<int>(state.range(0));
  vdso::abi::Timespec ts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(host_vdso_clock_gettime(clock, &ts));
    benchmark::ClobberMemory();
  }
}

void BM_GlibcHostVdso(benchmark::State& state) {
  const auto clock = static_cast<clockid_t>(state.range(0));
  timespec ts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(clock_gettime(clock, &ts));
    benchmark::ClobberMemory();
  }
}

void BM_Syscall(benchmark::State& state) {
  const long clock = state.range(0);
  timespec ts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(syscall(SYS_clock_gettime, clock, &ts));
    benchmark::ClobberMemory();
  }
}

// Keeps the median real time per benchmark name for the table.
class MedianCollector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> median_ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        median_ns[run.run_name.str()] = run.GetAdjustedRealTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

const char* clock_name(int clock) {
  return clock == CLOCK_REALTIME_COARSE ? "CLOCK_REALTIME_COARSE" : "CLOCK_MONOTONIC_COARSE";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  std::string repetitions = "--benchmark_repetitions=9";
  std::string min_time = "--benchmark_min_time=0.1";
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  std::string aggregates = "--benchmark_report_aggregates_only=true";
  args.push_back(repetitions.data());
  args.push_back(min_time.data());
  args.push_back(interleave.data());
  args.push_back(aggregates.data());
  int args_count = static_cast<int>(args.size());
  benchmark::Initialize(&args_count, args.data());

  OurVdso our_vdso;
  ours = &our_vdso;
  host_vdso_clock_gettime = reinterpret_cast<ClockGettimeFn>(
      const_cast<void*>(vdso::testing::host_vdso_symbol("__vdso_clock_gettime")));
  if (ours->clock_gettime == nullptr || host_vdso_clock_gettime == nullptr) {
    std::fprintf(stderr, "clock_bench: cannot resolve __vdso_clock_gettime (ours or the host's)\n");
    return 1;
  }

  const int clocks[] = {CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
  for (int clock : clocks) {
    benchmark::RegisterBenchmark("ours", BM_OurVdso)->Arg(clock);
    benchmark::RegisterBenchmark("host_vdso", BM_HostVdsoDirect)->Arg(clock);
    benchmark::RegisterBenchmark("glibc", BM_GlibcHostVdso)->Arg(clock);
    benchmark::RegisterBenchmark("syscall", BM_Syscall)->Arg(clock);
  }
  MedianCollector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  std::printf("\nCoarse clock_gettime, ns per call (median of interleaved repetitions)\n");
  std::printf("%-24s %-34s %9s %12s\n", "clock", "path", "ns/call", "vs host vDSO");
  for (int clock : clocks) {
    // Google Benchmark names a run "name/arg".
    char arg[16];
    std::snprintf(arg, sizeof arg, "/%d", clock);
    const double host = collector.median_ns[std::string("host_vdso") + arg];
    const struct {
      const char* key;
      const char* label;
    } rows[] = {{"ours", "our vdso.so (direct call)"},
                {"host_vdso", "host vDSO (direct call)"},
                {"glibc", "glibc clock_gettime -> host vDSO"},
                {"syscall", "syscall(SYS_clock_gettime)"}};
    for (const auto& row : rows) {
      const double ns = collector.median_ns[std::string(row.key) + arg];
      std::printf("%-24s %-34s %9.2f %11.2fx\n", clock_name(clock), row.label, ns,
                  host > 0 ? ns / host : 0.0);
    }
  }

  std::printf("\nInstructions from entry to return (ptrace single-step, exact)\n");
  std::printf("%-24s %-34s %9s\n", "clock", "path", "instr");
  for (int clock : clocks) {
    std::printf("%-24s %-34s %9lld\n", clock_name(clock), "our __vdso_clock_gettime",
                static_cast<long long>(vdso::bench::count_instructions(
                    reinterpret_cast<int (*)(int, void*)>(ours->clock_gettime), clock)));
    std::printf("%-24s %-34s %9lld\n", clock_name(clock), "host __vdso_clock_gettime",
                static_cast<long long>(vdso::bench::count_instructions(
                    reinterpret_cast<int (*)(int, void*)>(host_vdso_clock_gettime), clock)));
  }
  benchmark::Shutdown();
  return 0;
}
