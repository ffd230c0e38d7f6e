// The instruction budgets of the image's clock paths: fails if our
// __vdso_clock_gettime executes more than BUDGET instructions from entry to
// return for any clock of the kind. Counting is exact (ptrace single-step);
// the host vDSO's count for the same clock is printed beside.
//
//   path_instructions coarse|fine BUDGET
//
// coarse: REALTIME_COARSE and MONOTONIC_COARSE from the page.
// fine:   every fine clock from the counter, on a page in clock mode kUserCounter.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "instruction_count.h"
#include "mapped_vdso.h"
#include "timekeeper.h"
#include "vdso/arch/counter.h"
#include "vdso/elf/host_vdso_image.h"

namespace {

using ClockFn = int (*)(int, void*);

// Any calibration will do for counting: about 3 GHz.
constexpr vdso::CounterCalibration kTscLike{(1u << 24) / 3, 24, vdso::abi::ClockMode::kUserCounter};

uint64_t read_tsc() {
  return vdso::arch::read_counter();
}

}  // namespace

int main(int argc, char** argv) {
  const bool fine = argc == 3 && std::strcmp(argv[1], "fine") == 0;
  if (argc != 3 || (!fine && std::strcmp(argv[1], "coarse") != 0)) {
    std::fprintf(stderr, "usage: path_instructions coarse|fine BUDGET\n");
    return 2;
  }
  const long budget = std::strtol(argv[2], nullptr, 10);
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  // Bases at whole seconds, so a read soon after the update normalises in
  // one pass, as a read between two ticks does.
  vdso::Timekeeper timekeeper(vdso->data_page(), 4'000'000, kTscLike, read_tsc(), 1'000'000'000,
                              2'000'000'000, read_tsc);
  const auto fn = vdso->function<ClockFn>("__vdso_clock_gettime");
  const auto host_fn = reinterpret_cast<ClockFn>(
      const_cast<void*>(vdso::elf::host_vdso_image().symbol("__vdso_clock_gettime")));
  if (fn == nullptr) {
    std::fprintf(stderr, "path_instructions: __vdso_clock_gettime not found\n");
    return 1;
  }
  const std::vector<int> clocks =
      fine ? std::vector<int>{CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
                              CLOCK_TAI}
           : std::vector<int>{CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
  int failures = 0;
  for (int clock : clocks) {
    timekeeper.tick_counter(read_tsc());
    const int64_t count = vdso::bench::count_instructions(fn, clock);
    const int64_t host = host_fn != nullptr ? vdso::bench::count_instructions(host_fn, clock) : -1;
    std::printf("clock %d: %lld instructions (budget %ld; host vDSO %lld)\n", clock,
                static_cast<long long>(count), budget, static_cast<long long>(host));
    if (count <= 0 || count > budget)
      ++failures;
  }
  return failures == 0 ? 0 : 1;
}
