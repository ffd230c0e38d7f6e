/* Timers and sleeps on the page's clocks, through the libc as a program
 * uses them: clock_nanosleep on every clock Linux sleeps on (TAI too) and
 * its errors for the others; POSIX timers (SIGEV_SIGNAL, SIGEV_THREAD_ID,
 * SIGEV_NONE; relative and TIMER_ABSTIME; gettime, getoverrun, delete);
 * setitimer/getitimer/alarm; timerfd; read-only adjtimex/clock_adjtime;
 * the CPU-time timers (ITIMER_VIRTUAL, ITIMER_PROF, timer_create on the
 * process's and the thread's CPU clocks); the waits that are sleeps too
 * (select, pselect6, poll, ppoll, epoll_pwait, pause, sigsuspend) and their masks.
 * Times are checked from below only (an expiry never comes before its
 * deadline on the clock the program reads through the VDSO): how late a
 * timer is depends on the machine's load, not on correctness. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif
#if defined(__GLIBC__) && !defined(sigev_notify_thread_id)
#define sigev_notify_thread_id _sigev_un._tid
#endif
#ifndef ADJ_OFFSET_SS_READ
#define ADJ_OFFSET_SS_READ 0xa001
#endif

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static struct timespec timespec_of(int64_t ns) {
  struct timespec ts = {ns / 1000000000, ns % 1000000000};
  return ts;
}
static void sleep_ns(int64_t ns) {
  struct timespec ts = timespec_of(ns);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* What the last timer signal said. */
static volatile sig_atomic_t signals_seen;
static volatile int last_code, last_value, last_overrun, first_overrun;
static volatile int64_t last_at_ns;
static void on_timer_signal(int signal, siginfo_t* info, void* context) {
  (void)signal;
  (void)context;
  last_code = info->si_code;
  last_value = info->si_value.sival_int;
  last_overrun = info->si_overrun;
  if (signals_seen == 0)
    first_overrun = info->si_overrun;
  last_at_ns = now_ns(CLOCK_MONOTONIC);
  ++signals_seen;
}

/* Waits (sleeping, so the signal interrupts) until `count` signals came. */
static int wait_for_signals(int count) {
  for (int i = 0; i < 2000 && signals_seen < count; ++i)
    sleep_ns(5 * 1000000);
  return signals_seen >= count;
}

static void sleeps(void) {
  const clockid_t sleeping[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,      CLOCK_BOOTTIME,
                                CLOCK_TAI,      CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM};
  const char* names[] = {"REALTIME", "MONOTONIC",      "BOOTTIME",
                         "TAI",      "REALTIME_ALARM", "BOOTTIME_ALARM"};
  for (int i = 0; i < 6; ++i) {
    const int64_t start = now_ns(CLOCK_MONOTONIC);
    struct timespec request = timespec_of(10 * 1000000);
    const int relative = clock_nanosleep(sleeping[i], 0, &request, NULL);
    const int64_t slept = now_ns(CLOCK_MONOTONIC) - start;
    /* CLOCK_*_ALARM need CAP_WAKE_ALARM on Linux: EPERM there. */
    CHECK(relative == 0 && slept >= 10 * 1000000, "clock_nanosleep(%s, 10 ms): %d, slept %lld us",
          names[i], relative, (long long)(slept / 1000));
    const int64_t deadline = now_ns(sleeping[i]) + 15 * 1000000;
    request = timespec_of(deadline);
    const int absolute = clock_nanosleep(sleeping[i], TIMER_ABSTIME, &request, NULL);
    CHECK(absolute == 0 && now_ns(sleeping[i]) >= deadline,
          "clock_nanosleep(%s, TIMER_ABSTIME): %d, woke at or after the deadline", names[i],
          absolute);
  }
  struct timespec request = timespec_of(1000000);
  CHECK(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &request, NULL) == ENOTSUP &&
            clock_nanosleep(CLOCK_MONOTONIC_COARSE, 0, &request, NULL) == ENOTSUP &&
            clock_nanosleep(CLOCK_REALTIME_COARSE, 0, &request, NULL) == ENOTSUP,
        "clock_nanosleep on MONOTONIC_RAW and the coarse clocks: ENOTSUP");
  CHECK(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &request, NULL) == EINVAL &&
            clock_nanosleep(10, 0, &request, NULL) == EINVAL &&
            clock_nanosleep(100, 0, &request, NULL) == EINVAL,
        "clock_nanosleep on the thread's CPU clock and unknown ids: EINVAL");
  request = timespec_of(1);
  CHECK(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &request, NULL) == 0,
        "clock_nanosleep on the process's CPU clock, to a time it has passed: 0");
}

