/* timeprobe: the time a program sees on every path, for the virtual-time
 * tests. Built for glibc (dynamic, static) and musl (dynamic, static); run
 * under vdso-run by run/tests/virtual_time.sh. Prints key=value lines.
 * Modes:
 *
 *   now            for each clock virtual time moves, libc_<clock>=NS (the
 *                  VDSO) and sys_<clock>=NS (the raw system call), and
 *                  the same for gettimeofday (microseconds as NS) and time
 *                  (seconds as NS).
 *   elapsed MS     the same clocks read, then a busy loop until this
 *                  process has used MS ms of CPU (a clock virtual time
 *                  leaves real), then read again: elapsed_<path>_<clock>=NS.
 *   order ROUNDS   ROUNDS reads through libc of every clock (and
 *                  gettimeofday, time), each bracketed by two system calls:
 *                  disorder_<clock>=N counts rounds out of order.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { kGettimeofday = -1, kTime = -2 };
static const struct {
  const char* name;
  int id;
} kClocks[] = {
    {"realtime", CLOCK_REALTIME},
    {"monotonic", CLOCK_MONOTONIC},
    {"monotonic_raw", CLOCK_MONOTONIC_RAW},
    {"realtime_coarse", CLOCK_REALTIME_COARSE},
    {"monotonic_coarse", CLOCK_MONOTONIC_COARSE},
    {"boottime", CLOCK_BOOTTIME},
    {"tai", CLOCK_TAI},
    {"gettimeofday", kGettimeofday},
    {"time", kTime},
};
enum { kClockCount = sizeof(kClocks) / sizeof(kClocks[0]) };

static int64_t fail(const char* what) {
  perror(what);
  exit(1);
}

static int64_t by_libc(int id) {
  if (id == kTime)
    return (int64_t)time(NULL) * 1000000000;
  if (id == kGettimeofday) {
    struct timeval tv;
    if (gettimeofday(&tv, NULL) != 0)
      fail("timeprobe: gettimeofday");
    return (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
  }
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0)
    fail("timeprobe: clock_gettime");
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t by_syscall(int id) {
  if (id == kTime)
    return (int64_t)syscall(SYS_time, NULL) * 1000000000;
  if (id == kGettimeofday) {
    struct timeval tv;
    if (syscall(SYS_gettimeofday, &tv, NULL) != 0)
      fail("timeprobe: gettimeofday(2)");
    return (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
  }
  struct timespec ts;
  if (syscall(SYS_clock_gettime, id, &ts) != 0)
    fail("timeprobe: clock_gettime(2)");
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "now";
  if (strcmp(mode, "now") == 0) {
    for (int i = 0; i < kClockCount; ++i) {
      printf("libc_%s=%lld\n", kClocks[i].name, (long long)by_libc(kClocks[i].id));
      printf("sys_%s=%lld\n", kClocks[i].name, (long long)by_syscall(kClocks[i].id));
    }
    return 0;
  }
  if (strcmp(mode, "elapsed") == 0 && argc > 2) {
    const int64_t cpu_budget = atoll(argv[2]) * 1000000;
    int64_t before[2][kClockCount];
    for (int i = 0; i < kClockCount; ++i) {
      before[0][i] = by_libc(kClocks[i].id);
      before[1][i] = by_syscall(kClocks[i].id);
    }
    const int64_t cpu_start = cpu_ns();
    while (cpu_ns() - cpu_start < cpu_budget) {
    }
    for (int i = 0; i < kClockCount; ++i) {
      printf("elapsed_libc_%s=%lld\n", kClocks[i].name,
             (long long)(by_libc(kClocks[i].id) - before[0][i]));
      printf("elapsed_sys_%s=%lld\n", kClocks[i].name,
             (long long)(by_syscall(kClocks[i].id) - before[1][i]));
    }
    return 0;
  }
  if (strcmp(mode, "order") == 0 && argc > 2) {
    const long rounds = atol(argv[2]);
    for (int i = 0; i < kClockCount; ++i) {
      long disorder = 0;
      int64_t previous = by_syscall(kClocks[i].id);
      for (long r = 0; r < rounds; ++r) {
        const int64_t libc = by_libc(kClocks[i].id);
        const int64_t next = by_syscall(kClocks[i].id);
        if (libc < previous || next < libc)
          ++disorder;
        previous = next;
      }
      printf("disorder_%s=%ld\n", kClocks[i].name, disorder);
    }
    return 0;
  }
  fprintf(stderr, "usage: timeprobe now | elapsed MS | order ROUNDS\n");
  return 2;
}
