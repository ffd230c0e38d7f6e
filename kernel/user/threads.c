/* Threads on the kernel, as pthreads programs use them (glibc and musl):
 * mutexes, condition variables and timed waits (futex), join and exit
 * semantics (CLONE_CHILD_CLEARTID, exit against exit_group, the process
 * ending with its last thread), signals to one thread and to the process,
 * per-thread masks, SA_RESTART, SA_ONSTACK on a sigaltstack, clone and
 * clone3 refusing what Linux refuses with nothing done, and the frame
 * count after 1000 thread lives. Every thread reads the clocks through the
 * VDSO: the one clock_gettime system call below is the only one the
 * kernel's count may show. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { kWorkers = 4, kIncrements = 20000, kClockReads = 5000, kLifeRounds = 1000 };

static pid_t thread_id(void) {
  return (pid_t)syscall(SYS_gettid);
}

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- mutexes, clocks from every thread ------------------------------- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static volatile int clocks_went_back;
static pid_t worker_tids[kWorkers];

static void* count_and_read_clocks(void* arg) {
  const int index = (int)(intptr_t)arg;
  worker_tids[index] = thread_id();
  int64_t last = monotonic_ns();
  for (int i = 0; i < kIncrements; ++i) {
    pthread_mutex_lock(&counter_lock);
    ++counter;
    pthread_mutex_unlock(&counter_lock);
    if (i % (kIncrements / kClockReads) == 0) {
      const int64_t now = monotonic_ns();
      struct timespec real;
      clock_gettime(CLOCK_REALTIME, &real);
      if (now < last)
        clocks_went_back = 1;
      last = now;
    }
  }
  return (void*)(intptr_t)(index + 100);
}

static void test_mutex_and_join(void) {
  pthread_t threads[kWorkers];
  int created = 0;
  for (int i = 0; i < kWorkers; ++i)
    created += pthread_create(&threads[i], NULL, count_and_read_clocks, (void*)(intptr_t)i) == 0;
  CHECK(created == kWorkers, "pthread_create: %d of %d threads", created, kWorkers);
  int joined_right = 0;
  for (int i = 0; i < created; ++i) {
    void* result = NULL;
    joined_right += pthread_join(threads[i], &result) == 0 && result == (void*)(intptr_t)(i + 100);
  }
  CHECK(joined_right == kWorkers, "pthread_join: every thread's return value");
  CHECK(counter == (long)kWorkers * kIncrements, "mutex: counter %ld == %ld", counter,
        (long)kWorkers * kIncrements);
  int distinct = 1;
  for (int i = 0; i < kWorkers; ++i) {
    distinct &= worker_tids[i] > 0 && worker_tids[i] != getpid();
    for (int j = 0; j < i; ++j)
      distinct &= worker_tids[i] != worker_tids[j];
  }
  CHECK(distinct, "gettid: each thread has its own id, none is the pid %d", getpid());
  CHECK(!clocks_went_back, "CLOCK_MONOTONIC through the VDSO never went back in any thread");
}

/* --- condition variables and timed waits ----------------------------- */

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_changed = PTHREAD_COND_INITIALIZER;
static int queue[16], queue_length, produced_all;

static void* produce(void* arg) {
  (void)arg;
  for (int i = 1; i <= 200; ++i) {
    pthread_mutex_lock(&queue_lock);
    while (queue_length == 16)
      pthread_cond_wait(&queue_changed, &queue_lock);
    queue[queue_length++] = i;
    pthread_cond_broadcast(&queue_changed);
    pthread_mutex_unlock(&queue_lock);
  }
  pthread_mutex_lock(&queue_lock);
  produced_all = 1;
  pthread_cond_broadcast(&queue_changed);
  pthread_mutex_unlock(&queue_lock);
  return NULL;
}

