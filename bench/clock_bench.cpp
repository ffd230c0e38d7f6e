// ns per call of our image's functions called directly, beside the host
// vDSO's (called directly, and through glibc) and the raw system call, in
// one run with interleaved repetitions; then the instructions each path
// executes. Prints tables of medians with ratios against the host vDSO:
//   - the coarse clocks, on a page ticked like vdso-run's;
//   - the fine clocks and gettimeofday, on a page in clock mode TSC whose
//     calibration this benchmark measures and which it ticks at 250 Hz;
//   - getcpu (RDPID or RDTSCP, as the CPU allows);
//   - a configuration read (__vdso_sysinfo_uname) against uname(2).
//
//   clock_bench [--repetitions N] [--min-time SECONDS] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "instruction_count.h"
#include "mapped_vdso.h"
#include "timekeeper.h"
#include "vdso/arch/counter.h"
#include "vdso/arch/x86_64/cpu_features.h"
#include "vdso/elf/host_vdso_image.h"
#include "vdso/elf/loaded_image.h"

namespace {

using vdso::testing::ClockGettimeFn;
using vdso::testing::GettimeofdayFn;
using vdso::testing::MappedVdso;
using GetcpuFn = int (*)(unsigned*, unsigned*, void*);
using UnameFn = int (*)(vdso::abi::Utsname*);

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
    return vdso::abi::ns_from_timespec({ts.tv_sec, ts.tv_nsec});
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

// The image on a page in clock mode TSC: the fine clocks from the TSC, with
// a calibration measured here against CLOCK_MONOTONIC, ticked at 250 Hz from
// the TSC; getcpu by RDPID (or RDTSCP); the host's uname as configuration.
struct OurFineVdso {
  std::unique_ptr<MappedVdso> mapped = MappedVdso::map_embedded();
  ClockGettimeFn clock_gettime = mapped->function<ClockGettimeFn>("__vdso_clock_gettime");
  GettimeofdayFn gettimeofday = mapped->function<GettimeofdayFn>("__vdso_gettimeofday");
  GetcpuFn getcpu = mapped->function<GetcpuFn>("__vdso_getcpu");
  UnameFn uname = reinterpret_cast<UnameFn>(const_cast<void*>(vdso::elf::resolve_vdso_symbol(
      mapped->image(), mapped->image_size(), "__vdso_sysinfo_uname", "VDSO_SYSINFO_1")));
  std::atomic<bool> stop{false};
  std::unique_ptr<vdso::Timekeeper> timekeeper;
  std::thread ticker;
  int64_t started_ns = 0;

  static uint64_t read_tsc() { return vdso::arch::read_counter(); }

  static vdso::CounterCalibration measure_tsc() {
    const int64_t t0 = OurVdso::now_ns(CLOCK_MONOTONIC);
    const uint64_t c0 = read_tsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t t1 = OurVdso::now_ns(CLOCK_MONOTONIC);
    const uint64_t c1 = read_tsc();
    constexpr uint32_t kShift = 24;
    const double ns_per_cycle = static_cast<double>(t1 - t0) / static_cast<double>(c1 - c0);
    return {static_cast<uint32_t>(ns_per_cycle * (1u << kShift)), kShift,
            vdso::abi::ClockMode::kUserCounter};
  }

  OurFineVdso() {
    // In sequence: the counter and the clocks read at one instant.
    const vdso::CounterCalibration calibration = measure_tsc();
    const uint64_t counter_now = read_tsc();
    started_ns = OurVdso::now_ns(CLOCK_MONOTONIC);
    const int64_t realtime_now = OurVdso::now_ns(CLOCK_REALTIME);
    timekeeper =
        std::make_unique<vdso::Timekeeper>(mapped->data_page(), 4'000'000, calibration, counter_now,
                                           started_ns, realtime_now, read_tsc);
    timekeeper->set_getcpu_mode(vdso::arch::getcpu_mode_for(
        vdso::arch::tsc_aux_readers(), vdso::arch::cpu_node_segment_readable()));
    vdso::abi::SystemInfo info{};
    utsname host{};
    ::uname(&host);
    std::memcpy(info.uts.sysname, host.sysname, sizeof info.uts.sysname);
    std::memcpy(info.uts.release, host.release, sizeof info.uts.release);
    std::memcpy(info.uts.version, host.version, sizeof info.uts.version);
    std::memcpy(info.uts.machine, host.machine, sizeof info.uts.machine);
    timekeeper->publish_system_info(info);
    ticker = std::thread([this] {
      while (!stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(4));
        timekeeper->tick_counter(read_tsc());
      }
    });
  }
  ~OurFineVdso() {
    stop = true;
    ticker.join();
  }
};

