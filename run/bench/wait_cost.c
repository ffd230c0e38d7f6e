/* wait_cost: what a futex costs a program, per call, for the benchmark of
 * timed waits under virtual time (scripts/run-bench.sh). Prints
 *   untimed_futex_ns=N  FUTEX_WAIT without a timeout on a changed word
 *                       (EAGAIN at once: what a contended mutex costs in
 *                       the filter, which must look at its arguments)
 *   timed_futex_ns=N    FUTEX_WAIT_BITSET with a REALTIME deadline 1 s
 *                       ahead, on a changed word (EAGAIN at once: under
 *                       virtual time, the whole round trip of a translated
 *                       wait, the tracer's two stops)
 * each the median of 5 batches of N calls ("wait_cost N"), timed on
 * MONOTONIC: run it under --at or --offset, which leave MONOTONIC the
 * host's (the waits translated are the same under --rate).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// include/uapi/linux/futex.h: FUTEX_WAIT and FUTEX_WAIT_BITSET, private;
// FUTEX_CLOCK_REALTIME.
enum { kFutexWaitPrivate = 128, kFutexWaitBitsetPrivate = 9 | 128, kFutexClockRealtime = 256 };
enum { kBatches = 5 };

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int compare(const void* a, const void* b) {
  const int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return (x > y) - (x < y);
}

// `op` with `timeout` (null: none), on a word that is not 0: EAGAIN.
static int64_t median_ns_per_call(long calls, int op, const struct timespec* timeout) {
  int64_t batches[kBatches];
  uint32_t word = 1;
  for (int b = 0; b < kBatches; ++b) {
    const int64_t start = now_ns();
    for (long i = 0; i < calls; ++i)
      syscall(SYS_futex, &word, op, 0, timeout, NULL, 0xffffffff);
    batches[b] = (now_ns() - start) / calls;
  }
  qsort(batches, kBatches, sizeof(batches[0]), compare);
  return batches[kBatches / 2];
}

int main(int argc, char** argv) {
  const long calls = argc > 1 ? atol(argv[1]) : 0;
  if (calls <= 0) {
    fprintf(stderr, "usage: wait_cost CALLS\n");
    return 2;
  }
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 1000;  // never reached: every call returns at once
  printf("untimed_futex_ns=%lld\n", (long long)median_ns_per_call(calls, kFutexWaitPrivate, NULL));
  printf("timed_futex_ns=%lld\n",
         (long long)median_ns_per_call(calls, kFutexWaitBitsetPrivate | kFutexClockRealtime,
                                       &deadline));
  return 0;
}
