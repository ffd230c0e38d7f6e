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
 *   deadlines MS   waits MS ms of the tree's time five ways: nanosleep,
 *                  clock_nanosleep TIMER_ABSTIME on REALTIME and on
 *                  MONOTONIC, a timerfd (REALTIME, TFD_TIMER_ABSTIME) and a
 *                  POSIX timer (MONOTONIC, TIMER_ABSTIME); for each
 *                  <way>_waited=NS (the clock's time it took) and
 *                  <way>_early=yes|no (woke before the deadline).
 *   interrupted MS a child interrupts (SIGUSR1, a handler without
 *                  SA_RESTART) a 10 s nanosleep after MS ms of its own
 *                  sleep: eintr=yes|no and remaining=NS, as the program
 *                  reads it.
 *   frozen         clock_nanosleep TIMER_ABSTIME at REALTIME's own reading:
 *                  frozen_rc=N (0: it returned).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
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

static struct timespec ts_of(int64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
  return ts;
}

static void report_wait(const char* way, int clock, int64_t start, int64_t deadline) {
  const int64_t now = by_libc(clock);
  printf("%s_waited=%lld\n%s_early=%s\n", way, (long long)(now - start), way,
         now < deadline ? "yes" : "no");
}

static void deadlines(int64_t wait_ns) {
  int64_t start = by_libc(CLOCK_MONOTONIC);
  struct timespec d = ts_of(wait_ns);
  while (nanosleep(&d, &d) != 0) {
  }
  report_wait("nanosleep", CLOCK_MONOTONIC, start, start + wait_ns);

  const int clocks[2] = {CLOCK_REALTIME, CLOCK_MONOTONIC};
  const char* const names[2] = {"abs_realtime", "abs_monotonic"};
  for (int i = 0; i < 2; ++i) {
    start = by_libc(clocks[i]);
    d = ts_of(start + wait_ns);
    while (clock_nanosleep(clocks[i], TIMER_ABSTIME, &d, NULL) != 0) {
    }
    report_wait(names[i], clocks[i], start, start + wait_ns);
  }

  const int fd = timerfd_create(CLOCK_REALTIME, 0);
  if (fd < 0)
    fail("timeprobe: timerfd_create");
  start = by_libc(CLOCK_REALTIME);
  struct itimerspec spec = {{0, 0}, ts_of(start + wait_ns)};
  if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL) != 0)
    fail("timeprobe: timerfd_settime");
  uint64_t expirations;
  if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
    fail("timeprobe: read(timerfd)");
  report_wait("timerfd", CLOCK_REALTIME, start, start + wait_ns);

  sigset_t alarm;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  sigprocmask(SIG_BLOCK, &alarm, NULL);
  struct sigevent event;
  memset(&event, 0, sizeof(event));
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGALRM;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0)
    fail("timeprobe: timer_create");
  start = by_libc(CLOCK_MONOTONIC);
  spec.it_value = ts_of(start + wait_ns);
  if (timer_settime(timer, TIMER_ABSTIME, &spec, NULL) != 0)
    fail("timeprobe: timer_settime");
  int signal_number;
  sigwait(&alarm, &signal_number);
  report_wait("posix_timer", CLOCK_MONOTONIC, start, start + wait_ns);
}

static void on_usr1(int signal_number) {
  (void)signal_number;
}

static void interrupted(int64_t after_ns) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_usr1;  // no SA_RESTART: the sleep fails with EINTR
  sigaction(SIGUSR1, &action, NULL);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child == 0) {
    struct timespec d = ts_of(after_ns);
    nanosleep(&d, NULL);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  struct timespec d = {10, 0}, left = {0, 0};
  const int rc = nanosleep(&d, &left);
  printf("eintr=%s\nremaining=%lld\n", rc != 0 && errno == EINTR ? "yes" : "no",
         (long long)left.tv_sec * 1000000000 + left.tv_nsec);
  waitpid(child, NULL, 0);
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
      long disorder = 0, behind = 0;
      int64_t previous = by_syscall(kClocks[i].id);
      for (long r = 0; r < rounds; ++r) {
        const int64_t libc = by_libc(kClocks[i].id);
        const int64_t next = by_syscall(kClocks[i].id);
        if (libc < previous || next < libc)
          ++disorder;
        if (libc < previous)
          ++behind;
        previous = next;
      }
      printf("disorder_%s=%ld\nbehind_%s=%ld\n", kClocks[i].name, disorder, kClocks[i].name,
             behind);
    }
    return 0;
  }
  if (strcmp(mode, "deadlines") == 0 && argc > 2) {
    deadlines(atoll(argv[2]) * 1000000);
    return 0;
  }
  if (strcmp(mode, "interrupted") == 0 && argc > 2) {
    interrupted(atoll(argv[2]) * 1000000);
    return 0;
  }
  if (strcmp(mode, "frozen") == 0) {
    const struct timespec now = ts_of(by_libc(CLOCK_REALTIME));
    printf("frozen_rc=%d\n", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &now, NULL));
    return 0;
  }
  fprintf(stderr,
          "usage: timeprobe now | elapsed MS | order ROUNDS | deadlines MS | interrupted MS | "
          "frozen\n");
  return 2;
}