OurVdso* ours;
OurFineVdso* ours_fine;
ClockGettimeFn host_vdso_clock_gettime;
GettimeofdayFn host_vdso_gettimeofday;
GetcpuFn host_vdso_getcpu;

void BM_OurVdso(benchmark::State& state) {
  const int clock = static_cast<int>(state.range(0));
  vdso::abi::Timespec ts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ours->clock_gettime(clock, &ts));
    benchmark::ClobberMemory();
  }
}

void BM_OurVdsoFine(benchmark::State& state) {
  const int clock = static_cast<int>(state.range(0));
  vdso::abi::Timespec ts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ours_fine->clock_gettime(clock, &ts));
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

void BM_OurGettimeofday(benchmark::State& state) {
  vdso::abi::Timeval tv;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ours_fine->gettimeofday(&tv, nullptr));
    benchmark::ClobberMemory();
  }
}

void BM_HostGettimeofday(benchmark::State& state) {
  vdso::abi::Timeval tv;
  for (auto _ : state) {
    benchmark::DoNotOptimize(host_vdso_gettimeofday(&tv, nullptr));
    benchmark::ClobberMemory();
  }
}

void BM_OurGetcpu(benchmark::State& state) {
  unsigned cpu, node;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ours_fine->getcpu(&cpu, &node, nullptr));
    benchmark::ClobberMemory();
  }
}

void BM_HostGetcpu(benchmark::State& state) {
  unsigned cpu, node;
  for (auto _ : state) {
    benchmark::DoNotOptimize(host_vdso_getcpu(&cpu, &node, nullptr));
    benchmark::ClobberMemory();
  }
}

void BM_SyscallGetcpu(benchmark::State& state) {
  unsigned cpu, node;
  for (auto _ : state) {
    benchmark::DoNotOptimize(syscall(SYS_getcpu, &cpu, &node, nullptr));
    benchmark::ClobberMemory();
  }
}

void BM_OurUname(benchmark::State& state) {
  vdso::abi::Utsname uts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ours_fine->uname(&uts));
    benchmark::ClobberMemory();
  }
}

void BM_SyscallUname(benchmark::State& state) {
  utsname uts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(syscall(SYS_uname, &uts));
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
  switch (clock) {
    case CLOCK_REALTIME: return "CLOCK_REALTIME";
    case CLOCK_MONOTONIC: return "CLOCK_MONOTONIC";
    case CLOCK_MONOTONIC_RAW: return "CLOCK_MONOTONIC_RAW";
    case CLOCK_REALTIME_COARSE: return "CLOCK_REALTIME_COARSE";
    case CLOCK_MONOTONIC_COARSE: return "CLOCK_MONOTONIC_COARSE";
    case CLOCK_BOOTTIME: return "CLOCK_BOOTTIME";
    case CLOCK_TAI: return "CLOCK_TAI";
    default: return "?";
  }
}

struct Row {
  const char* key;  // benchmark name, without the "/arg"
  const char* label;
};

// One table row per key: the median, and its ratio to the `baseline` key.
void print_rows(MedianCollector& collector, const char* what, const std::string& arg,
                const char* baseline, std::initializer_list<Row> rows) {
  const double base = collector.median_ns[baseline + arg];
  for (const Row& row : rows) {
    const double ns = collector.median_ns[row.key + arg];
    std::printf("%-24s %-40s %9.2f %11.2fx\n", what, row.label, ns, base > 0 ? ns / base : 0.0);
  }
}

