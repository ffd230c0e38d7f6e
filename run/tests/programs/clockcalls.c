/* clockcalls: the coarse clock system calls against the VDSO, as a program
 * that mixes the two sees them. Built for glibc (dynamic, static) and musl
 * (dynamic, static); run under vdso-run by run/tests/clockcalls.sh. Prints
 * key=value lines. Modes:
 *
 *   order ROUNDS   for CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE and
 *                  time: ROUNDS reads through libc (the VDSO), each
 *                  bracketed by two system calls (consecutive rounds share
 *                  one); disorder_<clock>=N counts rounds out of order. Then
 *                  clock_getres through libc and the system call, the same
 *                  system call from a second thread, the same
 *                  round-trip across two processes (a pipe ping-pong), and
 *                  syscalls=N, the answered calls this made.
 *   faults         what each bad or null pointer gives: the same lines on
 *                  Linux and under vdso-run.
 *   others N       N system calls of each clock the page does not serve
 *                  (and invalid ids): none must reach the supervisor.
 *   undumpable N   N calls after PR_SET_DUMPABLE 0 (an unprivileged
 *                  supervisor cannot write into it: the host answers).
 *   storm SIGNALS  a child queues SIGNALS signals (handler without
 *                  SA_RESTART) while this process sits in the answered
 *                  calls: prints received=, eintr=, errors=; then kills
 *                  children that sit in them and checks it is still served.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long syscalls_made = 0;

static int64_t ns_of(const struct timespec* ts) {
  return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The three answered clocks as one reading: nanoseconds, or seconds for
 * time. */
enum { kRealtime, kMonotonic, kTime, kClocks };
static const char* const kNames[kClocks] = {"realtime_coarse", "monotonic_coarse", "time"};
static const clockid_t kIds[kClocks] = {CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, 0};

static int64_t by_syscall(int clock) {
  ++syscalls_made;
  if (clock == kTime)
    return syscall(SYS_time, NULL);
  struct timespec ts;
  if (syscall(SYS_clock_gettime, kIds[clock], &ts) != 0) {
    perror("clockcalls: clock_gettime");
    exit(1);
  }
  return ns_of(&ts);
}

