// A process-group stop from inside the tree must not stop the supervisor
// (supervisor_reach.sh). The parent starts a child in a session of its own,
// then stops its whole process group (kill(0, SIGSTOP)), which on the host
// would include vdso-run. The child reads the page's coarse clock for one
// second of the fine one: it must keep ticking. The child then resumes the
// parent (SIGCONT) and both report.
//
//   groupstop SIGNAL   the signal sent to the group (STOP, or USR2, which
//                      the parent handles and vdso-run would die of)
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t got_usr2;
static void on_usr2(int signal) {
  (void)signal;
  got_usr2 = 1;
}

int main(int argc, char** argv) {
  if (argc != 2 || (strcmp(argv[1], "STOP") != 0 && strcmp(argv[1], "USR2") != 0)) {
    fprintf(stderr, "usage: groupstop STOP|USR2\n");
    return 2;
  }
  const int signal_to_send = strcmp(argv[1], "STOP") == 0 ? SIGSTOP : SIGUSR2;
  signal(SIGUSR2, on_usr2);
  setvbuf(stdout, NULL, _IONBF, 0);
  int ready[2], left_group[2];
  if (pipe(ready) != 0 || pipe(left_group) != 0)
    return 1;
  const pid_t child = fork();
  if (child == 0) {
    setsid();  // out of the group: a real kernel would not stop it
    close(left_group[0]);
    close(left_group[1]);  // tells the parent it has left the group
    close(ready[1]);
    char byte;
    if (read(ready[0], &byte, 1) != 0)  // EOF: the parent sent the signal
      return 1;
    usleep(100000);
    const double fine_start = seconds(CLOCK_MONOTONIC);
    const double coarse_start = seconds(CLOCK_MONOTONIC_COARSE);
    while (seconds(CLOCK_MONOTONIC) - fine_start < 1.0)
      usleep(20000);
    const double coarse_moved = seconds(CLOCK_MONOTONIC_COARSE) - coarse_start;
    printf("child_coarse_moved_ms=%d\n", (int)(coarse_moved * 1000));
    kill(getppid(), SIGCONT);
    return 0;
  }
  close(ready[0]);
  close(left_group[1]);
  // The stop must not reach the child before its setsid: it would then
  // stop with the group, and nobody would resume the parent.
  char byte;
  if (read(left_group[0], &byte, 1) != 0)
    return 1;
  close(ready[1]);  // must come before the stop: the child waits for it
  const int rc = kill(0, signal_to_send);
  printf("kill_group=%s\n", rc == 0 ? "ok" : strerrorname_np(errno));
  int status;
  waitpid(child, &status, 0);
  printf("parent_resumed=yes\n");
  if (signal_to_send == SIGUSR2)
    printf("parent_got_usr2=%s\n", got_usr2 ? "yes" : "no");
  return 0;
}
