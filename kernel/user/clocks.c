/* Every clock, both paths: the VDSO (libc's clock_gettime) and the raw
 * system call must agree, the coarse ids must step by one tick, and
 * clock_getres must say so.
 *
 *   clocks [HZ]   HZ: the tick rate the coarse clocks must show (the
 *                 kernel's hz=; 250 on a stock Debian Linux)
 * Exactly one raw clock_gettime system call is made on a coarse id; with
 * `verbose` the kernel's exit line then shows clock_gettime=N where N is
 * the count of raw calls below, proving the VDSO calls made none. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int64_t ns_of(struct timespec ts) {
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int raw_clock_gettime(clockid_t id, struct timespec* ts) {
  return (int)syscall(SYS_clock_gettime, id, ts);
}

static int compare_int64(const void* a, const void* b) {
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  const long hz = argc > 1 ? atol(argv[1]) : 0;
  int raw_calls = 0;
  printf("clocks (%s), vdso at %#lx\n", LIBC_NAME, getauxval(AT_SYSINFO_EHDR));
  CHECK(getauxval(AT_SYSINFO_EHDR) != 0, "AT_SYSINFO_EHDR is set");

  static const clockid_t valid[] = {CLOCK_REALTIME,         CLOCK_MONOTONIC,
                                    CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                                    CLOCK_MONOTONIC_RAW,    CLOCK_REALTIME_COARSE,
                                    CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME};
  for (unsigned i = 0; i < sizeof(valid) / sizeof(valid[0]); ++i) {
    struct timespec ts = {-1, -1};
    const int r = clock_gettime(valid[i], &ts);
    CHECK(r == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "clock %d reads %ld.%09ld",
          (int)valid[i], (long)ts.tv_sec, ts.tv_nsec);
  }
  struct timespec ts;
  errno = 0;
  CHECK(clock_gettime(10, &ts) == -1 && errno == EINVAL, "clock 10 is EINVAL (errno %d)", errno);
  errno = 0;
  CHECK(clock_gettime(16, &ts) == -1 && errno == EINVAL, "clock 16 is EINVAL (errno %d)", errno);

  /* The two paths of the coarse clocks agree: vdso <= syscall <= vdso. */
  struct timespec v1, s, v2;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &v1);
  raw_clock_gettime(CLOCK_MONOTONIC_COARSE, &s);
  ++raw_calls;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &v2);
  CHECK(ns_of(v1) <= ns_of(s) && ns_of(s) <= ns_of(v2),
        "MONOTONIC_COARSE vdso %ld.%09ld <= syscall %ld.%09ld <= vdso %ld.%09ld", (long)v1.tv_sec,
        v1.tv_nsec, (long)s.tv_sec, s.tv_nsec, (long)v2.tv_sec, v2.tv_nsec);

  /* Coarse never ahead of the precise clock, and within a few ticks of it. */
  struct timespec fine, coarse;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse);
  clock_gettime(CLOCK_MONOTONIC, &fine);
  CHECK(ns_of(coarse) <= ns_of(fine), "MONOTONIC_COARSE %ld.%09ld <= MONOTONIC %ld.%09ld",
        (long)coarse.tv_sec, coarse.tv_nsec, (long)fine.tv_sec, fine.tv_nsec);
  struct timeval tv;
  time_t t = time(NULL);
  gettimeofday(&tv, NULL);
  clock_gettime(CLOCK_REALTIME, &fine);
  CHECK(tv.tv_sec - t <= 1 && fine.tv_sec - tv.tv_sec <= 1 && t > 1500000000,
        "time %ld, gettimeofday %ld, REALTIME %ld agree", (long)t, (long)tv.tv_sec,
        (long)fine.tv_sec);

  /* time(): the VDSO's and the system call's agree (both coarse). */
  const time_t t1 = time(NULL);
  const time_t ts_raw = (time_t)syscall(SYS_time, NULL);
  const time_t t2 = time(NULL);
  CHECK(t1 <= ts_raw && ts_raw <= t2, "time: vdso %ld <= syscall %ld <= vdso %ld", (long)t1,
        (long)ts_raw, (long)t2);

  /* Resolution: one tick for the coarse ids. */
  struct timespec res;
  clock_getres(CLOCK_MONOTONIC_COARSE, &res);
  const int64_t res_ns = ns_of(res);
  if (hz > 0) {
    CHECK(res_ns == 1000000000 / hz, "clock_getres(MONOTONIC_COARSE) = %ld ns = 1/%ld s",
          (long)res_ns, hz);
  }
  clock_getres(CLOCK_REALTIME_COARSE, &res);
  CHECK(ns_of(res) == res_ns, "REALTIME_COARSE resolution %ld ns, same as MONOTONIC_COARSE",
        (long)ns_of(res));

  /* The steps: the median distance between consecutive distinct values. */
  enum { kSteps = 41 };
  int64_t steps[kSteps];
  struct timespec last;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &last);
  /* Between readings, sleep a quarter tick instead of spinning: under
   * emulation (QEMU TCG) a spinning virtual CPU on a loaded host loses
   * timer interrupts, and the steps would measure the host's load. */
  const struct timespec quarter_tick = {0, (hz > 0 ? 1000000000 / hz : res_ns) / 4};
  for (int i = 0; i < kSteps;) {
    struct timespec now;
    nanosleep(&quarter_tick, NULL);
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    if (ns_of(now) < ns_of(last)) {
      CHECK(0, "MONOTONIC_COARSE went back");
      break;
    }
    if (ns_of(now) != ns_of(last)) {
      steps[i++] = ns_of(now) - ns_of(last);
      last = now;
    }
  }
  qsort(steps, kSteps, sizeof(steps[0]), compare_int64);
  const int64_t median = steps[kSteps / 2];
  const int64_t tick = hz > 0 ? 1000000000 / hz : res_ns;
  CHECK(median > tick * 9 / 10 && median < tick * 11 / 10,
        "coarse step: median %ld ns over %d steps (min %ld, max %ld); tick %ld ns", (long)median,
        kSteps, (long)steps[0], (long)steps[kSteps - 1], (long)tick);

  printf("raw clock_gettime system calls made: %d\n", raw_calls);
  return check_done("clocks");
}
