/* In-guest benchmark: nanoseconds per call through the VDSO (libc binds it
 * from AT_SYSINFO_EHDR) and through the raw system call, side by side in
 * one run: clock_gettime for the coarse and the fine clocks, gettimeofday,
 * and getcpu (libc's sched_getcpu against getcpu(2)).
 *   bench [MILLISECONDS_PER_ROW]   (default 300)
 * Each row runs batches of calls until its time is up and reports the
 * median batch: a batch that a tick interrupt or a preemption hit does
 * not move the median. The last rows are the scaling ones: CLOCK_MONOTONIC
 * reads per second (the sum of every thread's) through the VDSO and through
 * the system call, by 1, 2 and 4 threads pinned to 1, 2 and 4 CPUs (as
 * many as are online: vdso-kernel-run --cpus N). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { kBatch = 1000, kMaxBatches = 4096 };

static int64_t now_ns(void) {
  struct timespec ts;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void via_vdso(clockid_t id) {
  struct timespec ts;
  for (int i = 0; i < kBatch; ++i)
    clock_gettime(id, &ts);
}
static void via_syscall(clockid_t id) {
  struct timespec ts;
  for (int i = 0; i < kBatch; ++i)
    syscall(SYS_clock_gettime, id, &ts);
}
static void gettimeofday_via_vdso(clockid_t unused) {
  (void)unused;
  struct timeval tv;
  for (int i = 0; i < kBatch; ++i)
    gettimeofday(&tv, NULL);
}
static void gettimeofday_via_syscall(clockid_t unused) {
  (void)unused;
  struct timeval tv;
  for (int i = 0; i < kBatch; ++i)
    syscall(SYS_gettimeofday, &tv, NULL);
}
/* The floor of the fine path: the counter read the VDSO makes, alone. */
static void counter_reads(clockid_t unused) {
  (void)unused;
  for (int i = 0; i < kBatch; ++i) {
    uint32_t low, high;
    __asm__ volatile("lfence; rdtsc" : "=a"(low), "=d"(high));
  }
}
static void getcpu_via_vdso(clockid_t unused) {
  (void)unused;
  for (int i = 0; i < kBatch; ++i)
    sched_getcpu();
}
static void getcpu_via_syscall(clockid_t unused) {
  (void)unused;
  unsigned cpu;
  for (int i = 0; i < kBatch; ++i)
    syscall(SYS_getcpu, &cpu, NULL, NULL);
}

static int compare(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static double measure(void (*body)(clockid_t), clockid_t id, int64_t budget_ns) {
  static double per_call[kMaxBatches];
  int batches = 0;
  const int64_t end = now_ns() + budget_ns;
  while (batches < kMaxBatches && (batches < 5 || now_ns() < end)) {
    const int64_t begin = now_ns();
    body(id);
    per_call[batches++] = (double)(now_ns() - begin) / kBatch;
  }
  qsort(per_call, batches, sizeof(per_call[0]), compare);
  return per_call[batches / 2];
}

struct ReaderRun {
  int cpu;          /* pinned here */
  clockid_t clock;  /* read through the VDSO, or ... */
  int system_call;  /* ... through the system call */
  long reads;
};
/* Set once every reader exists, so that thread creation is not timed. */
static volatile int64_t readers_end_ns;

static void* read_clock_until_end(void* arg) {
  struct ReaderRun* run = arg;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(run->cpu, &set);
  sched_setaffinity(0, sizeof(set), &set);
  while (readers_end_ns == 0)
    sched_yield();
  struct timespec ts;
  long reads = 0;
  do {
    if (run->system_call) {
      for (int i = 0; i < kBatch; ++i)
        syscall(SYS_clock_gettime, run->clock, &ts);
    } else {
      for (int i = 0; i < kBatch; ++i)
        clock_gettime(run->clock, &ts);
    }
    reads += kBatch;
  } while ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec < readers_end_ns);
  run->reads = reads;
  return NULL;
}

/* Reads of `clock` per second, summed over `threads` threads pinned round
 * robin to CPUs 0..cpus-1 and reading for `budget_ns`. */
