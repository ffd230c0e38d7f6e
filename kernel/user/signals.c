/* Signal handlers on the kernel's rt_sigframe: delivery with siginfo,
 * masks, SA_RESETHAND, SIG_IGN, a SIGSEGV handler that siglongjmps out, a
 * nanosleep cut short (EINTR), and handlers that interrupt a computation
 * at arbitrary points (the tick) and must leave every register, SSE
 * included, as they found it. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t handled, handled_signo, handled_code, handled_pid;
static void on_signal(int signo, siginfo_t* info, void* context) {
  (void)context;
  ++handled;
  handled_signo = signo;
  handled_code = info->si_code;
  handled_pid = info->si_pid;
}

static sigjmp_buf recover;
static void* volatile fault_address = (void*)1;
static volatile int fault_code;
static void on_segv(int signo, siginfo_t* info, void* context) {
  (void)signo;
  (void)context;
  fault_address = info->si_addr;
  fault_code = info->si_code;
  siglongjmp(recover, 1);
}

static void install(int signo, void (*handler)(int, siginfo_t*, void*), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(signo, &sa, NULL);
}

static volatile sig_atomic_t interruptions;
static void count_interruption(int signo) {
  (void)signo;
  ++interruptions;
}

/* A computation whose result depends on every register being right:
 * integer (xorshift) and SSE (double) state. */
static double compute(uint64_t* out) {
  uint64_t x = 0x9e3779b97f4a7c15ull;
  double d = 1.0;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    d = d * 1.0000001 + (double)(x & 0xff) * 1e-9;
  }
  *out = x;
  return d;
}

/* Repeats the computation until handlers have interrupted it a few times;
 * every pass must match the reference computed without any. */
static int compute_under_signals(uint64_t want_x, double want_d) {
  signal(SIGUSR1, count_interruption);
  for (int pass = 0; pass < 100000 && interruptions < 5; ++pass) {
    uint64_t x;
    const double d = compute(&x);
    if (x != want_x || d != want_d)
      return 1;
  }
  return interruptions >= 5 ? 0 : 2;
}

int main(void) {
  printf("signals (%s)\n", LIBC_NAME);
  install(SIGUSR1, on_signal, 0);
  raise(SIGUSR1);
  CHECK(handled == 1 && handled_signo == SIGUSR1 && handled_pid == getpid(),
        "raise(SIGUSR1) ran the handler: signo %d, si_code %d, si_pid %d", (int)handled_signo,
        (int)handled_code, (int)handled_pid);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  install(SIGUSR2, on_signal, 0);
  sigprocmask(SIG_BLOCK, &set, NULL);
  handled = 0;
  kill(getpid(), SIGUSR2);
  CHECK(handled == 0, "blocked SIGUSR2 waits");
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  CHECK(handled == 1 && handled_signo == SIGUSR2 && handled_code == SI_USER,
        "unblocking delivers it (si_code %d)", (int)handled_code);

  signal(SIGTERM, SIG_IGN);
  raise(SIGTERM);
  CHECK(1, "ignored SIGTERM does nothing");
  signal(SIGTERM, SIG_DFL);

  install(SIGSEGV, on_segv, 0);
  if (sigsetjmp(recover, 1) == 0) {
    int* volatile bad = (int*)16;
    *bad = 1;
    CHECK(0, "the write to address 16 faulted");
  }
  CHECK(fault_address == (void*)16 && fault_code == SEGV_MAPERR,
        "SIGSEGV handler: si_addr %p, si_code %d, siglongjmp back", fault_address, fault_code);
  signal(SIGSEGV, SIG_DFL);

  /* SA_RESETHAND: the first SIGUSR1 is caught, the second kills. */
  pid_t child = fork();
  if (child == 0) {
    install(SIGUSR1, on_signal, SA_RESETHAND);
    handled = 0;
    raise(SIGUSR1);
    if (handled != 1)
      _exit(1);
    raise(SIGUSR1);
    _exit(2);
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1,
        "SA_RESETHAND: caught once, then the default action (status %#x)", status);

  /* A signal cuts a long nanosleep short. */
  install(SIGUSR1, on_signal, 0);
  child = fork();
  if (child == 0) {
    const struct timespec short_nap = {0, 50 * 1000 * 1000};
    nanosleep(&short_nap, NULL);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  handled = 0;
  struct timespec long_nap = {30, 0}, left = {0, 0};
  errno = 0;
  const int r = nanosleep(&long_nap, &left);
  CHECK(r == -1 && errno == EINTR && handled == 1 && left.tv_sec > 20,
        "nanosleep(30 s) interrupted: EINTR, %ld s left, handler ran", (long)left.tv_sec);
  waitpid(child, NULL, 0);

  /* Asynchronous handlers in the middle of a computation. */
  uint64_t want_x;
  const double want_d = compute(&want_x);
  child = fork();
  if (child == 0)
    _exit(compute_under_signals(want_x, want_d));
  for (int i = 0; i < 1000 && waitpid(child, &status, WNOHANG) == 0; ++i) {
    const struct timespec pause = {0, 3 * 1000 * 1000};
    nanosleep(&pause, NULL);
    kill(child, SIGUSR1);
  }
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "a computation interrupted by handlers finishes intact (status %#x)", status);
  return check_done("signals");
}
