/* waitprobe: timed waits as a program makes them, for the timed-wait tests
 * of virtual time. Built for glibc (dynamic, static) and musl (dynamic,
 * static); run under vdso-run by run/tests/timed_waits.sh. Prints
 * key=value lines. Modes:
 *
 *   realtime MS   waits MS ms of the tree's time until an absolute
 *                 REALTIME deadline, every way a program does:
 *                 pthread_cond_timedwait (its default clock), sem_timedwait,
 *                 pthread_mutex_timedlock, futex FUTEX_WAIT_BITSET with
 *                 FUTEX_CLOCK_REALTIME, FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and
 *                 FUTEX_WAIT_REQUEUE_PI with FUTEX_CLOCK_REALTIME and
 *                 futex_waitv on REALTIME (raw), mq_timedreceive and
 *                 mq_timedsend. For each <way>_waited=NS (REALTIME's
 *                 time it took), <way>_early=yes|no, <way>_result=timeout
 *                 (or the error it gave instead).
 *   monotonic MS  the same for the absolute MONOTONIC deadlines: a
 *                 MONOTONIC condition variable, futex FUTEX_WAIT_BITSET,
 *                 FUTEX_LOCK_PI2 and FUTEX_WAIT_REQUEUE_PI and futex_waitv
 *                 on MONOTONIC (raw), then the durations below.
 *   durations MS  the same for the durations (measured on MONOTONIC):
 *                 futex FUTEX_WAIT (raw), poll, ppoll, select, pselect6,
 *                 epoll_wait, epoll_pwait, epoll_pwait2, sigtimedwait,
 *                 semtimedop, nanosleep.
 *   itimers MS    alarm(MS / 1000), then an ITIMER_REAL, a relative
 *                 MONOTONIC timerfd and a relative MONOTONIC POSIX timer of
 *                 MS in all each (first expiry MS / 2, then two intervals
 *                 of MS / 4): alarm_*, setitimer_*, timerfd_* and
 *                 posix_timer_* as above; then alarm_left=S (alarm(100)
 *                 then alarm(0)), getitimer_ms and setitimer_old_ms (of a
 *                 100 s ITIMER_REAL just set), and for a 100 s timerfd and
 *                 POSIX timer the old value setting another returns
 *                 (timerfd_old_ms, posix_timer_old_ms) and the one
 *                 disarming it returns (timerfd_disarm_old_ms,
 *                 posix_timer_disarm_old_ms).
 *   recvmmsg MS   recvmmsg of up to 3 datagrams with a timeout of MS ms,
 *                 on a socket where a child sends one at once and two
 *                 more after 5 MS ms of its sleep: the timeout ends the
 *                 call after the second (recvmmsg_received=2), where a
 *                 timeout of 10 MS would let the third in (3).
 *   remaining MS  select and ppoll (raw: libc wrappers may wait on a copy)
 *                 with a 10 s timeout, each interrupted by a signal (a
 *                 handler without SA_RESTART) from a child after MS ms of
 *                 its own sleep: <way>_eintr=yes|no and <way>_remaining=NS,
 *                 as the kernel wrote it back.
 *   frozen        a REALTIME condition variable with a deadline at the
 *                 clock's reading (frozen_now=timeout: it returned), then
 *                 one 1 ns later, which a thread signals after 300 ms of
 *                 its own relative sleep (frozen_future=signalled: it was
 *                 still waiting).
 *   untimed N     N rounds of waits that do not time out: a contended mutex
 *                 between two threads, futex FUTEX_WAIT without a timeout
 *                 (on a changed value), poll and epoll_wait with timeout 0
 *                 and -1 (on a ready pipe), select with a null timeout:
 *                 untimed_rounds=N.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// include/uapi/linux/futex.h (musl-gcc has no kernel headers).
enum {
  FUTEX_WAIT = 0,
  FUTEX_WAKE = 1,
  FUTEX_LOCK_PI = 6,
  FUTEX_WAIT_BITSET = 9,
  FUTEX_WAIT_REQUEUE_PI = 11,
  FUTEX_LOCK_PI2 = 13,
  FUTEX_PRIVATE_FLAG = 128,
  FUTEX_CLOCK_REALTIME = 256,
};
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX2_SIZE_U32 2u
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

static int64_t now_ns(int clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) {
    perror("waitprobe: clock_gettime");
    exit(1);
  }
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec ts_of(int64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
  return ts;
}

static void fail(const char* what) {
  perror(what);
  exit(1);
}

// One wait of `wait_ns` on `clock`: `wait` is given the start and returns
// 0 on a timeout or an errno value.
typedef int (*Wait)(int clock, int64_t start, int64_t wait_ns);

static void measure(const char* way, int clock, int64_t wait_ns, Wait wait) {
  const int64_t start = now_ns(clock);
  const int error = wait(clock, start, wait_ns);
  const int64_t end = now_ns(clock);
  printf("%s_waited=%lld\n%s_early=%s\n%s_result=%s\n", way, (long long)(end - start), way,
         end < start + wait_ns ? "yes" : "no", way, error == 0 ? "timeout" : strerror(error));
  fflush(stdout);
}

static long futex(uint32_t* word, int op, uint32_t value, const struct timespec* timeout,
                  uint32_t value3) {
  return syscall(SYS_futex, word, op, value, timeout, NULL, value3);
}

static int errno_unless_timeout(int rc, int error) {
  if (rc == 0)
    return EINVAL;  // returned without waiting
  return error == ETIMEDOUT ? 0 : error;
}

// ---- Absolute REALTIME deadlines -------------------------------------------

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;

static int cond_wait_until(pthread_cond_t* cond, int64_t deadline) {
  const struct timespec until = ts_of(deadline);
  pthread_mutex_lock(&g_mutex);
  int rc;
  do {
    rc = pthread_cond_timedwait(cond, &g_mutex, &until);
  } while (rc == 0);  // a spurious wake-up
  pthread_mutex_unlock(&g_mutex);
  return rc == ETIMEDOUT ? 0 : rc;
}

static int cond_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return cond_wait_until(&g_cond, start + wait_ns);
}

static int sem_wait_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  sem_t sem;
  sem_init(&sem, 0, 0);
  const struct timespec until = ts_of(start + wait_ns);
  int rc;
  while ((rc = sem_timedwait(&sem, &until)) != 0 && errno == EINTR) {
  }
  const int error = rc == 0 ? EINVAL : errno == ETIMEDOUT ? 0 : errno;
  sem_destroy(&sem);
  return error;
}

static pthread_mutex_t g_held = PTHREAD_MUTEX_INITIALIZER;
static int64_t g_lock_deadline;
static int g_lock_result;

static void* timedlock_thread(void* unused) {
  (void)unused;
  const struct timespec until = ts_of(g_lock_deadline);
  const int rc = pthread_mutex_timedlock(&g_held, &until);
  g_lock_result = rc == ETIMEDOUT ? 0 : rc == 0 ? EINVAL : rc;
  return NULL;
}

static int mutex_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  pthread_mutex_lock(&g_held);
  g_lock_deadline = start + wait_ns;
  pthread_t thread;
  pthread_create(&thread, NULL, timedlock_thread, NULL);
  pthread_join(thread, NULL);
  pthread_mutex_unlock(&g_held);
  return g_lock_result;
}

static int futex_bitset_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  uint32_t word = 0;
  const struct timespec until = ts_of(start + wait_ns);
  long rc;
  while ((rc = futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0,
                     &until, FUTEX_BITSET_MATCH_ANY)) != 0 &&
         errno == EINTR) {
  }
  return errno_unless_timeout((int)rc, errno);
}

// FUTEX_WAIT_REQUEUE_PI on a word nobody requeues: it times out at the
// deadline, on MONOTONIC or (with `flags`) REALTIME.
static int futex_requeue_pi_until(int flags, int64_t deadline) {
  uint32_t word = 0, pi_word = 0;
  const struct timespec until = ts_of(deadline);
  long rc;
  while ((rc = syscall(SYS_futex, &word, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG | flags, 0,
                       &until, &pi_word, 0)) != 0 &&
         errno == EINTR) {
  }
  return errno_unless_timeout((int)rc, errno);
}

// futex_waitv on one word until the deadline on `clock`
// (include/uapi/linux/futex.h's struct futex_waitv).
static int futex_waitv_until(int clock, int64_t deadline) {
  uint32_t word = 0;
  struct {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
  } waiter = {0, (uint64_t)(uintptr_t)&word, FUTEX2_SIZE_U32 | FUTEX_PRIVATE_FLAG, 0};
  const struct timespec until = ts_of(deadline);
  long rc;
  while ((rc = syscall(SYS_futex_waitv, &waiter, 1, 0, &until, clock)) < 0 && errno == EINTR) {
  }
  return rc >= 0 ? EINVAL : errno == ETIMEDOUT ? 0 : errno;
}

static int futex_requeue_pi_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return futex_requeue_pi_until(FUTEX_CLOCK_REALTIME, start + wait_ns);
}

static int futex_waitv_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return futex_waitv_until(CLOCK_REALTIME, start + wait_ns);
}

static uint32_t g_pi_word;
static int g_pi_op;
static struct timespec g_pi_deadline;
static int g_pi_result;

static void* lock_pi_thread(void* unused) {
  (void)unused;
  const long rc = futex(&g_pi_word, g_pi_op, 0, &g_pi_deadline, 0);
  g_pi_result = errno_unless_timeout((int)rc, errno);
  return NULL;
}

// Another thread takes the PI futex this thread holds with `op`, until the
// deadline.
static int lock_pi_until(int op, int64_t deadline) {
  g_pi_word = (uint32_t)syscall(SYS_gettid);  // held by this thread
  g_pi_op = op;
  g_pi_deadline = ts_of(deadline);
  pthread_t thread;
  pthread_create(&thread, NULL, lock_pi_thread, NULL);
  pthread_join(thread, NULL);
  return g_pi_result;
}

static int futex_lock_pi_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return lock_pi_until(FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, start + wait_ns);
}

static int futex_lock_pi2_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return lock_pi_until(FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, start + wait_ns);
}

// A message queue of one message, empty (mq_timedreceive waits) or full
// (mq_timedsend waits).
static int mq_realtime(int64_t deadline, int full) {
  char name[64];
  snprintf(name, sizeof(name), "/waitprobe-%d", (int)getpid());
  struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 8};
  const mqd_t queue = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
  if (queue == (mqd_t)-1)
    return errno;
  mq_unlink(name);
  const struct timespec until = ts_of(deadline);
  char message[8] = "message";
  if (full && mq_send(queue, message, sizeof(message), 0) != 0)
    fail("waitprobe: mq_send");
  ssize_t rc;
  do {
    rc = full ? mq_timedsend(queue, message, sizeof(message), 0, &until)
              : mq_timedreceive(queue, message, sizeof(message), NULL, &until);
  } while (rc < 0 && errno == EINTR);
  const int error = rc >= 0 ? EINVAL : errno == ETIMEDOUT ? 0 : errno;
  mq_close(queue);
  return error;
}

static int mq_receive_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return mq_realtime(start + wait_ns, 0);
}

static int mq_send_realtime(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return mq_realtime(start + wait_ns, 1);
}

// ---- Durations and MONOTONIC deadlines --------------------------------------

static int cond_monotonic(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_t cond;
  pthread_cond_init(&cond, &attr);
  const int error = cond_wait_until(&cond, start + wait_ns);
  pthread_cond_destroy(&cond);
  return error;
}

// The time left of `wait_ns` since `start` on MONOTONIC (a retry after a
// signal waits only for the rest).
static int64_t left_ns(int64_t start, int64_t wait_ns) {
  const int64_t left = start + wait_ns - now_ns(CLOCK_MONOTONIC);
  return left > 0 ? left : 0;
}

static int futex_relative(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  uint32_t word = 0;
  long rc;
  do {
    const struct timespec d = ts_of(left_ns(start, wait_ns));
    rc = futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &d, 0);
  } while (rc != 0 && errno == EINTR);
  return errno_unless_timeout((int)rc, errno);
}

static int futex_bitset_monotonic(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  uint32_t word = 0;
  const struct timespec until = ts_of(start + wait_ns);
  long rc;
  while ((rc = futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &until,
                     FUTEX_BITSET_MATCH_ANY)) != 0 &&
         errno == EINTR) {
  }
  return errno_unless_timeout((int)rc, errno);
}

static int futex_lock_pi2_monotonic(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return lock_pi_until(FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, start + wait_ns);
}

static int futex_requeue_pi_monotonic(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return futex_requeue_pi_until(0, start + wait_ns);
}

static int futex_waitv_monotonic(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  return futex_waitv_until(CLOCK_MONOTONIC, start + wait_ns);
}

// A pipe nobody writes to: waiting to read it times out.
static int g_pipe[2];

static int poll_ms(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  struct pollfd fd = {g_pipe[0], POLLIN, 0};
  int rc;
  do {
    rc = poll(&fd, 1, (int)((left_ns(start, wait_ns) + 999999) / 1000000));
  } while (rc < 0 && errno == EINTR);
  return rc == 0 ? 0 : rc < 0 ? errno : EINVAL;
}

static int ppoll_timespec(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  struct pollfd fd = {g_pipe[0], POLLIN, 0};
  int rc;
  do {
    const struct timespec d = ts_of(left_ns(start, wait_ns));
    rc = ppoll(&fd, 1, &d, NULL);
  } while (rc < 0 && errno == EINTR);
  return rc == 0 ? 0 : rc < 0 ? errno : EINVAL;
}

static int select_timeval(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  int rc;
  do {
    const int64_t left = left_ns(start, wait_ns);
    struct timeval tv = {(time_t)(left / 1000000000), (long)((left % 1000000000 + 999) / 1000)};
    fd_set read_set;
    FD_ZERO(&read_set);
    FD_SET(g_pipe[0], &read_set);
    rc = select(g_pipe[0] + 1, &read_set, NULL, NULL, &tv);
  } while (rc < 0 && errno == EINTR);
  return rc == 0 ? 0 : rc < 0 ? errno : EINVAL;
}

static int pselect_timespec(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  int rc;
  do {
    const struct timespec d = ts_of(left_ns(start, wait_ns));
    fd_set read_set;
    FD_ZERO(&read_set);
    FD_SET(g_pipe[0], &read_set);
    rc = pselect(g_pipe[0] + 1, &read_set, NULL, NULL, &d, NULL);
  } while (rc < 0 && errno == EINTR);
  return rc == 0 ? 0 : rc < 0 ? errno : EINVAL;
}

static int epoll_on_pipe(void) {
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event event = {.events = EPOLLIN};
  if (epoll < 0 || epoll_ctl(epoll, EPOLL_CTL_ADD, g_pipe[0], &event) != 0)
    fail("waitprobe: epoll");
  return epoll;
}

static int epoll_wait_ms(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  const int epoll = epoll_on_pipe();
  struct epoll_event event;
  int rc;
  do {
    rc = epoll_wait(epoll, &event, 1, (int)((left_ns(start, wait_ns) + 999999) / 1000000));
  } while (rc < 0 && errno == EINTR);
  close(epoll);
  return rc == 0 ? 0 : rc < 0 ? errno : EINVAL;
}

static int epoll_pwait_ms(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  const int epoll = epoll_on_pipe();
  struct epoll_event event;
  long rc;
  do {
    const int ms = (int)((left_ns(start, wait_ns) + 999999) / 1000000);
    rc = syscall(SYS_epoll_pwait, epoll, &event, 1, ms, NULL, 8);
  } while (rc < 0 && errno == EINTR);
  close(epoll);
  return rc == 0 ? 0 : rc < 0 ? errno : EINVAL;
}

static int epoll_pwait2_timespec(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  const int epoll = epoll_on_pipe();
  struct epoll_event event;
  long rc;
  do {
    const struct timespec d = ts_of(left_ns(start, wait_ns));
    rc = syscall(SYS_epoll_pwait2, epoll, &event, 1, &d, NULL, 8);
  } while (rc < 0 && errno == EINTR);
  close(epoll);
  return rc == 0 ? 0 : rc < 0 ? errno : EINVAL;
}

static int sigtimedwait_timespec(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);  // blocked in main, never sent
  int rc;
  do {
    const struct timespec d = ts_of(left_ns(start, wait_ns));
    rc = sigtimedwait(&set, NULL, &d);
  } while (rc < 0 && errno == EINTR);
  return rc >= 0 ? EINVAL : errno == EAGAIN ? 0 : errno;
}

static int semtimedop_timespec(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  const int set = semget(IPC_PRIVATE, 1, 0600);
  if (set < 0)
    return errno;
  struct sembuf take = {0, -1, 0};
  int rc;
  do {
    const struct timespec d = ts_of(left_ns(start, wait_ns));
    rc = semtimedop(set, &take, 1, &d);
  } while (rc < 0 && errno == EINTR);
  const int error = rc == 0 ? EINVAL : errno == EAGAIN ? 0 : errno;
  semctl(set, 0, IPC_RMID);
  return error;
}

static int nanosleep_relative(int clock, int64_t start, int64_t wait_ns) {
  (void)clock;
  (void)start;
  struct timespec d = ts_of(wait_ns);
  while (nanosleep(&d, &d) != 0) {
  }
  return 0;
}

// ---- Remaining time ----------------------------------------------------------

static void on_signal(int signal_number) {
  (void)signal_number;
}

// A child that sends SIGUSR1 to this process after `after_ns` of its sleep.
static pid_t interrupt_after(int64_t after_ns) {
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child == 0) {
    struct timespec d = ts_of(after_ns);
    nanosleep(&d, NULL);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  return child;
}

static void remaining(int64_t after_ns) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal;  // no SA_RESTART: the wait fails with EINTR
  sigaction(SIGUSR1, &action, NULL);

  pid_t child = interrupt_after(after_ns);
  struct timeval tv = {10, 0};
  fd_set read_set;
  FD_ZERO(&read_set);
  FD_SET(g_pipe[0], &read_set);
  long rc = syscall(SYS_select, g_pipe[0] + 1, &read_set, NULL, NULL, &tv);
  printf("select_eintr=%s\nselect_remaining=%lld\n", rc < 0 && errno == EINTR ? "yes" : "no",
         (long long)tv.tv_sec * 1000000000 + (long long)tv.tv_usec * 1000);
  waitpid(child, NULL, 0);

  child = interrupt_after(after_ns);
  struct timespec d = {10, 0};
  struct pollfd fd = {g_pipe[0], POLLIN, 0};
  rc = syscall(SYS_ppoll, &fd, 1, &d, NULL, 8);
  printf("ppoll_eintr=%s\nppoll_remaining=%lld\n", rc < 0 && errno == EINTR ? "yes" : "no",
         (long long)d.tv_sec * 1000000000 + d.tv_nsec);
  waitpid(child, NULL, 0);
}

// ---- Interval timers --------------------------------------------------------

// Waits for `count` SIGALRMs (blocked: sigwaitinfo takes them).
static void take_alarms(int count) {
  sigset_t alarm_set;
  sigemptyset(&alarm_set);
  sigaddset(&alarm_set, SIGALRM);
  for (int i = 0; i < count; ++i) {
    if (sigwaitinfo(&alarm_set, NULL) != SIGALRM)
      fail("waitprobe: sigwaitinfo");
  }
}

static int alarm_seconds(int clock, int64_t start, int64_t wait_ns) {
  (void)clock, (void)start;
  alarm((unsigned)(wait_ns / 1000000000));
  take_alarms(1);
  return 0;
}

static struct timeval tv_of(int64_t ns) {
  struct timeval tv = {(time_t)(ns / 1000000000), (long)(ns % 1000000000 / 1000)};
  return tv;
}

static int64_t ns_of_tv(struct timeval tv) {
  return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

// ITIMER_REAL's first expiry after wait_ns / 2, then two at intervals of
// wait_ns / 4: wait_ns in all.
static int setitimer_real(int clock, int64_t start, int64_t wait_ns) {
  (void)clock, (void)start;
  const struct itimerval timer = {tv_of(wait_ns / 4), tv_of(wait_ns / 2)};
  if (setitimer(ITIMER_REAL, &timer, NULL) != 0)
    return errno;
  take_alarms(3);
  const struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  return 0;
}

// A relative MONOTONIC timerfd: first expiry after wait_ns / 2, then two
// at intervals of wait_ns / 4.
static int timerfd_relative(int clock, int64_t start, int64_t wait_ns) {
  (void)clock, (void)start;
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  const struct itimerspec timer = {ts_of(wait_ns / 4), ts_of(wait_ns / 2)};
  if (fd < 0 || timerfd_settime(fd, 0, &timer, NULL) != 0)
    return errno;
  for (uint64_t expirations = 0; expirations < 3;) {
    uint64_t count;
    const ssize_t got = read(fd, &count, sizeof(count));
    if (got == (ssize_t)sizeof(count))
      expirations += count;
    else if (got >= 0 || errno != EINTR)
      fail("waitprobe: read(timerfd)");
  }
  close(fd);
  return 0;
}

// A relative MONOTONIC POSIX timer, timed as timerfd's. Its signal is one
// of its own (blocked, taken by sigwaitinfo): a SIGALRM of the ITIMER_REAL
// before it may still be pending (one more expiry before its disarm).
static int posix_timer_relative(int clock, int64_t start, int64_t wait_ns) {
  (void)clock, (void)start;
  const int signal_number = SIGRTMIN + 1;
  sigset_t timer_set;
  sigemptyset(&timer_set);
  sigaddset(&timer_set, signal_number);
  sigprocmask(SIG_BLOCK, &timer_set, NULL);
  struct sigevent event;
  memset(&event, 0, sizeof(event));
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = signal_number;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0)
    return errno;
  const struct itimerspec spec = {ts_of(wait_ns / 4), ts_of(wait_ns / 2)};
  if (timer_settime(timer, 0, &spec, NULL) != 0)
    return errno;
  // One signal is queued at a time: expiries meanwhile are its overrun.
  for (int expirations = 0; expirations < 3;) {
    if (sigwaitinfo(&timer_set, NULL) != signal_number)
      fail("waitprobe: sigwaitinfo");
    expirations += 1 + timer_getoverrun(timer);
  }
  timer_delete(timer);
  return 0;
}

static int64_t ns_of_ts(struct timespec ts) {
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// One timer's readings, in ms: gettime's time left and interval, the old
// value when another is set and when it is disarmed.
static void print_timer_readings(const char* name, const struct itimerspec* current,
                                 const struct itimerspec* set_old,
                                 const struct itimerspec* disarm_old) {
  printf("%s_gettime_ms=%lld\n%s_gettime_interval_ms=%lld\n", name,
         (long long)(ns_of_ts(current->it_value) / 1000000), name,
         (long long)(ns_of_ts(current->it_interval) / 1000000));
  printf("%s_old_ms=%lld\n%s_disarm_old_ms=%lld\n", name,
         (long long)(ns_of_ts(set_old->it_value) / 1000000), name,
         (long long)(ns_of_ts(disarm_old->it_value) / 1000000));
}

// What a pending 100 s timerfd and POSIX timer read back (gettime's time
// left and interval, the old value when another is set and when they are
// disarmed): the tree's units.
static void timer_old_values(void) {
  const struct itimerspec hundred = {{0, 0}, {100, 0}}, off = {{0, 0}, {0, 0}};
  // Every 50 s after the first 100 s: gettime reads both back.
  const struct itimerspec periodic = {{50, 0}, {100, 0}};
  struct itimerspec set_old, disarm_old, current;
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (fd < 0 || timerfd_settime(fd, 0, &periodic, NULL) != 0 ||
      timerfd_gettime(fd, &current) != 0 || timerfd_settime(fd, 0, &hundred, &set_old) != 0 ||
      timerfd_settime(fd, 0, &off, &disarm_old) != 0)
    fail("waitprobe: timerfd_settime");
  close(fd);
  print_timer_readings("timerfd", &current, &set_old, &disarm_old);
  struct sigevent event;
  memset(&event, 0, sizeof(event));
  event.sigev_notify = SIGEV_NONE;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0 ||
      timer_settime(timer, 0, &periodic, NULL) != 0 || timer_gettime(timer, &current) != 0 ||
      timer_settime(timer, 0, &hundred, &set_old) != 0 ||
      timer_settime(timer, 0, &off, &disarm_old) != 0)
    fail("waitprobe: timer_settime");
  timer_delete(timer);
  print_timer_readings("posix_timer", &current, &set_old, &disarm_old);
}

static void interval_timers(int64_t wait_ns) {
  sigset_t alarm_set;
  sigemptyset(&alarm_set);
  sigaddset(&alarm_set, SIGALRM);
  sigprocmask(SIG_BLOCK, &alarm_set, NULL);
  measure("alarm", CLOCK_MONOTONIC, wait_ns, alarm_seconds);
  measure("setitimer", CLOCK_MONOTONIC, wait_ns, setitimer_real);
  measure("timerfd", CLOCK_MONOTONIC, wait_ns, timerfd_relative);
  measure("posix_timer", CLOCK_MONOTONIC, wait_ns, posix_timer_relative);
  // What the program reads back of a pending timer: the tree's units.
  alarm(100);
  printf("alarm_left=%u\n", alarm(0));
  const struct itimerval timer = {{0, 0}, {100, 0}};
  struct itimerval old, current;
  setitimer(ITIMER_REAL, &timer, NULL);
  getitimer(ITIMER_REAL, &current);
  const struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, &old);
  printf("getitimer_ms=%lld\nsetitimer_old_ms=%lld\n",
         (long long)(ns_of_tv(current.it_value) / 1000000),
         (long long)(ns_of_tv(old.it_value) / 1000000));
  timer_old_values();
}

// ---- recvmmsg's timeout ------------------------------------------------------

static void receive_datagrams(int64_t wait_ns) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0)
    fail("waitprobe: socketpair");
  const pid_t child = fork();
  if (child == 0) {
    const struct timespec later = ts_of(5 * wait_ns);
    if (send(pair[1], "1", 1, 0) != 1 || nanosleep(&later, NULL) != 0 ||
        send(pair[1], "2", 1, 0) != 1 || send(pair[1], "3", 1, 0) != 1)
      _exit(1);
    _exit(0);
  }
  char bytes[3];
  struct iovec iov[3];
  struct mmsghdr messages[3];
  memset(messages, 0, sizeof(messages));
  for (int i = 0; i < 3; ++i) {
    iov[i] = (struct iovec){&bytes[i], 1};
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  // The kernel looks at the timeout after each datagram only: the second
  // one comes after it, and ends the call.
  struct timespec timeout = ts_of(wait_ns);
  const int received = recvmmsg(pair[0], messages, 3, 0, &timeout);
  int status = 0;
  waitpid(child, &status, 0);
  printf("recvmmsg_received=%d\nrecvmmsg_sender=%s\n", received,
         WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
}

// ---- A frozen clock ------------------------------------------------------------

static void* signal_later(void* unused) {
  (void)unused;
  const struct timespec d = {0, 300000000};
  nanosleep(&d, NULL);
  pthread_mutex_lock(&g_mutex);
  pthread_cond_signal(&g_cond);
  pthread_mutex_unlock(&g_mutex);
  return NULL;
}

static void frozen(void) {
  const int64_t now = now_ns(CLOCK_REALTIME);
  printf("frozen_now=%s\n", cond_wait_until(&g_cond, now) == 0 ? "timeout" : "error");
  fflush(stdout);
  const struct timespec until = ts_of(now + 1);
  pthread_mutex_lock(&g_mutex);
  pthread_t thread;
  pthread_create(&thread, NULL, signal_later, NULL);
  const int rc = pthread_cond_timedwait(&g_cond, &g_mutex, &until);
  pthread_mutex_unlock(&g_mutex);
  pthread_join(thread, NULL);
  printf("frozen_future=%s\n", rc == 0 ? "signalled" : rc == ETIMEDOUT ? "timeout" : "error");
}

// ---- Waits that do not time out ------------------------------------------------

static void* contend(void* rounds) {
  for (long i = 0; i < (long)(intptr_t)rounds; ++i) {
    pthread_mutex_lock(&g_mutex);
    pthread_mutex_unlock(&g_mutex);
  }
  return NULL;
}

static void untimed(long rounds) {
  pthread_t thread;
  pthread_create(&thread, NULL, contend, (void*)(intptr_t)rounds);
  contend((void*)(intptr_t)rounds);
  pthread_join(thread, NULL);
  if (write(g_pipe[1], "x", 1) != 1)
    fail("waitprobe: write");
  const int epoll = epoll_on_pipe();
  for (long i = 0; i < rounds; ++i) {
    uint32_t word = 1;
    futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, 0);  // EAGAIN: not 0
    futex(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, 0);
    struct pollfd fd = {g_pipe[0], POLLIN, 0};
    poll(&fd, 1, 0);
    poll(&fd, 1, -1);
    struct epoll_event event;
    epoll_wait(epoll, &event, 1, 0);
    epoll_wait(epoll, &event, 1, -1);
    fd_set read_set;
    FD_ZERO(&read_set);
    FD_SET(g_pipe[0], &read_set);
    select(g_pipe[0] + 1, &read_set, NULL, NULL, NULL);
  }
  close(epoll);
  printf("untimed_rounds=%ld\n", rounds);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  const int64_t ms = argc > 2 ? atoll(argv[2]) : 0;
  if (pipe(g_pipe) != 0)
    fail("waitprobe: pipe");
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigprocmask(SIG_BLOCK, &usr2, NULL);
  const int64_t wait_ns = ms * 1000000;
  if (strcmp(mode, "realtime") == 0 && argc > 2) {
    measure("cond_realtime", CLOCK_REALTIME, wait_ns, cond_realtime);
    measure("sem_timedwait", CLOCK_REALTIME, wait_ns, sem_wait_realtime);
    measure("mutex_timedlock", CLOCK_REALTIME, wait_ns, mutex_realtime);
    measure("futex_bitset_realtime", CLOCK_REALTIME, wait_ns, futex_bitset_realtime);
    measure("futex_lock_pi", CLOCK_REALTIME, wait_ns, futex_lock_pi_realtime);
    measure("futex_lock_pi2_realtime", CLOCK_REALTIME, wait_ns, futex_lock_pi2_realtime);
    measure("futex_requeue_pi_realtime", CLOCK_REALTIME, wait_ns, futex_requeue_pi_realtime);
    measure("futex_waitv_realtime", CLOCK_REALTIME, wait_ns, futex_waitv_realtime);
    measure("mq_timedreceive", CLOCK_REALTIME, wait_ns, mq_receive_realtime);
    measure("mq_timedsend", CLOCK_REALTIME, wait_ns, mq_send_realtime);
    return 0;
  }
  const int monotonic = strcmp(mode, "monotonic") == 0;
  if (monotonic && argc > 2) {
    measure("cond_monotonic", CLOCK_MONOTONIC, wait_ns, cond_monotonic);
    measure("futex_bitset_monotonic", CLOCK_MONOTONIC, wait_ns, futex_bitset_monotonic);
    measure("futex_lock_pi2_monotonic", CLOCK_MONOTONIC, wait_ns, futex_lock_pi2_monotonic);
    measure("futex_requeue_pi_monotonic", CLOCK_MONOTONIC, wait_ns, futex_requeue_pi_monotonic);
    measure("futex_waitv_monotonic", CLOCK_MONOTONIC, wait_ns, futex_waitv_monotonic);
  }
  if ((monotonic || strcmp(mode, "durations") == 0) && argc > 2) {
    measure("futex_relative", CLOCK_MONOTONIC, wait_ns, futex_relative);
    measure("poll", CLOCK_MONOTONIC, wait_ns, poll_ms);
    measure("ppoll", CLOCK_MONOTONIC, wait_ns, ppoll_timespec);
    measure("select", CLOCK_MONOTONIC, wait_ns, select_timeval);
    measure("pselect6", CLOCK_MONOTONIC, wait_ns, pselect_timespec);
    measure("epoll_wait", CLOCK_MONOTONIC, wait_ns, epoll_wait_ms);
    measure("epoll_pwait", CLOCK_MONOTONIC, wait_ns, epoll_pwait_ms);
    measure("epoll_pwait2", CLOCK_MONOTONIC, wait_ns, epoll_pwait2_timespec);
    measure("sigtimedwait", CLOCK_MONOTONIC, wait_ns, sigtimedwait_timespec);
    measure("semtimedop", CLOCK_MONOTONIC, wait_ns, semtimedop_timespec);
    measure("nanosleep", CLOCK_MONOTONIC, wait_ns, nanosleep_relative);
    return 0;
  }
  if (strcmp(mode, "remaining") == 0 && argc > 2) {
    remaining(wait_ns);
    return 0;
  }
  if (strcmp(mode, "itimers") == 0 && argc > 2) {
    interval_timers(wait_ns);
    return 0;
  }
  if (strcmp(mode, "recvmmsg") == 0 && argc > 2) {
    receive_datagrams(wait_ns);
    return 0;
  }
  if (strcmp(mode, "frozen") == 0) {
    frozen();
    return 0;
  }
  if (strcmp(mode, "untimed") == 0 && argc > 2) {
    untimed(atol(argv[2]));
    return 0;
  }
  fprintf(
      stderr,
      "usage: waitprobe realtime MS | monotonic MS | durations MS | remaining MS | itimers MS | "
      "recvmmsg MS | frozen | "
      "untimed N\n");
  return 2;
}
