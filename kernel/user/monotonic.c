/* MONOTONIC never goes backwards, within a process and across processes.
 *   monotonic [GENERATIONS [NOT_BEFORE_NS]]
 * Each generation forks readers that run concurrently (preempted on the
 * tick) and check every reading, precise and coarse, against their own
 * previous one and against the parent's reading taken before the fork;
 * then the generation execs the next with its last reading, which the
 * next must not undercut. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { kReaders = 3, kReadings = 20000 };

static int64_t now_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Failures of one reader, or 0. */
static int read_clocks(int64_t not_before) {
  int64_t last_fine = not_before, last_coarse = 0;
  int failures = 0;
  for (int i = 0; i < kReadings; ++i) {
    const int64_t coarse = now_ns(CLOCK_MONOTONIC_COARSE);
    const int64_t fine = now_ns(CLOCK_MONOTONIC);
    if (fine < last_fine || coarse < last_coarse || coarse > fine)
      ++failures;
    last_fine = fine;
    last_coarse = coarse;
  }
  return failures;
}

int main(int argc, char** argv) {
  const int generations = argc > 1 ? atoi(argv[1]) : 3;
  const int64_t not_before = argc > 2 ? strtoll(argv[2], NULL, 10) : 0;
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  printf("monotonic (%s): generation %d, pid %d\n", LIBC_NAME, generations, (int)getpid());
  CHECK(start >= not_before, "first reading %lld >= the previous generation's last %lld",
        (long long)start, (long long)not_before);

  pid_t readers[kReaders];
  for (int i = 0; i < kReaders; ++i) {
    readers[i] = fork();
    if (readers[i] == 0)
      _exit(read_clocks(start) > 0);
  }
  const int own = read_clocks(start);
  CHECK(own == 0, "parent: %d readings went backwards", own);
  for (int i = 0; i < kReaders; ++i) {
    int status = -1;
    waitpid(readers[i], &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "reader %d: never backwards, never before the fork", i);
  }
  const int64_t last = now_ns(CLOCK_MONOTONIC);
  fflush(stdout);
  if (generations > 1 && check_failures == 0) {
    char next[16], stamp[32];
    snprintf(next, sizeof(next), "%d", generations - 1);
    snprintf(stamp, sizeof(stamp), "%lld", (long long)last);
    char* const next_argv[] = {argv[0], next, stamp, NULL};
    execv(argv[0], next_argv);
    CHECK(0, "execv(%s) failed: errno %d", argv[0], errno);
  }
  return check_done("monotonic");
}
