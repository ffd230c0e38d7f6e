/* The VDSO's point, counted: 100000 coarse clock_gettime calls through
 * libc (bound to the VDSO) and then exactly one through the raw system
 * call. Booted with `verbose`, the kernel's exit line for this process
 * must say clock_gettime=1: the 100000 never entered the kernel. */
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { kCalls = 100000 };

int main(void) {
  struct timespec last = {0, 0}, now;
  int backwards = 0;
  for (int i = 0; i < kCalls; ++i) {
    clock_gettime(i % 2 ? CLOCK_MONOTONIC_COARSE : CLOCK_REALTIME_COARSE, &now);
    if (i % 2 && (now.tv_sec < last.tv_sec || (now.tv_sec == last.tv_sec && now.tv_nsec < last.tv_nsec)))
      ++backwards;
    if (i % 2)
      last = now;
  }
  CHECK(backwards == 0, "%d coarse calls through the VDSO, never backwards", kCalls);
  CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, &now) == 0,
        "and one through the system call");
  return check_done("coarse_only");
}