static int64_t by_libc(int clock) {
  if (clock == kTime) {
#ifdef __GLIBC__
    return time(NULL); /* glibc binds __vdso_time */
#else
    /* musl's time() reads the fine REALTIME (on Linux too); the VDSO's
     * time is the coarse REALTIME's seconds. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return ts.tv_sec;
#endif
  }
  struct timespec ts;
  clock_gettime(kIds[clock], &ts);
  return ns_of(&ts);
}

static int64_t res_by_syscall(clockid_t id) {
  ++syscalls_made;
  struct timespec ts;
  if (syscall(SYS_clock_getres, id, &ts) != 0)
    return -1;
  return ns_of(&ts);
}

static int64_t res_by_libc(clockid_t id) {
  struct timespec ts;
  if (clock_getres(id, &ts) != 0)
    return -1;
  return ns_of(&ts);
}

/* A thread other than the leader: the supervisor writes into the thread
 * that asked. */
static void* getres_in_thread(void* result) {
  *(int64_t*)result = res_by_syscall(CLOCK_MONOTONIC_COARSE);
  return NULL;
}

/* The round-trip across processes: the parent's system call, the child's
 * libc read, the parent's next system call, ordered through a pipe. */
static long cross_process_disorder(int clock, int rounds) {
  int to_child[2], to_parent[2];
  if (pipe(to_child) != 0 || pipe(to_parent) != 0)
    return -1;
  const pid_t child = fork();
  if (child == 0) {
    close(to_child[1]);
    close(to_parent[0]);
    int64_t before;
    while (read(to_child[0], &before, sizeof(before)) == sizeof(before)) {
      const int64_t seen = by_libc(clock);
      if (write(to_parent[1], &seen, sizeof(seen)) != sizeof(seen))
        _exit(1);
    }
    _exit(0);
  }
  close(to_child[0]);
  close(to_parent[1]);
  long disorder = 0;
  int64_t before = by_syscall(clock);
  for (int i = 0; i < rounds; ++i) {
    int64_t seen;
    if (write(to_child[1], &before, sizeof(before)) != sizeof(before) ||
        read(to_parent[0], &seen, sizeof(seen)) != sizeof(seen))
      return -1;
    const int64_t after = by_syscall(clock);
    if (seen < before || after < seen)
      ++disorder;
    before = after;
  }
  close(to_child[1]);
  close(to_parent[0]);
  waitpid(child, NULL, 0);
  return disorder;
}

static int order(int rounds) {
  for (int clock = 0; clock < kClocks; ++clock) {
    long disorder = 0;
    int64_t before = by_syscall(clock);
    for (int i = 0; i < rounds; ++i) {
      const int64_t seen = by_libc(clock);
      const int64_t after = by_syscall(clock);
      if (seen < before || after < seen)
        ++disorder;
      before = after;
    }
    printf("disorder_%s=%ld\n", kNames[clock], disorder);
  }
  for (int clock = kRealtime; clock <= kMonotonic; ++clock) {
    printf("res_libc_%s=%lld\n", kNames[clock], (long long)res_by_libc(kIds[clock]));
    printf("res_syscall_%s=%lld\n", kNames[clock], (long long)res_by_syscall(kIds[clock]));
  }
  /* The kernel reads the low 32 bits of the clock id; so must the filter. */
  ++syscalls_made;
  struct timespec ts;
  const long high = syscall(SYS_clock_getres, (long)CLOCK_MONOTONIC_COARSE | (1L << 32), &ts);
  printf("res_syscall_high_bits=%lld\n", high == 0 ? (long long)ns_of(&ts) : -1LL);
  int64_t from_thread = -1;
  pthread_t thread;
  if (pthread_create(&thread, NULL, getres_in_thread, &from_thread) == 0)
    pthread_join(thread, NULL);
  printf("res_syscall_from_thread=%lld\n", (long long)from_thread);
  const int cross_rounds = rounds / 20 > 0 ? rounds / 20 : 1;
  for (int clock = 0; clock < kClocks; ++clock) {
    printf("cross_process_disorder_%s=%ld/%d\n", kNames[clock],
           cross_process_disorder(clock, cross_rounds), cross_rounds);
  }
  printf("syscalls=%ld\n", syscalls_made);
  return 0;
}

/* -errno or the result, as the raw system call returns it. */
static long raw(long nr, long a, long b) {
  const long rc = syscall(nr, a, b);
  return rc == -1 ? -errno : rc;
}

static int faults(void) {
  const long page = sysconf(_SC_PAGESIZE);
  /* [writable][no access]: a timespec straddling the two. */
  char* pages = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED || mprotect(pages + page, page, PROT_NONE) != 0)
    return 1;
  char* readonly = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (readonly == MAP_FAILED)
    return 1;
  const long unmapped = 8, kernel = (long)0xffffffffff600000UL;
  const long straddle = (long)(pages + page - 8);

  static const struct {
    const char* name;
    long nr;
  } calls[] = {{"clock_gettime", SYS_clock_gettime}, {"clock_getres", SYS_clock_getres}};
  for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); ++c) {
    for (int clock = kRealtime; clock <= kMonotonic; ++clock) {
      const char* name = calls[c].name;
      const long nr = calls[c].nr, id = kIds[clock];
      printf("%s_%s_null=%ld\n", name, kNames[clock], raw(nr, id, 0));
      printf("%s_%s_unmapped=%ld\n", name, kNames[clock], raw(nr, id, unmapped));
      printf("%s_%s_kernel_address=%ld\n", name, kNames[clock], raw(nr, id, kernel));
      printf("%s_%s_readonly=%ld\n", name, kNames[clock], raw(nr, id, (long)readonly));
      memset(pages + page - 8, 0x5a, 8);
      const long rc = raw(nr, id, straddle);
      int touched = 0;
      for (int i = 0; i < 8; ++i)
        touched |= pages[page - 8 + i] != 0x5a;
      printf("%s_%s_straddle=%ld\n", name, kNames[clock], rc);
      printf("%s_%s_straddle_first_half_written=%s\n", name, kNames[clock], touched ? "yes" : "no");
    }
  }
  const long now = raw(SYS_time, 0, 0);
  printf("time_null_is_a_time=%s\n", now > 1000000000L ? "yes" : "no");
  printf("time_unmapped=%ld\n", raw(SYS_time, unmapped, 0));
  printf("time_readonly=%ld\n", raw(SYS_time, (long)readonly, 0));
  int64_t stored = 0;
  const long returned = raw(SYS_time, (long)&stored, 0);
  printf("time_stores_what_it_returns=%s\n", returned == stored ? "yes" : "no");
  return 0;
}

