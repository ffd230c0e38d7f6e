/* rt_sigsuspend as Linux serves it (what a shell's `wait` sleeps in):
 * it waits under the given mask, a handler runs under that mask, the call
 * ends with EINTR (even under SA_RESTART) and the caller's mask is back
 * afterwards; a signal already pending ends it at once; a bad size is
 * EINVAL, a bad pointer EFAULT. Each check prints a line; the exit status
 * is the number of failures. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t handled;
static volatile sig_atomic_t usr2_blocked_in_handler;

static void on_usr1(int signal) {
  (void)signal;
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
  handled = 1;
}

/* A child that sends SIGUSR1 to us after 50 ms. */
static pid_t send_usr1_soon(void) {
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child == 0) {
    const struct timespec moment = {0, 50000000};
    nanosleep(&moment, NULL);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  return child;
}

static void wait_under(int flags) {
  struct sigaction action = {0};
  action.sa_handler = on_usr1;
  action.sa_flags = flags;
  sigaction(SIGUSR1, &action, NULL);
  sigset_t blocked, during, after;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  sigprocmask(SIG_SETMASK, &blocked, NULL);
  sigemptyset(&during);
  sigaddset(&during, SIGUSR2);
  handled = usr2_blocked_in_handler = 0;
  const pid_t child = send_usr1_soon();
  errno = 0;
  const int r = sigsuspend(&during);
  const int error = errno;
  sigprocmask(SIG_BLOCK, NULL, &after);
  CHECK(r == -1 && error == EINTR && handled,
        "sigsuspend%s: the handler ran, then -1 EINTR (errno %d)",
        flags & SA_RESTART ? " (SA_RESTART)" : "", error);
  CHECK(usr2_blocked_in_handler, "the handler ran under sigsuspend's mask (SIGUSR2 blocked)");
  CHECK(sigismember(&after, SIGUSR1) && !sigismember(&after, SIGUSR2),
        "afterwards the caller's mask is back (SIGUSR1 blocked, SIGUSR2 not)");
  waitpid(child, NULL, 0);
}

int main(void) {
  printf("sigsuspend\n");
  wait_under(0);
  wait_under(SA_RESTART);

  /* Already pending (blocked until now): sigsuspend returns at once. */
  handled = 0;
  raise(SIGUSR1);
  sigset_t open;
  sigemptyset(&open);
  errno = 0;
  CHECK(sigsuspend(&open) == -1 && errno == EINTR && handled,
        "a pending signal the mask lets through ends it at once");

  uint64_t mask = 0;
  CHECK(syscall(SYS_rt_sigsuspend, &mask, 4) == -1 && errno == EINVAL, "a 4-byte mask: EINVAL");
  CHECK(syscall(SYS_rt_sigsuspend, (void*)8, 8) == -1 && errno == EFAULT,
        "a bad mask pointer: EFAULT");
  return check_done("sigsuspend");
}