static void posix_timers(void) {
  struct sigevent event = {0};
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  event.sigev_value.sival_int = 42;
  timer_t timer;
  CHECK(timer_create(CLOCK_MONOTONIC, &event, &timer) == 0, "timer_create(MONOTONIC, SIGUSR1)");

  /* One shot, relative. */
  signals_seen = 0;
  struct itimerspec setting = {{0, 0}, timespec_of(20 * 1000000)};
  const int64_t armed_at = now_ns(CLOCK_MONOTONIC);
  CHECK(timer_settime(timer, 0, &setting, NULL) == 0, "timer_settime 20 ms");
  struct itimerspec left;
  CHECK(timer_gettime(timer, &left) == 0 && left.it_value.tv_sec == 0 &&
            left.it_value.tv_nsec <= 20 * 1000000,
        "timer_gettime: %ld ns left", (long)left.it_value.tv_nsec);
  CHECK(wait_for_signals(1) && last_at_ns - armed_at >= 20 * 1000000,
        "its SIGUSR1 came %lld us after arming", (long long)((last_at_ns - armed_at) / 1000));
  CHECK(last_code == SI_TIMER && last_value == 42, "si_code SI_TIMER (%d), si_value 42 (%d)",
        last_code, last_value);
  CHECK(timer_gettime(timer, &left) == 0 && left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0,
        "a one-shot timer that fired reads disarmed");

  /* Absolute, on REALTIME. */
  timer_t wall;
  CHECK(timer_create(CLOCK_REALTIME, &event, &wall) == 0, "timer_create(REALTIME)");
  signals_seen = 0;
  const int64_t deadline = now_ns(CLOCK_REALTIME) + 25 * 1000000;
  setting.it_value = timespec_of(deadline);
  CHECK(timer_settime(wall, TIMER_ABSTIME, &setting, NULL) == 0, "timer_settime TIMER_ABSTIME");
  CHECK(wait_for_signals(1) && now_ns(CLOCK_REALTIME) >= deadline,
        "it fired at or after its REALTIME deadline");
  CHECK(timer_delete(wall) == 0, "timer_delete");
  /* musl's timer_delete returns the raw -EINVAL rather than -1. */
  CHECK(timer_gettime(wall, &left) == -1 && errno == EINVAL && timer_delete(wall) != 0,
        "a deleted timer is EINVAL");

  /* Periodic, with its signal blocked: the expiries become overruns. */
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  signals_seen = 0;
  struct itimerspec periodic = {timespec_of(5 * 1000000), timespec_of(5 * 1000000)};
  timer_settime(timer, 0, &periodic, NULL);
  sleep_ns(60 * 1000000);
  CHECK(signals_seen == 0, "12 periods with the signal blocked: no handler ran");
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);
  struct itimerspec stop = {{0, 0}, {0, 0}};
  struct itimerspec was;
  CHECK(timer_settime(timer, 0, &stop, &was) == 0 && was.it_interval.tv_nsec == 5 * 1000000,
        "timer_settime's old value has the 5 ms period");
  CHECK(signals_seen >= 1 && first_overrun >= 3,
        "unblocked: one signal for them all, the others are its si_overrun (%d)", first_overrun);
  CHECK(timer_getoverrun(timer) == last_overrun,
        "timer_getoverrun: the overruns of the last signal delivered (%d)",
        timer_getoverrun(timer));
  timer_delete(timer);

  /* SIGEV_NONE: nothing is sent, the time still runs out. */
  struct sigevent quiet = {0};
  quiet.sigev_notify = SIGEV_NONE;
  timer_t silent;
  CHECK(timer_create(CLOCK_BOOTTIME, &quiet, &silent) == 0, "timer_create(SIGEV_NONE)");
  /* Armed for 5 s: still armed when read back, however loaded the machine. */
  setting.it_value = timespec_of(5000 * 1000000ll);
  timer_settime(silent, 0, &setting, NULL);
  CHECK(timer_gettime(silent, &left) == 0 &&
            (left.it_value.tv_sec > 0 || left.it_value.tv_nsec > 0) &&
            (left.it_value.tv_sec < 5 || (left.it_value.tv_sec == 5 && left.it_value.tv_nsec == 0)),
        "timer_gettime of a 5 s timer: %ld.%09ld s left", (long)left.it_value.tv_sec,
        (long)left.it_value.tv_nsec);
  signals_seen = 0;
  setting.it_value = timespec_of(10 * 1000000);
  timer_settime(silent, 0, &setting, NULL);
  sleep_ns(30 * 1000000);
  CHECK(timer_gettime(silent, &left) == 0 && left.it_value.tv_nsec == 0 && signals_seen == 0,
        "SIGEV_NONE: expired without a signal");
  timer_delete(silent);

  /* SIGEV_THREAD_ID: to this thread; a thread of no one is EINVAL. */
  struct sigevent to_thread = event;
  to_thread.sigev_notify = SIGEV_THREAD_ID;
  to_thread.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
  timer_t own;
  CHECK(timer_create(CLOCK_MONOTONIC, &to_thread, &own) == 0, "timer_create(SIGEV_THREAD_ID)");
  signals_seen = 0;
  setting.it_value = timespec_of(10 * 1000000);
  timer_settime(own, 0, &setting, NULL);
  CHECK(wait_for_signals(1) && last_code == SI_TIMER, "its signal reached this thread");
  timer_delete(own);
  to_thread.sigev_notify_thread_id = 999999;
  CHECK(timer_create(CLOCK_MONOTONIC, &to_thread, &own) == -1 && errno == EINVAL,
        "SIGEV_THREAD_ID to a thread that is not ours: EINVAL");
  CHECK(timer_create(CLOCK_MONOTONIC_RAW, &event, &own) == -1 && errno == ENOTSUP,
        "timer_create(MONOTONIC_RAW): ENOTSUP");
  CHECK(timer_create(100, &event, &own) == -1 && errno == EINVAL, "timer_create(100): EINVAL");

  /* A child has none of its parent's timers. */
  timer_t parents;
  timer_create(CLOCK_MONOTONIC, &event, &parents);
  const pid_t child = fork();
  if (child == 0)
    _exit(timer_gettime(parents, &left) == -1 && errno == EINVAL ? 0 : 1);
  int status = -1;
  waitpid(child, &status, 0);
  CHECK(status == 0, "a forked child does not have its parent's timers");
  timer_delete(parents);
}

