/* storm SIGNALS EXECS: a storm of signals while a process execs itself over
 * and over under vdso-run; every exec is an injection, so signals arrive
 * at every point of it.
 *
 * The process blocks SIGRTMIN (a blocked mask and pending signals survive
 * exec) and forks a sender that queues SIGNALS numbered SIGRTMIN signals
 * to it, each followed by a SIGWINCH (unblocked and ignored by default, so
 * it reaches the tracer as a signal stop at any moment). It then execs
 * itself EXECS times. The last image reaps the sender and collects the
 * queued signals: each number must arrive exactly once. Prints
 * "received=N expected=N" and exits 0 when they match. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void exec_next(int left, pid_t sender, int signals) {
  char left_text[16], sender_text[16], signals_text[16];
  snprintf(left_text, sizeof(left_text), "%d", left);
  snprintf(sender_text, sizeof(sender_text), "%d", (int)sender);
  snprintf(signals_text, sizeof(signals_text), "%d", signals);
  char* argv[] = {"storm", "--chain", left_text, sender_text, signals_text, NULL};
  execv("/proc/self/exe", argv);
  perror("storm: execv");
  exit(125);
}

static void send_storm(pid_t target, int signals) {
  for (int i = 0; i < signals; ++i) {
    const union sigval value = {.sival_int = i};
    while (sigqueue(target, SIGRTMIN, value) != 0) {
    }
    kill(target, SIGWINCH);
    const struct timespec gap = {0, 200 * 1000};
    nanosleep(&gap, NULL);
  }
}

static int collect(int signals) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN);
  char* seen = calloc((size_t)signals, 1);
  int received = 0, duplicates = 0;
  const struct timespec none = {0, 0};
  siginfo_t info;
  while (sigtimedwait(&set, &info, &none) == SIGRTMIN) {
    const int i = info.si_value.sival_int;
    if (i >= 0 && i < signals) {
      if (seen[i]) ++duplicates;
      seen[i] = 1;
      ++received;
    }
  }
  printf("received=%d expected=%d duplicates=%d\n", received, signals, duplicates);
  return received == signals && duplicates == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 5 && strcmp(argv[1], "--chain") == 0) {
    const int left = atoi(argv[2]);
    const pid_t sender = (pid_t)atoi(argv[3]);
    const int signals = atoi(argv[4]);
    if (left > 0) exec_next(left - 1, sender, signals);
    int status = 0;
    waitpid(sender, &status, 0);
    return collect(signals);
  }
  if (argc != 3) {
    fprintf(stderr, "usage: storm SIGNALS EXECS\n");
    return 2;
  }
  const int signals = atoi(argv[1]);
  const int execs = atoi(argv[2]);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &set, NULL);
  const pid_t self = getpid();
  const pid_t sender = fork();
  if (sender == 0) {
    send_storm(self, signals);
    _exit(0);
  }
  exec_next(execs, sender, signals);
  return 125;
}