static void test_condition_variables(void) {
  pthread_t producer;
  CHECK(pthread_create(&producer, NULL, produce, NULL) == 0, "producer thread");
  long sum = 0;
  pthread_mutex_lock(&queue_lock);
  for (;;) {
    while (queue_length == 0 && !produced_all)
      pthread_cond_wait(&queue_changed, &queue_lock);
    if (queue_length == 0)
      break;
    sum += queue[--queue_length];
    pthread_cond_broadcast(&queue_changed);
  }
  pthread_mutex_unlock(&queue_lock);
  pthread_join(producer, NULL);
  CHECK(sum == 200 * 201 / 2, "pthread_cond_wait: consumer got every item (sum %ld)", sum);

  /* Timed waits end at their deadline, never before it. */
  pthread_mutex_lock(&queue_lock);
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 50 * 1000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_nsec -= 1000000000;
    ++deadline.tv_sec;
  }
  int64_t start = monotonic_ns();
  int result = pthread_cond_timedwait(&queue_changed, &queue_lock, &deadline);
  int64_t waited_ms = (monotonic_ns() - start) / 1000000;
  pthread_mutex_unlock(&queue_lock);
  CHECK(result == ETIMEDOUT && waited_ms >= 49,
        "pthread_cond_timedwait (REALTIME): %s after %lld ms", strerror(result),
        (long long)waited_ms);

  pthread_condattr_t attributes;
  pthread_cond_t monotonic_cond;
  pthread_condattr_init(&attributes);
  pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
  pthread_cond_init(&monotonic_cond, &attributes);
  pthread_mutex_lock(&queue_lock);
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_nsec += 30 * 1000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_nsec -= 1000000000;
    ++deadline.tv_sec;
  }
  start = monotonic_ns();
  result = pthread_cond_timedwait(&monotonic_cond, &queue_lock, &deadline);
  waited_ms = (monotonic_ns() - start) / 1000000;
  pthread_mutex_unlock(&queue_lock);
  CHECK(result == ETIMEDOUT && waited_ms >= 29,
        "pthread_cond_timedwait (MONOTONIC): %s after %lld ms", strerror(result),
        (long long)waited_ms);

  static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&held);
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 20 * 1000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_nsec -= 1000000000;
    ++deadline.tv_sec;
  }
  /* A relocking of one's own normal mutex with a deadline: it must time
   * out through the futex (glibc and musl both wait on it). */
  result = pthread_mutex_timedlock(&held, &deadline);
  CHECK(result == ETIMEDOUT || result == EDEADLK, "pthread_mutex_timedlock on a held mutex: %s",
        strerror(result));
  pthread_mutex_unlock(&held);
}

/* --- futex(2) itself -------------------------------------------------- */

/* <linux/futex.h>'s values (musl-gcc has no kernel headers). */
enum {
  kFutexWaitPrivate = 128 | 0,
  kFutexWakePrivate = 128 | 1,
  kFutexCmpRequeuePrivate = 128 | 4,
  kFutexWaitBitsetPrivate = 128 | 9,
  kFutexClockRealtime = 256,
};
#define kFutexBitsetMatchAny 0xffffffffu

static long futex(volatile uint32_t* word, int op, uint32_t value, const struct timespec* timeout,
                  volatile uint32_t* word2, uint32_t value3) {
  return syscall(SYS_futex, word, op, value, timeout, word2, value3);
}