static void interval_timer(void) {
  signals_seen = 0;
  struct itimerval every = {{0, 10000}, {0, 10000}};
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0, "setitimer(ITIMER_REAL, 10 ms)");
  CHECK(wait_for_signals(3) && now_ns(CLOCK_MONOTONIC) - start >= 30 * 1000000,
        "three SIGALRMs, no sooner than 30 ms");
  struct itimerval now;
  CHECK(getitimer(ITIMER_REAL, &now) == 0 && now.it_interval.tv_usec == 10000,
        "getitimer: the period");
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  CHECK(getitimer(ITIMER_REAL, &now) == 0 && now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0,
        "disarmed");
  CHECK(alarm(5) == 0 && alarm(0) == 5, "alarm(5) then alarm(0) returns the 5 s left");
}

/* CPU-time timers fire on the CPU time the process spends, never on time
 * it sleeps, and never before their CPU time has passed. */
static volatile sig_atomic_t cpu_timer_signal;
static void on_cpu_timer_signal(int signal) {
  cpu_timer_signal = signal;
}

/* Spins (in user mode, or in system calls for ITIMER_PROF's sake) until a
 * CPU-time timer's signal comes; the CPU time spent since `cpu_start_ns`,
 * or -1 if none came within 10 s. */
static int64_t spin_until_cpu_signal(int64_t cpu_start_ns, int in_system_calls) {
  const int64_t give_up = now_ns(CLOCK_MONOTONIC) + 10 * 1000000000LL;
  while (cpu_timer_signal == 0 && now_ns(CLOCK_MONOTONIC) < give_up) {
    if (in_system_calls)
      syscall(SYS_getppid);
  }
  return cpu_timer_signal != 0 ? now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_start_ns : -1;
}