static double reads_per_second(int threads, int cpus, clockid_t clock, int system_call,
                               int64_t budget_ns) {
  pthread_t ids[8];
  struct ReaderRun runs[8];
  readers_end_ns = 0;
  for (int i = 0; i < threads; ++i) {
    runs[i] = (struct ReaderRun){i % cpus, clock, system_call, 0};
    pthread_create(&ids[i], NULL, read_clock_until_end, &runs[i]);
  }
  const int64_t begin = now_ns();
  readers_end_ns = begin + budget_ns;
  long total = 0;
  for (int i = 0; i < threads; ++i) {
    pthread_join(ids[i], NULL);
    total += runs[i].reads;
  }
  return (double)total * 1e9 / (double)(now_ns() - begin);
}

/* 1, 2 and 4 threads on 1, 2 and 4 CPUs (those online): CLOCK_MONOTONIC
 * through the VDSO (the TSC read), CLOCK_MONOTONIC_COARSE through the VDSO
 * (the page alone) and CLOCK_MONOTONIC through the system call, each
 * against its own 1 thread on 1 CPU of the same run. Readers of the page
 * share its cache line and never write it, so they scale with the CPUs;
 * system calls take the kernel lock. */
static void scaling(int64_t budget_ns) {
  const int online = (int)sysconf(_SC_NPROCESSORS_ONLN);
  printf("reads per second, all threads together, M/s (x the same column's 1 thread on 1 CPU); "
         "%d CPUs online\n",
         online);
  printf("%-8s %-5s %18s %18s %18s\n", "threads", "CPUs", "MONOTONIC VDSO", "COARSE VDSO",
         "MONOTONIC syscall");
  double base[3] = {0, 0, 0};
  for (int cpus = 1; cpus <= 4 && cpus <= online; cpus *= 2) {
    for (int threads = 1; threads <= 4; threads *= 2) {
      const double rates[3] = {
          reads_per_second(threads, cpus, CLOCK_MONOTONIC, 0, budget_ns),
          reads_per_second(threads, cpus, CLOCK_MONOTONIC_COARSE, 0, budget_ns),
          reads_per_second(threads, cpus, CLOCK_MONOTONIC, 1, budget_ns)};
      printf("%-8d %-5d", threads, cpus);
      for (int i = 0; i < 3; ++i) {
        if (base[i] == 0)
          base[i] = rates[i];
        printf(" %9.2f (%5.2fx)", rates[i] / 1e6, rates[i] / base[i]);
      }
      printf("\n");
    }
  }
}

int main(int argc, char** argv) {
  const int64_t budget = (argc > 1 ? atol(argv[1]) : 300) * 1000000LL;
  struct Row {
    const char* name;
    void (*vdso)(clockid_t);
    void (*sys)(clockid_t);
    clockid_t id;
  } rows[] = {{"CLOCK_MONOTONIC_COARSE", via_vdso, via_syscall, CLOCK_MONOTONIC_COARSE},
              {"CLOCK_REALTIME_COARSE", via_vdso, via_syscall, CLOCK_REALTIME_COARSE},
              {"CLOCK_MONOTONIC", via_vdso, via_syscall, CLOCK_MONOTONIC},
              {"CLOCK_REALTIME", via_vdso, via_syscall, CLOCK_REALTIME},
              {"CLOCK_MONOTONIC_RAW", via_vdso, via_syscall, CLOCK_MONOTONIC_RAW},
              {"gettimeofday", gettimeofday_via_vdso, gettimeofday_via_syscall, 0},
              {"getcpu (sched_getcpu)", getcpu_via_vdso, getcpu_via_syscall, 0}};
  printf("in-guest VDSO benchmark (static %s), ns per call, median of %d-call batches\n", LIBC_NAME,
         kBatch);
  printf("%-24s %12s %12s %9s\n", "call", "VDSO (libc)", "system call", "speed-up");
  for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); ++i) {
    const double vdso = measure(rows[i].vdso, rows[i].id, budget);
    const double sys = measure(rows[i].sys, rows[i].id, budget);
    printf("%-24s %12.1f %12.1f %8.1fx\n", rows[i].name, vdso, sys, sys / vdso);
  }
  printf("%-24s %12.1f   (the fine path's counter read, alone)\n", "lfence; rdtsc",
         measure(counter_reads, 0, budget));
  scaling(budget);
  printf(
      "(the fine clocks' VDSO path is the fallback system call where the kernel gives user\n"
      " space no TSC, and getcpu's where the kernel publishes no getcpu mode: see the\n"
      " kernel's log lines \"user-space fine clocks\" and \"getcpu through\")\n");
  return 0;
}