static volatile uint32_t word_a, word_b;
static volatile int waiters_started, waiters_woken;
static void* wait_on_a(void* arg) {
  (void)arg;
  __atomic_add_fetch(&waiters_started, 1, __ATOMIC_SEQ_CST);
  while (word_a == 0)
    futex(&word_a, kFutexWaitPrivate, 0, NULL, NULL, 0);
  __atomic_add_fetch(&waiters_woken, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void test_futex(void) {
  uint32_t word = 1;
  CHECK(futex(&word, kFutexWaitPrivate, 2, NULL, NULL, 0) == -1 && errno == EAGAIN,
        "FUTEX_WAIT on a word that changed: EAGAIN");
  struct timespec relative = {0, 20 * 1000000};
  int64_t start = monotonic_ns();
  long r = futex(&word, kFutexWaitPrivate, 1, &relative, NULL, 0);
  int64_t waited_ms = (monotonic_ns() - start) / 1000000;
  CHECK(r == -1 && errno == ETIMEDOUT && waited_ms >= 19,
        "FUTEX_WAIT with a relative 20 ms timeout: ETIMEDOUT after %lld ms", (long long)waited_ms);
  struct timespec absolute;
  clock_gettime(CLOCK_REALTIME, &absolute);
  absolute.tv_nsec += 15 * 1000000;
  if (absolute.tv_nsec >= 1000000000) {
    absolute.tv_nsec -= 1000000000;
    ++absolute.tv_sec;
  }
  start = monotonic_ns();
  r = futex(&word, kFutexWaitBitsetPrivate | kFutexClockRealtime, 1, &absolute, NULL,
            kFutexBitsetMatchAny);
  waited_ms = (monotonic_ns() - start) / 1000000;
  CHECK(r == -1 && errno == ETIMEDOUT && waited_ms >= 14,
        "FUTEX_WAIT_BITSET on an absolute REALTIME deadline: ETIMEDOUT after %lld ms",
        (long long)waited_ms);
  CHECK(futex(&word, kFutexWaitBitsetPrivate, 1, NULL, NULL, 0) == -1 && errno == EINVAL,
        "FUTEX_WAIT_BITSET with an empty bitset: EINVAL");
  CHECK(futex(&word, kFutexWakePrivate, 1, NULL, NULL, 0) == 0, "FUTEX_WAKE with no waiter: 0");

  /* Two waiters on A moved to B by CMP_REQUEUE, then woken on B. */
  pthread_t waiters[2];
  word_a = 0;
  waiters_started = waiters_woken = 0;
  for (int i = 0; i < 2; ++i)
    pthread_create(&waiters[i], NULL, wait_on_a, NULL);
  while (waiters_started < 2)
    sched_yield();
  struct timespec settle = {0, 20 * 1000000};
  nanosleep(&settle, NULL);  // both block in FUTEX_WAIT
  CHECK(futex(&word_a, kFutexCmpRequeuePrivate, 0, (void*)1, &word_b, 7) == -1 && errno == EAGAIN,
        "FUTEX_CMP_REQUEUE with a stale value: EAGAIN");
  r = futex(&word_a, kFutexCmpRequeuePrivate, 0, (void*)2, &word_b, 0);
  CHECK(r == 2, "FUTEX_CMP_REQUEUE moved both waiters to another word (%ld)", r);
  CHECK(futex(&word_a, kFutexWakePrivate, 2, NULL, NULL, 0) == 0,
        "no one waits on the first word any more");
  word_a = 1;
  r = futex(&word_b, kFutexWakePrivate, 2, NULL, NULL, 0);
  CHECK(r == 2, "FUTEX_WAKE on the second word woke them (%ld)", r);
  for (int i = 0; i < 2; ++i)
    pthread_join(waiters[i], NULL);
  CHECK(waiters_woken == 2, "both waiters returned");
}

/* --- signals to one thread and to the process ------------------------ */

static volatile pid_t handled_by;
static volatile int handled_count;
static void record_thread(int signo) {
  (void)signo;
  handled_by = thread_id();
  ++handled_count;
}

static volatile int worker_stop;
static volatile pid_t sleeper_tid;
static void* wait_for_stop(void* arg) {
  (void)arg;
  sleeper_tid = thread_id();
  while (!worker_stop) {
    struct timespec tick = {0, 1000000};
    nanosleep(&tick, NULL);
  }
  return NULL;
}

static void install(int signo, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaction(signo, &sa, NULL);
}

/* Until a handler has run, at most 5 s: the thread that takes the signal
 * may run on another CPU, whose vCPU the host need not schedule within a
 * fixed number of this thread's yields (1000 yields passed before it ran
 * once on 4 vCPUs of a 2-core host). */
static void wait_for_handler(void) {
  const int64_t give_up = monotonic_ns() + 5 * 1000000000LL;
  while (handled_count == 0 && monotonic_ns() < give_up)
    sched_yield();
}

static void test_signals(void) {
  install(SIGUSR1, record_thread, 0);
  install(SIGUSR2, record_thread, 0);
  pthread_t worker;
  worker_stop = 0;
  sleeper_tid = 0;
  pthread_create(&worker, NULL, wait_for_stop, NULL);
  while (sleeper_tid == 0)
    sched_yield();

  handled_by = 0;
  handled_count = 0;
  CHECK(pthread_kill(worker, SIGUSR1) == 0, "pthread_kill (tgkill) to one thread");
  wait_for_handler();
  CHECK(handled_by == sleeper_tid, "the signal ran in that thread (tid %d, wanted %d)",
        (int)handled_by, (int)sleeper_tid);

  /* A process-directed signal goes to a thread that does not block it. */
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &usr2, NULL);
  handled_by = 0;
  handled_count = 0;
  kill(getpid(), SIGUSR2);
  wait_for_handler();
  CHECK(handled_by == sleeper_tid, "kill(getpid()) went to the thread not blocking it (tid %d)",
        (int)handled_by);
  handled_by = 0;
  handled_count = 0;
  CHECK(kill(sleeper_tid, SIGUSR2) == 0, "kill() of a thread's id signals its process");
  wait_for_handler();
  CHECK(handled_by == sleeper_tid, "... taken by the thread not blocking it (tid %d)",
        (int)handled_by);
  pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);

  CHECK(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1) == -1 && errno == ESRCH,
        "tgkill of a tid that does not exist: ESRCH");
  CHECK(syscall(SYS_tgkill, getpid() + 100000, sleeper_tid, SIGUSR1) == -1 && errno == ESRCH,
        "tgkill with the wrong thread group: ESRCH");
  worker_stop = 1;
  pthread_join(worker, NULL);
}