static void cpu_time_timers(void) {
  const int64_t budget_ns = 20 * 1000000;
  signal(SIGVTALRM, on_cpu_timer_signal);
  signal(SIGPROF, on_cpu_timer_signal);
  signal(SIGUSR2, on_cpu_timer_signal);
  const struct itimerval once = {{0, 0}, {0, budget_ns / 1000}};
  const int which[] = {ITIMER_VIRTUAL, ITIMER_PROF};
  const int signals[] = {SIGVTALRM, SIGPROF};
  const char* names[] = {"ITIMER_VIRTUAL", "ITIMER_PROF"};
  for (int i = 0; i < 2; ++i) {
    cpu_timer_signal = 0;
    const int64_t cpu_start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(setitimer(which[i], &once, NULL) == 0, "setitimer(%s, 20 ms)", names[i]);
    sleep_ns(3 * budget_ns);
    CHECK(cpu_timer_signal == 0, "%s: no signal during a 60 ms sleep (no CPU time spent)",
          names[i]);
    struct itimerval left;
    CHECK(getitimer(which[i], &left) == 0 && left.it_value.tv_sec == 0 &&
              left.it_value.tv_usec > 0 && left.it_value.tv_usec <= 2 * budget_ns / 1000,
          "getitimer(%s): still armed, %ld us of its 20 ms left (Linux rounds up to its tick)",
          names[i], (long)left.it_value.tv_usec);
    const int64_t spent = spin_until_cpu_signal(cpu_start, which[i] == ITIMER_PROF);
    CHECK(cpu_timer_signal == signals[i] && spent >= budget_ns,
          "%s: its signal after %lld us of CPU time (at least 20 ms)", names[i],
          (long long)(spent / 1000));
    CHECK(getitimer(which[i], &left) == 0 && left.it_value.tv_usec == 0, "%s: one shot, disarmed",
          names[i]);
  }

  /* POSIX timers on the process's and on the thread's CPU clock (glibc
   * passes each as Linux's encoded id, musl as the constant). */
  const clockid_t clocks[] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
  const char* clock_names[] = {"PROCESS_CPUTIME", "THREAD_CPUTIME"};
  for (int i = 0; i < 2; ++i) {
    struct sigevent event = {0};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR2;
    timer_t timer;
    CHECK(timer_create(clocks[i], &event, &timer) == 0, "timer_create(%s)", clock_names[i]);
    cpu_timer_signal = 0;
    const int64_t cpu_start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    const struct itimerspec in = {{0, 0}, timespec_of(budget_ns)};
    CHECK(timer_settime(timer, 0, &in, NULL) == 0, "timer_settime(%s, 20 ms)", clock_names[i]);
    sleep_ns(3 * budget_ns);
    struct itimerspec left;
    CHECK(cpu_timer_signal == 0 && timer_gettime(timer, &left) == 0 && left.it_value.tv_sec == 0 &&
              left.it_value.tv_nsec > 0 && left.it_value.tv_nsec <= budget_ns,
          "%s timer: not fired during a 60 ms sleep, %ld ns left", clock_names[i],
          (long)left.it_value.tv_nsec);
    const int64_t spent = spin_until_cpu_signal(cpu_start, 0);
    CHECK(cpu_timer_signal == SIGUSR2 && spent >= budget_ns,
          "%s timer: its signal after %lld us of CPU time (at least 20 ms)", clock_names[i],
          (long long)(spent / 1000));
    /* An absolute expiry on the clock itself, already passed: at once. */
    cpu_timer_signal = 0;
    const struct itimerspec past = {{0, 0}, timespec_of(1)};
    CHECK(timer_settime(timer, TIMER_ABSTIME, &past, NULL) == 0 &&
              spin_until_cpu_signal(now_ns(CLOCK_PROCESS_CPUTIME_ID), 0) >= 0,
          "%s timer: TIMER_ABSTIME in its past fires", clock_names[i]);
    CHECK(timer_delete(timer) == 0, "timer_delete(%s)", clock_names[i]);
  }
  signal(SIGVTALRM, SIG_DFL);
  signal(SIGPROF, SIG_DFL);
}

