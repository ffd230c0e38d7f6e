/* In-guest benchmark: nanoseconds per call of clock_gettime through the
 * VDSO (libc binds it from AT_SYSINFO_EHDR) and through the raw system
 * call, for the coarse clocks the VDSO serves and for CLOCK_MONOTONIC.
 *   bench [MILLISECONDS_PER_ROW]   (default 300)
 * Each row runs batches of calls until its time is up and reports the
 * median batch: a batch that a tick interrupt or a preemption hit does
 * not move the median. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
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

int main(int argc, char** argv) {
  const int64_t budget = (argc > 1 ? atol(argv[1]) : 300) * 1000000LL;
  struct Row {
    const char* clock;
    clockid_t id;
  } rows[] = {{"CLOCK_MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE},
              {"CLOCK_REALTIME_COARSE", CLOCK_REALTIME_COARSE},
              {"CLOCK_MONOTONIC", CLOCK_MONOTONIC}};
  printf("in-guest clock_gettime benchmark (static %s), ns per call, median of %d-call batches\n",
         LIBC_NAME, kBatch);
  printf("%-24s %12s %12s %9s\n", "clock", "VDSO (libc)", "system call", "speed-up");
  for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); ++i) {
    const double vdso = measure(via_vdso, rows[i].id, budget);
    const double sys = measure(via_syscall, rows[i].id, budget);
    printf("%-24s %12.1f %12.1f %8.1fx\n", rows[i].clock, vdso, sys, sys / vdso);
  }
  printf("(on vdso-kernel the data page serves only the coarse clocks: CLOCK_MONOTONIC's\n"
         " VDSO path is the fallback system call there, so its two columns are close)\n");
  return 0;
}