/* --- SA_RESTART ------------------------------------------------------ */

static int restart_pipe[2];
static volatile pid_t reader_tid;
static volatile ssize_t read_result;
static volatile int read_errno;
static void* read_one_byte(void* arg) {
  (void)arg;
  reader_tid = thread_id();
  char byte;
  read_result = read(restart_pipe[0], &byte, 1);
  read_errno = errno;
  return NULL;
}

static void nothing(int signo) {
  (void)signo;
  ++handled_count;
}

/* A reader blocked in read() takes a signal; with SA_RESTART its read goes
 * on and returns the byte written after the handler ran, without it the
 * read fails with EINTR. */
static void read_across_signal(int restart, ssize_t* result, int* error) {
  install(SIGUSR1, nothing, restart ? SA_RESTART : 0);
  pipe(restart_pipe);
  reader_tid = 0;
  handled_count = 0;
  pthread_t reader;
  pthread_create(&reader, NULL, read_one_byte, NULL);
  while (reader_tid == 0)
    sched_yield();
  struct timespec settle = {0, 20 * 1000000};  // the reader blocks in read()
  nanosleep(&settle, NULL);
  syscall(SYS_tgkill, getpid(), reader_tid, SIGUSR1);
  while (handled_count == 0)
    sched_yield();
  nanosleep(&settle, NULL);
  write(restart_pipe[1], "x", 1);
  pthread_join(reader, NULL);
  *result = read_result;
  *error = read_errno;
  close(restart_pipe[0]);
  close(restart_pipe[1]);
}

static void test_restart(void) {
  ssize_t result;
  int error;
  read_across_signal(1, &result, &error);
  CHECK(result == 1, "SA_RESTART: the read resumed after the handler and got the byte (%zd)",
        result);
  read_across_signal(0, &result, &error);
  CHECK(result == -1 && error == EINTR, "without SA_RESTART: read fails with EINTR (%zd, %s)",
        result, strerror(error));
}

/* --- SA_ONSTACK ------------------------------------------------------ */

static char* alternate_base;
static volatile int on_alternate;
static void check_stack(int signo) {
  (void)signo;
  char here;
  on_alternate = &here >= alternate_base && &here < alternate_base + 65536;
  ++handled_count;
}

static void* use_alternate_stack(void* arg) {
  (void)arg;
  stack_t stack = {.ss_sp = alternate_base, .ss_flags = 0, .ss_size = 65536};
  stack_t old;
  if (sigaltstack(&stack, &old) != 0)
    return (void*)1;
  raise(SIGUSR2);
  stack_t now;
  sigaltstack(NULL, &now);
  return now.ss_sp == alternate_base && now.ss_size == 65536 && now.ss_flags == 0 ? NULL : (void*)2;
}

static void test_alternate_stack(void) {
  alternate_base = malloc(65536);
  install(SIGUSR2, check_stack, SA_ONSTACK);
  handled_count = 0;
  on_alternate = 0;
  pthread_t thread;
  void* result = (void*)3;
  pthread_create(&thread, NULL, use_alternate_stack, NULL);
  pthread_join(thread, &result);
  CHECK(result == NULL && handled_count == 1 && on_alternate,
        "SA_ONSTACK: the handler ran on the thread's sigaltstack (%p)", result);
  stack_t none;
  sigaltstack(NULL, &none);
  CHECK(none.ss_flags == SS_DISABLE, "the main thread has no alternate stack of its own");
}

