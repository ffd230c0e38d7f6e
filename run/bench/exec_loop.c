/* exec_loop N PROGRAM [ARGS...]: fork + exec + wait PROGRAM N times and
 * print the mean wall time of one round, in nanoseconds ("ns_per_exec=").
 * Run natively and under vdso-run, the difference is what vdso-run adds to
 * a program start: its fork and exec stops and the injection. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: exec_loop N PROGRAM [ARGS...]\n");
    return 2;
  }
  const int runs = atoi(argv[1]);
  const long long start = now_ns();
  for (int i = 0; i < runs; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      execv(argv[2], argv + 2);
      _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "exec_loop: %s failed\n", argv[2]);
      return 1;
    }
  }
  printf("ns_per_exec=%lld\n", (now_ns() - start) / runs);
  return 0;
}
