// The clocks as a program sees them: every call goes through glibc, which
// binds whatever VDSO the process was given. Run natively, it measures the
// host's vDSO; run under vdso-run, ours (and, for the clocks our page does
// not serve, the chain to the host's). The raw system call of a coarse
// clock is what vdso-run answers itself (from the timekeeper, so that both
// paths agree): its cost under vdso-run against the host kernel's is the
// price of that agreement, paid only by programs that bypass libc; the raw
// system call of a fine clock never leaves the kernel, under vdso-run too.
// scripts/run-bench.sh runs it both ways, alternating, and prints the table.
#include <benchmark/benchmark.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void clock_via_libc(benchmark::State& state, clockid_t clock) {
  timespec ts;
  for (auto _ : state) {
    clock_gettime(clock, &ts);
    benchmark::DoNotOptimize(ts);
  }
}

void clock_via_syscall(benchmark::State& state, clockid_t clock) {
  timespec ts;
  for (auto _ : state) {
    syscall(SYS_clock_gettime, clock, &ts);
    benchmark::DoNotOptimize(ts);
  }
}

void gettimeofday_via_libc(benchmark::State& state) {
  timeval tv;
  for (auto _ : state) {
    gettimeofday(&tv, nullptr);
    benchmark::DoNotOptimize(tv);
  }
}

// Which VDSO this process got: the name of the mapping at AT_SYSINFO_EHDR.
std::string vdso_name() {
  const unsigned long base = getauxval(AT_SYSINFO_EHDR);
  FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr)
    return "unknown";
  char line[512];
  std::string name = "none";
  while (std::fgets(line, sizeof(line), maps) != nullptr) {
    unsigned long start = 0, end = 0;
    if (std::sscanf(line, "%lx-%lx", &start, &end) == 2 && base >= start && base < end) {
      name = std::strstr(line, "memfd:vdso-run") != nullptr ? "vdso-run" : "host";
      break;
    }
  }
  std::fclose(maps);
  return name;
}

}  // namespace

BENCHMARK_CAPTURE(clock_via_libc, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_COARSE);
BENCHMARK_CAPTURE(clock_via_libc, CLOCK_REALTIME_COARSE, CLOCK_REALTIME_COARSE);
BENCHMARK_CAPTURE(clock_via_libc, CLOCK_REALTIME, CLOCK_REALTIME);
BENCHMARK_CAPTURE(clock_via_libc, CLOCK_MONOTONIC, CLOCK_MONOTONIC);
BENCHMARK(gettimeofday_via_libc);
BENCHMARK_CAPTURE(clock_via_syscall, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_COARSE);
BENCHMARK_CAPTURE(clock_via_syscall, CLOCK_MONOTONIC, CLOCK_MONOTONIC);

int main(int argc, char** argv) {
  benchmark::AddCustomContext("vdso", vdso_name());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
