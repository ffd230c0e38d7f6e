/* Preemption: children that spin in user mode without ever entering the
 * kernel must not stop this parent from sleeping, waking and finishing.
 * Then SIGKILL ends them, which wait4 must report. */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { kSpinners = 2, kSleeps = 5 };

static int64_t now_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void) {
  printf("preempt (%s)\n", LIBC_NAME);
  fflush(stdout);
  pid_t spinners[kSpinners];
  for (int i = 0; i < kSpinners; ++i) {
    spinners[i] = fork();
    if (spinners[i] == 0) {
      for (volatile uint64_t n = 0;; ++n) {
      }
    }
  }
  for (int i = 0; i < kSleeps; ++i) {
    const int64_t before = now_ns(CLOCK_MONOTONIC);
    const struct timespec twenty_ms = {0, 20 * 1000 * 1000};
    nanosleep(&twenty_ms, NULL);
    const int64_t slept = now_ns(CLOCK_MONOTONIC) - before;
    /* Wakes after >= 20 ms; then waits for its turn behind the spinners
     * (a 10 ms slice each), so within a generous bound even under TCG. */
    CHECK(slept >= 20000000 && slept < 2000000000LL, "sleep %d of 20 ms took %lld us", i,
          (long long)(slept / 1000));
  }
  const int64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  printf("parent CPU time %lld us\n", (long long)(cpu / 1000));
  for (int i = 0; i < kSpinners; ++i) {
    CHECK(kill(spinners[i], SIGKILL) == 0, "kill(spinner %d, SIGKILL)", i);
    int status = 0;
    CHECK(waitpid(spinners[i], &status, 0) == spinners[i] && WIFSIGNALED(status) &&
              WTERMSIG(status) == SIGKILL,
          "spinner %d ended by SIGKILL (status %#x)", i, status);
  }
  errno = 0;
  CHECK(kill(99999, SIGTERM) == -1 && errno == ESRCH, "kill of no such pid: ESRCH");
  return check_done("preempt");
}