static int others(int n) {
  static const long ids[] = {CLOCK_REALTIME,
                             CLOCK_MONOTONIC,
                             CLOCK_PROCESS_CPUTIME_ID,
                             CLOCK_THREAD_CPUTIME_ID,
                             CLOCK_MONOTONIC_RAW,
                             CLOCK_BOOTTIME,
                             16 + CLOCK_MONOTONIC_COARSE,
                             -1,
                             1000};
  long ok = 0, einval = 0;
  for (int i = 0; i < n; ++i) {
    for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); ++k) {
      struct timespec ts;
      const long rc = raw(SYS_clock_gettime, ids[k], (long)&ts);
      const long rc2 = raw(SYS_clock_getres, ids[k], (long)&ts);
      ok += (rc == 0) + (rc2 == 0);
      einval += (rc == -EINVAL) + (rc2 == -EINVAL);
    }
  }
  printf("ok=%ld einval=%ld\n", ok, einval);
  return 0;
}

static int undumpable(int n) {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    return 1;
  long ok = 0;
  for (int i = 0; i < n; ++i) {
    struct timespec ts;
    ok += raw(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, (long)&ts) == 0 && ts.tv_sec > 0;
  }
  printf("ok=%ld\n", ok);
  return 0;
}

static volatile sig_atomic_t received = 0;
static void on_signal(int signal) {
  (void)signal;
  received = received + 1;
}

/* Sits in the answered calls until `expected` signals came, or 30 s. */
static int storm(int signals) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal; /* no SA_RESTART: a Linux EINTR would show */
  sigemptyset(&action.sa_mask);
  sigaction(SIGRTMIN, &action, NULL);
  const pid_t target = getpid();
  const pid_t sender = fork();
  if (sender == 0) {
    for (int i = 0; i < signals; ++i) {
      const union sigval value = {.sival_int = i};
      while (sigqueue(target, SIGRTMIN, value) != 0) {
      }
      usleep(200); /* the receiver is mostly inside a call when it lands */
    }
    _exit(0);
  }
  long eintr = 0, errors = 0, calls = 0;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (received < signals) {
    struct timespec ts;
    const long id = calls % 2 == 0 ? CLOCK_MONOTONIC_COARSE : CLOCK_REALTIME_COARSE;
    long rc;
    switch (calls % 3) {
      case 0: rc = raw(SYS_clock_gettime, id, (long)&ts); break;
      case 1: rc = raw(SYS_clock_getres, id, (long)&ts); break;
      default: {
        const long seconds = raw(SYS_time, 0, 0);
        rc = seconds > 0 ? 0 : seconds;
        break;
      }
    }
    ++calls;
    if (rc == -EINTR)
      ++eintr;
    else if (rc != 0)
      ++errors;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 30)
      break;
  }
  int status;
  waitpid(sender, &status, 0);
  printf("received=%d expected=%d eintr=%ld errors=%ld calls=%ld\n", (int)received, signals, eintr,
         errors, calls);

  /* Callers killed while they sit in the calls: the others go on. */
  pid_t victims[8];
  for (int v = 0; v < 8; ++v) {
    victims[v] = fork();
    if (victims[v] == 0) {
      for (;;)
        raw(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, (long)&now);
    }
  }
  usleep(50 * 1000);
  int killed = 0;
  for (int v = 0; v < 8; ++v) {
    kill(victims[v], SIGKILL);
    waitpid(victims[v], &status, 0);
    killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }
  struct timespec after;
  const long rc = raw(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, (long)&after);
  printf("killed=%d served_after=%s\n", killed, rc == 0 && ns_of(&after) > 0 ? "yes" : "no");
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char* mode = argc > 1 ? argv[1] : "";
  const int n = argc > 2 ? atoi(argv[2]) : 0;
  if (strcmp(mode, "order") == 0 && n > 0)
    return order(n);
  if (strcmp(mode, "faults") == 0)
    return faults();
  if (strcmp(mode, "others") == 0 && n > 0)
    return others(n);
  if (strcmp(mode, "undumpable") == 0 && n > 0)
    return undumpable(n);
  if (strcmp(mode, "storm") == 0 && n > 0)
    return storm(n);
  fprintf(stderr,
          "usage: clockcalls order ROUNDS | faults | others N | undumpable N | storm SIGNALS\n");
  return 2;
}