/* --- exit, exit_group, the last thread ------------------------------- */

static volatile int raw_exit_reached;
static void* exit_thread_only(void* arg) {
  (void)arg;
  raw_exit_reached = 1;
  syscall(SYS_exit, 3);  // this thread alone (musl's join would not see it)
  return NULL;
}
static void* exit_whole_process(void* arg) {
  (void)arg;
  struct timespec pause_ns = {0, 10 * 1000000};
  nanosleep(&pause_ns, NULL);
  _exit(7);  // exit_group
}
static void* outlive_main(void* arg) {
  (void)arg;
  struct timespec pause_ns = {0, 30 * 1000000};
  nanosleep(&pause_ns, NULL);
  exit(5);
}

static int child_status(void (*body)(void)) {
  const pid_t child = fork();
  if (child == 0) {
    body();
    _exit(99);
  }
  int status = -1;
  waitpid(child, &status, 0);
  return status;
}

static void thread_exit_then_group_exit(void) {
  pthread_t thread;
  pthread_create(&thread, NULL, exit_thread_only, NULL);
  while (!raw_exit_reached)
    sched_yield();
  struct timespec pause_ns = {0, 10 * 1000000};
  nanosleep(&pause_ns, NULL);  // the process lives on without that thread
  pthread_create(&thread, NULL, exit_whole_process, NULL);
  for (;;)
    pause();
}

static void main_leaves_first(void) {
  pthread_t thread;
  pthread_create(&thread, NULL, outlive_main, NULL);
  pthread_exit(NULL);
}

static void test_exits(void) {
  int status = child_status(thread_exit_then_group_exit);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7,
        "exit ends one thread, exit_group from another ends all: status %d", status);
  status = child_status(main_leaves_first);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5,
        "the main thread's pthread_exit leaves the process to its last thread: status %d", status);
}

/* --- frame accounting ------------------------------------------------ */

/* Flag sets Linux refuses with EINVAL, and so does the kernel, before
 * anything is done: no thread starts, no tid word is written. */
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
/* struct clone_args's first version (64 bytes; musl has no <linux/sched.h>). */
struct clone_args_v0 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void test_clone_refusals(void) {
  static char stack[4096] __attribute__((aligned(16)));
  void* stack_top = stack + sizeof(stack);
  const unsigned long thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
  const struct {
    unsigned long flags;
    const char* what;
  } refused[] = {
      {CLONE_VM | CLONE_THREAD | CLONE_PARENT_SETTID, "CLONE_THREAD without CLONE_SIGHAND"},
      {CLONE_SIGHAND | CLONE_PARENT_SETTID, "CLONE_SIGHAND without CLONE_VM"},
      {thread | CLONE_NEWNS | CLONE_PARENT_SETTID, "a thread with CLONE_NEWNS (needs its own fs)"},
      {CLONE_FS | CLONE_NEWNS | CLONE_PARENT_SETTID, "CLONE_FS with CLONE_NEWNS"},
  };
  for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); ++i) {
    int parent_tid = -7, child_tid = -7;
    const long r = syscall(SYS_clone, refused[i].flags, stack_top, &parent_tid, &child_tid, 0);
    CHECK(r == -1 && errno == EINVAL && parent_tid == -7,
          "clone(%s): EINVAL, the parent's tid word untouched (%ld, %d)", refused[i].what, r,
          parent_tid);
  }
  struct clone_args_v0 args = {0};
  args.flags = thread | CLONE_PARENT_SETTID;
  int parent_tid = -7;
  args.parent_tid = (uintptr_t)&parent_tid;
  args.stack = (uintptr_t)stack;
  args.stack_size = sizeof(stack);
  CHECK(syscall(SYS_clone3, &args, 32) == -1 && errno == EINVAL && parent_tid == -7,
        "clone3 with a size below its first version (32 bytes): EINVAL, nothing written");
  args.flags = CLONE_VM | CLONE_THREAD | CLONE_PARENT_SETTID;
  CHECK(syscall(SYS_clone3, &args, sizeof(args)) == -1 && errno == EINVAL && parent_tid == -7,
        "clone3(CLONE_THREAD without CLONE_SIGHAND): EINVAL, nothing written");
  args.flags = thread;
  args.stack_size = 0;
  CHECK(syscall(SYS_clone3, &args, sizeof(args)) == -1 && errno == EINVAL,
        "clone3 with a stack and no stack size: EINVAL");
}

