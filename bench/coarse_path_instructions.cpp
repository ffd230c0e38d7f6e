// The instruction budget of the coarse path: fails if our
// __vdso_clock_gettime executes more than BUDGET instructions from entry to
// return for either coarse clock. Counting is exact (ptrace single-step).
//
//   coarse_path_instructions BUDGET
#include <time.h>

#include <cstdio>
#include <cstdlib>

#include "instruction_count.h"
#include "mapped_vdso.h"
#include "timekeeper.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: coarse_path_instructions BUDGET\n");
    return 2;
  }
  const long budget = std::strtol(argv[1], nullptr, 10);
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  vdso::Timekeeper timekeeper(vdso->data_page(), 4'000'000, 1'000'000'000, 2'000'000'000);
  auto fn = reinterpret_cast<int (*)(int, void*)>(
      const_cast<void*>(vdso->symbol("__vdso_clock_gettime")));
  if (fn == nullptr) {
    std::fprintf(stderr, "coarse_path_instructions: __vdso_clock_gettime not found\n");
    return 1;
  }
  int failures = 0;
  for (int clock : {CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE}) {
    const int64_t count = vdso::bench::count_instructions(fn, clock);
    std::printf("clock %d: %lld instructions (budget %ld)\n", clock, static_cast<long long>(count),
                budget);
    if (count <= 0 || count > budget)
      ++failures;
  }
  return failures == 0 ? 0 : 1;
}