/* The waits that are sleeps too: select and poll with nothing to watch,
 * their readiness on a pipe, and the waits for a signal with their masks. */
static int sigalrm_blocked(void) {
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  return sigismember(&now, SIGALRM);
}
static void arm_alarm_ms(int ms) {
  const struct itimerval in = {{0, 0}, {0, ms * 1000}};
  setitimer(ITIMER_REAL, &in, NULL);
}

static void waits(void) {
  int64_t start = now_ns(CLOCK_MONOTONIC);
  struct timeval tv = {0, 20000};
  CHECK(select(0, NULL, NULL, NULL, &tv) == 0 && now_ns(CLOCK_MONOTONIC) - start >= 20 * 1000000,
        "select(0 fds, 20 ms) sleeps 20 ms");
#ifdef __GLIBC__
  /* musl hands the kernel a copy of the timeval: only glibc's is updated. */
  CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "select hands back the time left: none");
#endif
  start = now_ns(CLOCK_MONOTONIC);
  CHECK(poll(NULL, 0, 20) == 0 && now_ns(CLOCK_MONOTONIC) - start >= 20 * 1000000,
        "poll(0 fds, 20 ms) sleeps 20 ms");
  struct timespec ts = timespec_of(20 * 1000000);
  start = now_ns(CLOCK_MONOTONIC);
  CHECK(ppoll(NULL, 0, &ts, NULL) == 0 && now_ns(CLOCK_MONOTONIC) - start >= 20 * 1000000,
        "ppoll(0 fds, 20 ms) sleeps 20 ms");

  int pipe_fds[2];
  CHECK(pipe(pipe_fds) == 0, "pipe");
  struct pollfd watched[3] = {
      {pipe_fds[0], POLLIN, -1}, {pipe_fds[1], POLLOUT, -1}, {99, POLLIN, -1}};
  CHECK(poll(watched, 3, 0) == 2 && watched[0].revents == 0 && watched[1].revents == POLLOUT &&
            watched[2].revents == POLLNVAL,
        "poll: an empty pipe is not readable, its write end writable, fd 99 POLLNVAL");
  CHECK(write(pipe_fds[1], "x", 1) == 1, "write a byte");
  CHECK(poll(watched, 2, -1) == 2 && watched[0].revents == POLLIN, "poll: now readable");
  fd_set readable, writable;
  FD_ZERO(&readable);
  FD_ZERO(&writable);
  FD_SET(pipe_fds[0], &readable);
  FD_SET(pipe_fds[1], &writable);
  CHECK(select(pipe_fds[1] + 1, &readable, &writable, NULL, NULL) == 2 &&
            FD_ISSET(pipe_fds[0], &readable) && FD_ISSET(pipe_fds[1], &writable),
        "select: the pipe's read end readable, its write end writable");
  FD_ZERO(&readable);
  FD_SET(40, &readable);
  tv = (struct timeval){0, 0};
  CHECK(select(41, &readable, NULL, NULL, &tv) == -1 && errno == EBADF,
        "select on a descriptor not open: EBADF");
  close(pipe_fds[0]);
  close(pipe_fds[1]);

  /* pause and sigsuspend return EINTR once a handler has run. */
  signals_seen = 0;
  arm_alarm_ms(10);
  CHECK(pause() == -1 && errno == EINTR && signals_seen == 1, "pause: EINTR after the handler");
  sigset_t block_alarm, open_all;
  sigemptyset(&block_alarm);
  sigaddset(&block_alarm, SIGALRM);
  sigemptyset(&open_all);
  sigprocmask(SIG_BLOCK, &block_alarm, NULL);
  signals_seen = 0;
  arm_alarm_ms(10);
  CHECK(sigsuspend(&open_all) == -1 && errno == EINTR && signals_seen == 1,
        "sigsuspend(empty mask) with SIGALRM blocked: its handler ran, EINTR");
  CHECK(sigalrm_blocked(), "after sigsuspend the old mask is back (SIGALRM blocked)");
  /* pselect6 and ppoll with a mask that opens SIGALRM for the wait. */
  signals_seen = 0;
  arm_alarm_ms(10);
  ts = timespec_of(5 * 1000000000LL);
  CHECK(pselect(0, NULL, NULL, NULL, &ts, &open_all) == -1 && errno == EINTR && signals_seen == 1 &&
            sigalrm_blocked(),
        "pselect with a mask opening SIGALRM: EINTR, the old mask back");
  signals_seen = 0;
  arm_alarm_ms(10);
  ts = timespec_of(5 * 1000000000LL);
  CHECK(ppoll(NULL, 0, &ts, &open_all) == -1 && errno == EINTR && signals_seen == 1 &&
            sigalrm_blocked(),
        "ppoll with a mask opening SIGALRM: EINTR, the old mask back");
  /* epoll_pwait likewise (an event loop that takes its signals only while
   * it waits), on an empty epoll set; a mask of another size is EINVAL. */
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event event;
  signals_seen = 0;
  arm_alarm_ms(10);
  CHECK(epoll_pwait(epoll_fd, &event, 1, 5000, &open_all) == -1 && errno == EINTR &&
            signals_seen == 1 && sigalrm_blocked(),
        "epoll_pwait with a mask opening SIGALRM: EINTR, the old mask back");
  CHECK(syscall(SYS_epoll_pwait, epoll_fd, &event, 1, 0, &open_all, 4) == -1 && errno == EINVAL,
        "epoll_pwait with a 4-byte mask: EINVAL");
  CHECK(epoll_pwait(epoll_fd, &event, 1, 5, &open_all) == 0 && sigalrm_blocked(),
        "epoll_pwait that times out: 0, the old mask back");
  close(epoll_fd);
  /* A wait that times out with its mask: no signal, the old mask back. */
  ts = timespec_of(5 * 1000000);
  CHECK(ppoll(NULL, 0, &ts, &open_all) == 0 && sigalrm_blocked(),
        "ppoll that times out: 0, the old mask back");
  sigprocmask(SIG_UNBLOCK, &block_alarm, NULL);
}

