// Sets the clock every way a program can, and reads it back every way:
// the probe of the tree owning its REALTIME (settime.sh). Prints KEY=VALUE
// lines; times in whole seconds unless the key says otherwise.
//
//   settime TARGET_SEC     clock_settime(CLOCK_REALTIME, TARGET_SEC), then
//                          settimeofday to TARGET_SEC + 1000, then adjtimex
//                          ADJ_SETOFFSET by +1000 s, reading after each.
//   settime --host-offset  (on the host) REALTIME - BOOTTIME in ns: what a
//                          test compares before and after to prove the
//                          host's clock did not move.
//   settime --restore-host OFFSET_NS
//                          (on the host, as root) puts REALTIME back at
//                          BOOTTIME + OFFSET_NS, should a test have moved it.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static long long vdso_sec(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (long long)ts.tv_sec;
}

static long long syscall_sec(clockid_t clock) {
  struct timespec ts;
  syscall(SYS_clock_gettime, clock, &ts);
  return (long long)ts.tv_sec;
}

static long long monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Every reader of the REALTIME family, under one prefix.
static void print_clocks(const char* prefix) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct timeval raw_tv;
  syscall(SYS_gettimeofday, &raw_tv, NULL);
  printf("%s_vdso=%lld\n", prefix, vdso_sec(CLOCK_REALTIME));
  printf("%s_syscall=%lld\n", prefix, syscall_sec(CLOCK_REALTIME));
  printf("%s_coarse=%lld\n", prefix, vdso_sec(CLOCK_REALTIME_COARSE));
  printf("%s_gettimeofday=%lld\n", prefix, (long long)tv.tv_sec);
  printf("%s_gettimeofday_syscall=%lld\n", prefix, (long long)raw_tv.tv_sec);
  printf("%s_time=%lld\n", prefix, (long long)time(NULL));
  printf("%s_time_syscall=%lld\n", prefix, (long long)syscall(SYS_time, NULL));
  printf("%s_tai_minus_realtime=%lld\n", prefix, vdso_sec(CLOCK_TAI) - vdso_sec(CLOCK_REALTIME));
  printf("%s_tai_syscall_minus_realtime=%lld\n", prefix,
         syscall_sec(CLOCK_TAI) - syscall_sec(CLOCK_REALTIME));
}

static void print_result(const char* name, long rc) {
  printf("%s=%s\n", name, rc >= 0 ? "ok" : strerrorname_np(errno));
}

static long long ns_of(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--host-offset") == 0) {
    printf("%lld\n", ns_of(CLOCK_REALTIME) - ns_of(CLOCK_BOOTTIME));
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "--restore-host") == 0) {
    const long long realtime = ns_of(CLOCK_BOOTTIME) + atoll(argv[2]);
    const struct timespec back = {.tv_sec = realtime / 1000000000LL,
                                  .tv_nsec = realtime % 1000000000LL};
    if (clock_settime(CLOCK_REALTIME, &back) != 0) {
      perror("settime: cannot restore the host's clock");
      return 1;
    }
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: settime TARGET_SEC | --host-offset | --restore-host OFFSET_NS\n");
    return 2;
  }
  const long long target = atoll(argv[1]);
  const long long monotonic_before = vdso_sec(CLOCK_MONOTONIC);

  struct timespec to = {.tv_sec = target, .tv_nsec = 0};
  print_result("clock_settime", clock_settime(CLOCK_REALTIME, &to));
  print_clocks("settime");

  struct timeval tv = {.tv_sec = target + 1000, .tv_usec = 0};
  print_result("settimeofday", settimeofday(&tv, NULL));
  print_clocks("settimeofday");

  struct timex step = {.modes = ADJ_SETOFFSET | ADJ_NANO, .time = {.tv_sec = 1000, .tv_usec = 0}};
  print_result("adjtimex_setoffset", adjtimex(&step));
  print_clocks("setoffset");

  // A read-only adjtimex reports the tree's clock.
  struct timex read = {.modes = 0};
  print_result("adjtimex_read", adjtimex(&read));
  printf("adjtimex_time=%lld\n", (long long)read.time.tv_sec);

  // What Linux refuses.
  struct timespec bad = {.tv_sec = target, .tv_nsec = 1000000000};
  print_result("settime_bad_nsec", clock_settime(CLOCK_REALTIME, &bad));
  print_result("settime_monotonic", clock_settime(CLOCK_MONOTONIC, &to));
  print_result("settime_cputime", clock_settime(CLOCK_PROCESS_CPUTIME_ID, &to));
  struct timespec before_boot = {.tv_sec = 0, .tv_nsec = 0};
  print_result("settime_before_boot", clock_settime(CLOCK_REALTIME, &before_boot));
  print_result("settime_fault", syscall(SYS_clock_settime, CLOCK_REALTIME, (void*)8));

  // An absolute sleep on the tree's REALTIME ends when that clock reaches
  // its deadline (0.3 s from now), not when the host's does.
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct timespec deadline = {.tv_sec = now.tv_sec, .tv_nsec = now.tv_nsec + 300000000};
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_nsec -= 1000000000;
    deadline.tv_sec++;
  }
  const long long slept_from = monotonic_ns();
  const int sleep_rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &deadline, NULL);
  printf("abs_sleep=%s\n", sleep_rc == 0 ? "ok" : strerrorname_np(sleep_rc));
  printf("abs_sleep_ms=%lld\n", (monotonic_ns() - slept_from) / 1000000);

  printf("monotonic_moved=%lld\n", vdso_sec(CLOCK_MONOTONIC) - monotonic_before);
  return 0;
}
