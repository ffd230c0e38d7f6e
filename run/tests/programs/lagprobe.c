/* lagprobe SECONDS: how far the served coarse clock lags the host's fine
 * clock, worst case over SECONDS of continuous sampling. A sample is fine1,
 * coarse, fine2; it counts only when fine2 - fine1 is under 20 us (the
 * probe was not preempted in between), and its lag is fine2 - coarse (an
 * upper bound). Prints max_lag_ns, samples and res_ns. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t read_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? atof(argv[1]) : 10.0;
  const int64_t end = read_ns(CLOCK_MONOTONIC) + (int64_t)(seconds * 1e9);
  int64_t max_lag = 0, samples = 0, discarded = 0;
  for (;;) {
    const int64_t fine1 = read_ns(CLOCK_MONOTONIC);
    const int64_t coarse = read_ns(CLOCK_MONOTONIC_COARSE);
    const int64_t fine2 = read_ns(CLOCK_MONOTONIC);
    if (fine2 > end) break;
    if (fine2 - fine1 > 20000) {
      ++discarded;
      continue;
    }
    ++samples;
    if (fine2 - coarse > max_lag) max_lag = fine2 - coarse;
  }
  struct timespec res;
  clock_getres(CLOCK_MONOTONIC_COARSE, &res);
  printf("max_lag_ns=%lld\nsamples=%lld\ndiscarded=%lld\nres_ns=%ld\n", (long long)max_lag,
         (long long)samples, (long long)discarded, res.tv_nsec + res.tv_sec * 1000000000L);
  return 0;
}