// Instructions of a getcpu-shaped call, for count_instructions_at.
GetcpuFn getcpu_to_count = nullptr;
__attribute__((noinline)) void call_getcpu_once() {
  unsigned cpu, node;
  getcpu_to_count(&cpu, &node, nullptr);
  asm volatile("" ::"r"(&cpu), "r"(&node) : "memory");
}
int64_t getcpu_instructions(GetcpuFn fn) {
  getcpu_to_count = fn;
  return vdso::bench::count_instructions_at(reinterpret_cast<const void*>(fn), call_getcpu_once);
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
  OurFineVdso our_fine_vdso;
  ours_fine = &our_fine_vdso;
  const auto host_symbol = [](const char* name) {
    return const_cast<void*>(vdso::elf::host_vdso_image().symbol(name));
  };
  host_vdso_clock_gettime = reinterpret_cast<ClockGettimeFn>(host_symbol("__vdso_clock_gettime"));
  host_vdso_gettimeofday = reinterpret_cast<GettimeofdayFn>(host_symbol("__vdso_gettimeofday"));
  host_vdso_getcpu = reinterpret_cast<GetcpuFn>(host_symbol("__vdso_getcpu"));
  if (ours->clock_gettime == nullptr || host_vdso_clock_gettime == nullptr ||
      ours_fine->gettimeofday == nullptr || host_vdso_gettimeofday == nullptr ||
      ours_fine->getcpu == nullptr || host_vdso_getcpu == nullptr || ours_fine->uname == nullptr) {
    std::fprintf(stderr, "clock_bench: cannot resolve a function (ours or the host vDSO's)\n");
    return 1;
  }

  const int coarse_clocks[] = {CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
  const int fine_clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
                             CLOCK_TAI};
  for (int clock : coarse_clocks) {
    benchmark::RegisterBenchmark("ours", BM_OurVdso)->Arg(clock);
    benchmark::RegisterBenchmark("host_vdso", BM_HostVdsoDirect)->Arg(clock);
    benchmark::RegisterBenchmark("glibc", BM_GlibcHostVdso)->Arg(clock);
    benchmark::RegisterBenchmark("syscall", BM_Syscall)->Arg(clock);
  }
  for (int clock : fine_clocks) {
    benchmark::RegisterBenchmark("ours_fine", BM_OurVdsoFine)->Arg(clock);
    benchmark::RegisterBenchmark("host_vdso", BM_HostVdsoDirect)->Arg(clock);
  }
  benchmark::RegisterBenchmark("syscall", BM_Syscall)->Arg(CLOCK_MONOTONIC);
  benchmark::RegisterBenchmark("ours_gettimeofday", BM_OurGettimeofday);
  benchmark::RegisterBenchmark("host_gettimeofday", BM_HostGettimeofday);
  benchmark::RegisterBenchmark("ours_getcpu", BM_OurGetcpu);
  benchmark::RegisterBenchmark("host_getcpu", BM_HostGetcpu);
  benchmark::RegisterBenchmark("syscall_getcpu", BM_SyscallGetcpu);
  benchmark::RegisterBenchmark("ours_uname", BM_OurUname);
  benchmark::RegisterBenchmark("syscall_uname", BM_SyscallUname);
  MedianCollector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  // Google Benchmark names a run "name/arg".
  const auto arg_of = [](int clock) {
    char arg[16];
    std::snprintf(arg, sizeof arg, "/%d", clock);
    return std::string(arg);
  };
  std::printf("\nCoarse clock_gettime, ns per call (median of interleaved repetitions)\n");
  std::printf("%-24s %-40s %9s %12s\n", "clock", "path", "ns/call", "vs host vDSO");
  for (int clock : coarse_clocks) {
    print_rows(collector, clock_name(clock), arg_of(clock), "host_vdso",
               {{"ours", "our vdso.so (direct call)"},
                {"host_vdso", "host vDSO (direct call)"},
                {"glibc", "glibc clock_gettime -> host vDSO"},
                {"syscall", "syscall(SYS_clock_gettime)"}});
  }
  std::printf("\nFine clock_gettime, ns per call: ours from the TSC on a page in clock mode TSC\n");
  for (int clock : fine_clocks) {
    print_rows(collector, clock_name(clock), arg_of(clock), "host_vdso",
               {{"ours_fine", "our vdso.so, TSC page (direct call)"},
                {"host_vdso", "host vDSO (direct call)"}});
  }
  print_rows(collector, "CLOCK_MONOTONIC", arg_of(CLOCK_MONOTONIC), "host_vdso",
             {{"syscall", "syscall(SYS_clock_gettime)"}});
  print_rows(collector, "gettimeofday", "", "host_gettimeofday",
             {{"ours_gettimeofday", "our vdso.so, TSC page (direct call)"},
              {"host_gettimeofday", "host vDSO (direct call)"}});
  std::printf("\ngetcpu, ns per call\n");
  print_rows(collector, "getcpu", "", "host_getcpu",
             {{"ours_getcpu", "our __vdso_getcpu"},
              {"host_getcpu", "host __vdso_getcpu"},
              {"syscall_getcpu", "syscall(SYS_getcpu)"}});
  std::printf("\nConfiguration read, ns per call (ratio to uname(2))\n");
  print_rows(collector, "uname", "", "syscall_uname",
             {{"ours_uname", "our __vdso_sysinfo_uname"}, {"syscall_uname", "syscall(SYS_uname)"}});

  std::printf("\nInstructions from entry to return (ptrace single-step, exact)\n");
  std::printf("%-24s %-40s %9s\n", "clock", "path", "instr");
  const auto count = [](ClockGettimeFn fn, int clock) {
    return static_cast<long long>(
        vdso::bench::count_instructions(reinterpret_cast<int (*)(int, void*)>(fn), clock));
  };
  for (int clock : coarse_clocks) {
    std::printf("%-24s %-40s %9lld\n", clock_name(clock), "our __vdso_clock_gettime",
                count(ours->clock_gettime, clock));
    std::printf("%-24s %-40s %9lld\n", clock_name(clock), "host __vdso_clock_gettime",
                count(host_vdso_clock_gettime, clock));
  }
  for (int clock : fine_clocks) {
    our_fine_vdso.timekeeper->tick_counter(OurFineVdso::read_tsc());
    std::printf("%-24s %-40s %9lld\n", clock_name(clock), "our __vdso_clock_gettime (TSC page)",
                count(ours_fine->clock_gettime, clock));
    std::printf("%-24s %-40s %9lld\n", clock_name(clock), "host __vdso_clock_gettime",
                count(host_vdso_clock_gettime, clock));
  }
  // Why vdso-run chains its fine clocks instead: a page computed from the
  // TSC runs at its own calibration, while the host kernel (which still
  // answers the fine system calls there) follows its own clock source and
  // NTP. After the run, the two disagree by this much.
  vdso::abi::Timespec page_now{}, host_now{};
  ours_fine->clock_gettime(CLOCK_MONOTONIC, &page_now);
  host_vdso_clock_gettime(CLOCK_MONOTONIC, &host_now);
  std::printf(
      "\nTSC page CLOCK_MONOTONIC minus the host's, %.1f s after calibration: %+.1f us\n",
      static_cast<double>(OurVdso::now_ns(CLOCK_MONOTONIC) - our_fine_vdso.started_ns) / 1e9,
      static_cast<double>(vdso::ns_from_timespec(page_now) - vdso::ns_from_timespec(host_now)) /
          1e3);
  std::printf("%-24s %-40s %9lld\n", "getcpu", "our __vdso_getcpu",
              static_cast<long long>(getcpu_instructions(ours_fine->getcpu)));
  std::printf("%-24s %-40s %9lld\n", "getcpu", "host __vdso_getcpu",
              static_cast<long long>(getcpu_instructions(host_vdso_getcpu)));
  benchmark::Shutdown();
  return 0;
}