static void* nothing_thread(void* arg) {
  return arg;
}

/* The thread table fills: pthread_create fails with EAGAIN, and a clone
 * that cannot make its thread leaves the parent's tid word as it was
 * (capped, so that on Linux the table never fills and the check is
 * skipped). Every thread made is released and joined. */
enum { kMaxTableThreads = 200 };
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t table_released = PTHREAD_COND_INITIALIZER;
static int table_release;
static void* wait_for_release(void* arg) {
  pthread_mutex_lock(&table_lock);
  while (!table_release)
    pthread_cond_wait(&table_released, &table_lock);
  pthread_mutex_unlock(&table_lock);
  return arg;
}

static void test_thread_table_full(void) {
  static pthread_t threads[kMaxTableThreads];
  int made = 0, error = 0;
  while (made < kMaxTableThreads) {
    error = pthread_create(&threads[made], NULL, wait_for_release, NULL);
    if (error != 0)
      break;
    ++made;
  }
  if (made == kMaxTableThreads) {
    printf("skip thread table full: %d threads made\n", made);
  } else {
    CHECK(error == EAGAIN, "pthread_create on a full thread table: EAGAIN after %d (%d)", made,
          error);
    static char stack[4096] __attribute__((aligned(16)));
    int parent_tid = -7;
    const long r = syscall(SYS_clone,
                           CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                               CLONE_SYSVSEM | CLONE_PARENT_SETTID,
                           stack + sizeof(stack), &parent_tid, NULL, 0);
    CHECK(r == -1 && errno == EAGAIN && parent_tid == -7,
          "clone on a full thread table: EAGAIN, the parent's tid word untouched (%ld, %d)", r,
          parent_tid);
  }
  pthread_mutex_lock(&table_lock);
  table_release = 1;
  pthread_cond_broadcast(&table_released);
  pthread_mutex_unlock(&table_lock);
  int joined = 0;
  for (int i = 0; i < made; ++i)
    joined += pthread_join(threads[i], NULL) == 0;
  CHECK(joined == made, "the %d threads joined", made);
  pthread_t again;
  CHECK(pthread_create(&again, NULL, nothing_thread, NULL) == 0 && pthread_join(again, NULL) == 0,
        "a thread is made again once they are gone");
}

static unsigned long free_bytes(void) {
  struct sysinfo info;
  sysinfo(&info);
  return info.freeram;
}

static void test_frame_accounting(void) {
  pthread_t thread;
  for (int i = 0; i < 10; ++i) {  // the libc's caches settle
    pthread_create(&thread, NULL, nothing_thread, NULL);
    pthread_join(thread, NULL);
  }
  const unsigned long before = free_bytes();
  int ok = 0;
  for (int i = 0; i < kLifeRounds; ++i) {
    void* result = NULL;
    ok += pthread_create(&thread, NULL, nothing_thread, (void*)(intptr_t)(i + 1)) == 0 &&
          pthread_join(thread, &result) == 0 && result == (void*)(intptr_t)(i + 1);
  }
  const unsigned long after = free_bytes();
  CHECK(ok == kLifeRounds, "%d threads created and joined", ok);
  CHECK(after == before, "free memory after %d thread lives: %lu == %lu bytes", kLifeRounds, after,
        before);
}

/* With the argument "frames", the frame count after 1000 thread lives is
 * checked too. */
int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("threads (" LIBC_NAME "): pid %d\n", getpid());
  struct timespec once;
  CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &once) == 0,
        "one clock_gettime system call on purpose (the count shows exactly one)");
  test_mutex_and_join();
  test_condition_variables();
  test_futex();
  test_signals();
  test_restart();
  test_alternate_stack();
  test_exits();
  test_clone_refusals();
  test_thread_table_full();
  if (argc > 1 && strcmp(argv[1], "frames") == 0)
    test_frame_accounting();
  else
    printf("skip frame accounting (run with \"frames\")\n");
  return check_done("threads");
}