static void timerfds(void) {
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  CHECK(fd >= 0, "timerfd_create(MONOTONIC)");
  struct itimerspec every = {timespec_of(10 * 1000000), timespec_of(10 * 1000000)};
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  CHECK(timerfd_settime(fd, 0, &every, NULL) == 0, "timerfd_settime 10 ms");
  uint64_t expirations = 0;
  CHECK(read(fd, &expirations, sizeof(expirations)) == 8 && expirations >= 1 &&
            now_ns(CLOCK_MONOTONIC) - start >= 10 * 1000000,
        "read blocks until it expires: %llu", (unsigned long long)expirations);
  sleep_ns(35 * 1000000);
  CHECK(read(fd, &expirations, sizeof(expirations)) == 8 && expirations >= 3,
        "35 ms later: %llu more expirations", (unsigned long long)expirations);
  uint32_t small;
  CHECK(read(fd, &small, sizeof(small)) == -1 && errno == EINVAL, "a 4-byte read: EINVAL");
  struct itimerspec left;
  CHECK(timerfd_gettime(fd, &left) == 0 && left.it_interval.tv_nsec == 10 * 1000000,
        "timerfd_gettime: the period");
  close(fd);

  const int quiet = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  CHECK(read(quiet, &expirations, sizeof(expirations)) == -1 && errno == EAGAIN,
        "TFD_NONBLOCK, disarmed: EAGAIN");
  const int64_t deadline = now_ns(CLOCK_REALTIME) + 20 * 1000000;
  struct itimerspec at = {{0, 0}, timespec_of(deadline)};
  CHECK(timerfd_settime(quiet, TFD_TIMER_ABSTIME, &at, NULL) == 0,
        "timerfd_settime TFD_TIMER_ABSTIME on REALTIME");
  while (read(quiet, &expirations, sizeof(expirations)) == -1 && errno == EAGAIN)
    sleep_ns(2 * 1000000);
  CHECK(expirations == 1 && now_ns(CLOCK_REALTIME) >= deadline,
        "it expired once, at or after its deadline");
  close(quiet);

  /* An event loop's timer (libuv, node): epoll_wait on a timerfd sleeps
   * until the tick expires it, then reports it readable. */
  const int loop = epoll_create1(EPOLL_CLOEXEC);
  const int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event watch = {.events = EPOLLIN, .data.u64 = 7};
  CHECK(epoll_ctl(loop, EPOLL_CTL_ADD, timer, &watch) == 0, "epoll_ctl ADD a timerfd");
  struct epoll_event ready[2];
  CHECK(epoll_wait(loop, ready, 2, 0) == 0, "a disarmed timerfd is not readable");
  struct itimerspec once = {{0, 0}, timespec_of(20 * 1000000)};
  const int64_t armed = now_ns(CLOCK_MONOTONIC);
  timerfd_settime(timer, 0, &once, NULL);
  const int count = epoll_wait(loop, ready, 2, 2000);
  const int64_t waited = now_ns(CLOCK_MONOTONIC) - armed;
  CHECK(count == 1 && ready[0].data.u64 == 7 && (ready[0].events & EPOLLIN) != 0 &&
            waited >= 20 * 1000000 && waited < 1000 * 1000000,
        "epoll_wait woke for the timerfd after %lld us", (long long)(waited / 1000));
  CHECK(read(timer, &expirations, sizeof(expirations)) == 8 && expirations == 1 &&
            epoll_wait(loop, ready, 2, 0) == 0,
        "read it: one expiration, and it is no longer readable");
  close(timer);
  close(loop);

  CHECK(timerfd_create(CLOCK_TAI, 0) == -1 && errno == EINVAL, "timerfd_create(TAI): EINVAL");
  int pipe_fds[2];
  pipe(pipe_fds);
  CHECK(timerfd_settime(pipe_fds[0], 0, &every, NULL) == -1 && errno == EINVAL &&
            timerfd_settime(100, 0, &every, NULL) == -1 && errno == EBADF,
        "timerfd_settime on a pipe: EINVAL; on no descriptor: EBADF");
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

static void adjtimex_reads(void) {
  struct timex tx = {0};
  const int state = adjtimex(&tx);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  CHECK(state >= 0 && state <= 5, "adjtimex(modes 0): clock state %d", state);
  CHECK(tx.tolerance == 500 << 16 && tx.tick == 10000,
        "adjtimex: the 500 ppm tolerance (%ld) and the 10000 us tick (%ld)", tx.tolerance, tx.tick);
  CHECK(tx.time.tv_sec >= tv.tv_sec - 1 && tx.time.tv_sec <= tv.tv_sec,
        "adjtimex's time is REALTIME");
  struct timex ss = {0};
  ss.modes = ADJ_OFFSET_SS_READ;
  CHECK(adjtimex(&ss) >= 0, "adjtimex(ADJ_OFFSET_SS_READ) reads the adjustment left");
  /* A change to what it already is: harmless even where it is allowed
   * (Linux, as root), EPERM here. */
  struct timex set = {0};
  set.modes = ADJ_TICK;
  set.tick = tx.tick;
  CHECK(adjtimex(&set) == -1 && errno == EPERM, "adjtimex that would change anything: EPERM");
  struct timex by_clock = {0};
  CHECK(clock_adjtime(CLOCK_REALTIME, &by_clock) == state, "clock_adjtime(REALTIME) agrees");
  CHECK(clock_adjtime(CLOCK_MONOTONIC, &by_clock) == -1 && errno == ENOTSUP,
        "clock_adjtime(MONOTONIC): ENOTSUP");
}

int main(void) {
  struct sigaction action = {0};
  action.sa_sigaction = on_timer_signal;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &action, NULL);
  sigaction(SIGALRM, &action, NULL);
  printf("timers (%s)\n", LIBC_NAME);
  sleeps();
  posix_timers();
  interval_timer();
  cpu_time_timers();
  waits();
  timerfds();
  adjtimex_reads();
  return check_done("timers");
}
