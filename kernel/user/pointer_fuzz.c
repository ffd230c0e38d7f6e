/* The pointer-aiming fuzzer: every system call the kernel implements that
 * takes a pointer, each pointer argument in turn (files and paths, pipes,
 * stat, statx and statfs, getdents64, chmod and utimensat, prctl's
 * name, poll, select, epoll, timers and timerfds,
 * futex, signals and rt_sigsuspend, clone/clone3/execve, limits, affinity,
 * clocks and adjtimex), called with that pointer aimed at each kind of mapping a process has (text,
 * read-only data, data, stack, the stack's on-demand pages, the VDSO image
 * and data page, anonymous memory read-write and read-only), at page
 * boundaries inside a mapping and straddling into a read-only page or a
 * hole, and outside user space (NULL, a hole, the last user page and
 * across the user top, non-canonical, the kernel half). Left out, each
 * for a reason: rt_sigreturn (its frame is the stack itself: the faults
 * test covers it); rseq (Linux's own answer for a read-only area changed
 * between its versions; user/rseq.c); ioctl's stores (only to a terminal,
 * which the host's run is not); getgroups (the answer depends on how the
 * program was started).
 * One line per call:
 *     CALL ARGUMENT KIND+OFFSET -> RESULT
 * where RESULT is "ok", "ok N" (a count that must match) or the errno's
 * name. Nothing in a line depends on where things landed, so the lines of
 * two kernels can be compared: kernel/tests/tool/user_memory_test.sh runs
 * this same static binary on the host's Linux and on vdso-kernel (both CPU
 * models, 1 and 2 CPUs) and wants the same lines.
 *   pointer_fuzz [--quiet]   (--quiet: only the summary)
 * It touches nothing but itself (its pipes, a file in /tmp unlinked at
 * once, its signal mask and handlers, its timers, its own children; calls
 * that would change it for good, as lowering its limits, run in a child),
 * so it is safe on the host. Pointers whose bytes the call would interpret
 * (a timespec, a path, an iovec, a sigaction, a clone_args, a timex) point
 * only at bytes this program chose, at the ELF header of the image (fixed
 * by the ELF contract), or at bytes that cannot be read: a sleep must
 * never be asked for a random length, adjtimex never to set anything. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define PAGE 4096ul
/* <linux/futex.h>'s operations (musl's headers have no <linux/>). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAIT_BITSET_PRIVATE 137
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_REQUEUE_PRIVATE 131

/* What the call does with the bytes at the pointer: what it must answer
 * follows from the target's access alone (below), except for kOther. */
enum Use {
  kStore, /* writes them */
  kLoad,  /* copies them, whatever they are */
  kOther, /* interprets them, or does not touch them (an answer of Linux's own) */
};

struct Target {
  const char* kind;
  uintptr_t base;
  long offset;
  int known_content; /* the bytes at base+offset are ours (or the ELF header) */
  char access;       /* of every byte the calls touch: 'w' writable, 'r' read-only,
                        '-' none, '?' mixed (it straddles into a worse page) */
  int bounded;       /* the 4096 bytes from it lie in mappings laid out alike on every host */
  int ours_writable; /* known content that this program wrote (and writes again) */
};

static struct Target targets[64];
static int target_count;
static int quiet;
static long calls;

static void add(const char* kind, uintptr_t base, long offset, int known_content, char access) {
  targets[target_count++] = (struct Target){kind, base, offset, known_content, access, 1, 0};
}

/* What the interpreting calls find in our own pages: a 1 ns timespec
 * (nanosleep), then zeros: an empty path, an iovec {NULL, 0}, a sigaction
 * of SIG_DFL, an empty signal set. */
static char source_bytes[16] = "pointer fuzzer!";

static void fill(void* where) {
  const struct timespec sleep_for = {0, 1};
  memset(where, 0, 64); /* a clone_args' first version is 64 bytes */
  memcpy(where, &sleep_for, sizeof(sleep_for));
}

static int pipe_read_end, pipe_write_end;
/* What the later calls need: "/" open as a directory, a file of 4096
 * bytes in /tmp (unlinked at once), an epoll set whose one entry (the
 * pipe's write end) is always ready and one with no entry, a POSIX timer and a timerfd, none of
 * them armed, and this program's path (to exec it again). */
static int root_fd, file_fd, epoll_fd, empty_epoll_fd, timer_fd;
static int posix_timer; /* the kernel's id, not a libc timer_t */
static char own_path[256];
static const char kMissingPath[] = "/pointer_fuzz-no-such-file";

static void drain(void) {
  char sink[8192];
  while (read(pipe_read_end, sink, sizeof(sink)) > 0) {
  }
}

static const char* errno_name(int e) {
  switch (e) {
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EAGAIN: return "EAGAIN";
    case ENOTDIR: return "ENOTDIR";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case ERANGE: return "ERANGE";
    case ECHILD: return "ECHILD";
    case ENOSYS: return "ENOSYS";
    case EPERM: return "EPERM";
    case ENOMEM: return "ENOMEM";
    case ENOTTY: return "ENOTTY";
    case EBADF: return "EBADF";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EEXIST: return "EEXIST";
    case E2BIG: return "E2BIG";
    case ESPIPE: return "ESPIPE";
    case EINTR: return "EINTR";
    default: return "other";
  }
}

static long efaults, successes, others;

/* What Linux answers whatever the host: a load from a page the process
 * may read copies it, a store needs a page it may write, and anything
 * outside its mappings is EFAULT. Null when only the host can tell. */
static const char* required(enum Use use, const struct Target* t, long result, int saved_errno) {
  const int faulted = result < 0 && saved_errno == EFAULT;
  const char access = t->access;
  /* Many calls take a NULL they would store into as "none": only the host
   * can tell which. */
  if (use == kOther || access == '?' || (use == kStore && t->base + (uintptr_t)t->offset == 0))
    return NULL;
  if (access == '-' || (use == kStore && access == 'r'))
    return faulted ? NULL : "EFAULT";
  return result >= 0 ? NULL : "success";
}

static long mismatches;

/* Prints one line: `counted` results print their value. */
static void report(const char* call, const struct Target* t, long result, int saved_errno,
                   int counted, enum Use use) {
  ++calls;
  char outcome[32];
  if (result >= 0) {
    ++successes;
    if (counted)
      snprintf(outcome, sizeof(outcome), "ok %ld", result);
    else
      snprintf(outcome, sizeof(outcome), "ok");
  } else {
    if (saved_errno == EFAULT)
      ++efaults;
    else
      ++others;
    snprintf(outcome, sizeof(outcome), "%s", errno_name(saved_errno));
  }
  if (!quiet)
    printf("%-44s %s%+ld -> %s\n", call, t->kind, t->offset, outcome);
  const char* want = required(use, t, result, saved_errno);
  if (want != NULL) {
    ++mismatches;
    printf("FAIL %s %s%+ld: %s, not %s\n", call, t->kind, t->offset, outcome, want);
  }
}

#define CALL(text, counted, use, expression)                \
  do {                                                      \
    errno = 0;                                              \
    const long r_ = (expression);                           \
    report(text, t, r_ < 0 ? -1 : r_, errno, counted, use); \
  } while (0)

static void ignore_signal(int signal_number) {
  (void)signal_number;
}

/* For a call that would change this process for good (its limits, its
 * exit-time stores, an exec): made in a child that exits at once with 0
 * on success or the errno. A child that a signal ends reports 1000 + the
 * signal (printed as "other"). */
static void call_in_child_report(const char* text, const struct Target* t, pid_t child) {
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child) {
    report(text, t, -1, ECHILD, 0, kOther);
    return;
  }
  if (WIFSIGNALED(status))
    report(text, t, -1, 1000 + WTERMSIG(status), 0, kOther);
  else
    report(text, t, WEXITSTATUS(status) == 0 ? 0 : -1, WEXITSTATUS(status), 0, kOther);
}

#define CALL_IN_CHILD(text, expression)             \
  do {                                              \
    fflush(stdout);                                 \
    const pid_t child_ = fork();                    \
    if (child_ == 0) {                              \
      errno = 0;                                    \
      _exit((expression) < 0 ? (errno & 0x7f) : 0); \
    }                                               \
    call_in_child_report(text, t, child_);          \
  } while (0)

static void aim(const struct Target* t) {
  const uintptr_t p = t->base + (uintptr_t)t->offset;
  const long lp = (long)p;
  char good[8192] __attribute__((aligned(16)));
  struct stat_buffer {
    char bytes[256];
  } stat_out;

  /* Loads: the bytes are copied, never interpreted. */
  CALL("write(pipe, P, 16)", 1, kLoad, syscall(SYS_write, pipe_write_end, lp, 16));
  drain();
  if (t->bounded) {
    CALL("write(pipe, P, 4096)", 1, kLoad, syscall(SYS_write, pipe_write_end, lp, 4096));
    drain();
  }
  struct iovec v = {(void*)p, 16};
  CALL("writev(pipe, {P, 16}, 1)", 1, kLoad, syscall(SYS_writev, pipe_write_end, (long)&v, 1));
  drain();

  /* Stores. */
  if (write(pipe_write_end, source_bytes, 16) != 16)
    CHECK(0, "pipe filled");
  CALL("read(pipe, P, 16)", 1, kStore, syscall(SYS_read, pipe_read_end, lp, 16));
  /* A failed read must leave the bytes in the pipe. */
  CALL("read(pipe, good, 64) after it", 1, kOther,
       syscall(SYS_read, pipe_read_end, (long)good, 64));
  drain();
  if (write(pipe_write_end, source_bytes, 16) != 16)
    CHECK(0, "pipe filled");
  CALL("readv(pipe, {P, 16}, 1)", 1, kStore, syscall(SYS_readv, pipe_read_end, (long)&v, 1));
  drain();
  for (int old_call = 0; old_call < 2; ++old_call) {
    errno = 0;
    const long r =
        old_call ? syscall(SYS_pipe, lp) : syscall(SYS_pipe2, lp, O_NONBLOCK | O_CLOEXEC);
    report(old_call ? "pipe(P)" : "pipe2(P, O_NONBLOCK|O_CLOEXEC)", t, r, errno, 0, kStore);
    if (r == 0) {
      int fds[2];
      memcpy(fds, (void*)p, sizeof(fds));
      close(fds[0]);
      close(fds[1]);
    }
  }
  CALL("ioctl(pipe, TCGETS, P)", 0, kOther, syscall(SYS_ioctl, pipe_read_end, 0x5401, lp));
  CALL("fstat(pipe, P)", 0, kStore, syscall(SYS_fstat, pipe_read_end, lp));
  CALL("newfstatat(pipe, \"\", P, AT_EMPTY_PATH)", 0, kStore,
       syscall(SYS_newfstatat, pipe_read_end, (long)"", lp, AT_EMPTY_PATH));
  CALL("getcwd(P, 64)", 1, kStore, syscall(SYS_getcwd, lp, 64));
  CALL("clock_gettime(MONOTONIC, P)", 0, kStore, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, lp));
  CALL("clock_getres(MONOTONIC, P)", 0, kStore, syscall(SYS_clock_getres, CLOCK_MONOTONIC, lp));
  CALL("gettimeofday(P, NULL)", 0, kStore, syscall(SYS_gettimeofday, lp, 0));
  CALL("gettimeofday(NULL, P)", 0, kStore, syscall(SYS_gettimeofday, 0, lp));
  CALL("time(P)", 0, kStore, syscall(SYS_time, lp) == -1 ? -1 : 0);
  {
    struct timespec shortest = {0, 1};
    CALL("nanosleep(1 ns, P)", 0, kOther, syscall(SYS_nanosleep, (long)&shortest, lp));
  }
  CALL("rt_sigaction(SIGUSR1, NULL, P, 8)", 0, kStore,
       syscall(SYS_rt_sigaction, SIGUSR1, 0, lp, 8));
  CALL("rt_sigprocmask(SIG_BLOCK, NULL, P, 8)", 0, kStore,
       syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, lp, 8));
  CALL("sigaltstack(NULL, P)", 0, kStore, syscall(SYS_sigaltstack, 0, lp));
  CALL("uname(P)", 0, kStore, syscall(SYS_uname, lp));
  CALL("sysinfo(P)", 0, kStore, syscall(SYS_sysinfo, lp));
  CALL("getcpu(P, NULL, NULL)", 0, kStore, syscall(SYS_getcpu, lp, 0, 0));
  CALL("getcpu(NULL, P, NULL)", 0, kStore, syscall(SYS_getcpu, 0, lp, 0));
  CALL("sched_getaffinity(0, 8, P)", 1, kStore, syscall(SYS_sched_getaffinity, 0, 8, lp));
  CALL("arch_prctl(ARCH_GET_FS, P)", 0, kStore, syscall(SYS_arch_prctl, 0x1003, lp));
  CALL("arch_prctl(ARCH_GET_GS, P)", 0, kStore, syscall(SYS_arch_prctl, 0x1004, lp));
  CALL("prlimit64(0, RLIMIT_NOFILE, NULL, P)", 0, kStore,
       syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, lp));
  CALL("getrlimit(RLIMIT_NOFILE, P)", 0, kStore, syscall(SYS_getrlimit, RLIMIT_NOFILE, lp));
  CALL("getrandom(P, 16, GRND_NONBLOCK)", 1, kStore, syscall(SYS_getrandom, lp, 16, 1));
  for (int which = 0; which < 2; ++which) {
    const pid_t child = fork();
    if (child == 0)
      _exit(3);
    if (which == 0)
      CALL("wait4(child, P, 0, NULL)", 0, kStore, syscall(SYS_wait4, child, lp, 0, 0));
    else
      CALL("wait4(child, NULL, 0, P)", 0, kStore, syscall(SYS_wait4, child, 0, 0, lp));
    waitpid(child, NULL, 0); /* reaped by the call above unless it failed first */
  }

  /* Files: a regular file, "/" as a directory, a symbolic link. */
  CALL("pread64(file, P, 16, 0)", 1, kStore, syscall(SYS_pread64, file_fd, lp, 16, 0));
  CALL("pwrite64(file, P, 16, 0)", 1, kLoad, syscall(SYS_pwrite64, file_fd, lp, 16, 0));
  lseek(file_fd, 0, SEEK_SET);
  CALL("read(file, P, 16)", 1, kStore, syscall(SYS_read, file_fd, lp, 16));
  CALL("lseek(file, 0, SEEK_CUR) after it", 1, kOther, lseek(file_fd, 0, SEEK_CUR));
  lseek(file_fd, 0, SEEK_SET);
  CALL("write(file, P, 16)", 1, kLoad, syscall(SYS_write, file_fd, lp, 16));
  CALL("lseek(file, 0, SEEK_CUR) after it", 1, kOther, lseek(file_fd, 0, SEEK_CUR));
  CALL("stat(\"/\", P)", 0, kStore, syscall(SYS_stat, (long)"/", lp));
  CALL("lstat(\"/\", P)", 0, kStore, syscall(SYS_lstat, (long)"/", lp));
  CALL("newfstatat(AT_FDCWD, \"/\", P, 0)", 0, kStore,
       syscall(SYS_newfstatat, AT_FDCWD, (long)"/", lp, 0));
  CALL("statx(AT_FDCWD, \"/\", 0, BASIC, P)", 0, kStore,
       syscall(SYS_statx, AT_FDCWD, (long)"/", 0, 0x7ff, lp));
  CALL("statfs(\"/\", P)", 0, kStore, syscall(SYS_statfs, (long)"/", lp));
  CALL("fstatfs(root, P)", 0, kStore, syscall(SYS_fstatfs, root_fd, lp));
  CALL("prctl(PR_GET_NAME, P)", 0, kStore, syscall(SYS_prctl, PR_GET_NAME, lp, 0, 0, 0));
  CALL("prctl(PR_SET_NAME, P)", 0, kLoad, syscall(SYS_prctl, PR_SET_NAME, lp, 0, 0, 0));
  prctl(PR_SET_NAME, "pointer_fuzz", 0, 0, 0);
  lseek(root_fd, 0, SEEK_SET);
  CALL("getdents64(root, P, 512)", 0, kStore, syscall(SYS_getdents64, root_fd, lp, 512));
  CALL("readlink(\"/proc/self/exe\", P, 64)", 0, kStore,
       syscall(SYS_readlink, (long)"/proc/self/exe", lp, 64));
  CALL("readlinkat(AT_FDCWD, \"/proc/self/exe\", P, 64)", 0, kStore,
       syscall(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", lp, 64));

  /* Timers and accounting: nothing armed, so nothing fires. */
  {
    const struct itimerval no_itimer = {{0, 0}, {0, 0}};
    const struct itimerspec no_timer = {{0, 0}, {0, 0}};
    CALL("getitimer(ITIMER_REAL, P)", 0, kStore, syscall(SYS_getitimer, ITIMER_REAL, lp));
    CALL("setitimer(ITIMER_REAL, zero, P)", 0, kStore,
         syscall(SYS_setitimer, ITIMER_REAL, (long)&no_itimer, lp));
    CALL("timer_gettime(timer, P)", 0, kStore, syscall(SYS_timer_gettime, posix_timer, lp));
    CALL("timer_settime(timer, 0, zero, P)", 0, kStore,
         syscall(SYS_timer_settime, posix_timer, 0, (long)&no_timer, lp));
    CALL("timerfd_gettime(tfd, P)", 0, kStore, syscall(SYS_timerfd_gettime, timer_fd, lp));
    CALL("timerfd_settime(tfd, 0, zero, P)", 0, kStore,
         syscall(SYS_timerfd_settime, timer_fd, 0, (long)&no_timer, lp));
  }
  {
    errno = 0;
    const long r = syscall(SYS_timer_create, CLOCK_MONOTONIC, 0, lp);
    report("timer_create(MONOTONIC, NULL, P)", t, r, errno, 0, kStore);
    if (r == 0) {
      int created;
      memcpy(&created, (void*)p, sizeof(created));
      syscall(SYS_timer_delete, created);
    }
  }
  CALL("getrusage(RUSAGE_SELF, P)", 0, kStore, syscall(SYS_getrusage, RUSAGE_SELF, lp));
  CALL("times(P)", 0, kStore, syscall(SYS_times, lp));
  CALL("clock_nanosleep(MONOTONIC, 0, 1 ns, P)", 0, kOther, ({
         struct timespec shortest = {0, 1};
         syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&shortest, lp);
       }));

  /* epoll: the pipe's write end is ready, so a wait stores one event. */
  CALL("epoll_wait(ep, P, 8, 0)", 1, kStore, syscall(SYS_epoll_wait, epoll_fd, lp, 8, 0));
  CALL("epoll_pwait(ep, P, 8, 0, NULL, 8)", 1, kStore,
       syscall(SYS_epoll_pwait, epoll_fd, lp, 8, 0, 0, 8));
  if (t->access == '?')
    /* 12 bytes before the straddle: room for one event of 8 (Linux
     * stores the one that is ready), or for none (EFAULT). */
    CALL("epoll_wait(ep, P-4, 8, 0)", 1, kOther, syscall(SYS_epoll_wait, epoll_fd, lp - 4, 8, 0));
  if (p < 0x7ffffffff000ul || p >= 0x800000000000ul)
    /* Nothing ready: Linux stores nothing, so only where the array lies
     * matters (not in the last user page: see the futex calls below). */
    CALL("epoll_wait(empty ep, P, 8, 0)", 1, kOther,
         syscall(SYS_epoll_wait, empty_epoll_fd, lp, 8, 0));
  /* poll and ppoll read the array and store revents (timeout 0: no
   * wait); whatever fd the bytes name, an unknown one is POLLNVAL. */
  CALL("poll(P, 1, 0)", 0, kStore, syscall(SYS_poll, lp, 1, 0));
  {
    const struct timespec no_wait = {0, 0};
    CALL("ppoll(P, 1, 0 s, NULL, 8)", 0, kStore, syscall(SYS_ppoll, lp, 1, (long)&no_wait, 0, 8));
  }
  /* Linux reads no event for EPOLL_CTL_DEL. */
  CALL("epoll_ctl(ep, DEL, pipe read end, P)", 0, kOther,
       syscall(SYS_epoll_ctl, epoll_fd, EPOLL_CTL_DEL, pipe_read_end, lp));

  /* futex: a wait on a value nobody stores there (EAGAIN where P can be
   * read), a wake of nobody. */
  {
    const struct timespec shortest = {0, 1};
    CALL("futex(P, WAIT_PRIVATE, 0x5a5a5a5a, 1 ns)", 0, kOther,
         syscall(SYS_futex, lp, FUTEX_WAIT_PRIVATE, 0x5a5a5a5a, (long)&shortest, 0, 0));
    CALL("futex(P, WAIT_BITSET_PRIVATE, 0x5a5a5a5a, 1 ns)", 0, kOther,
         syscall(SYS_futex, lp, FUTEX_WAIT_BITSET_PRIVATE, 0x5a5a5a5a, (long)&shortest, 0, -1));
  }

  if (p < 0x7ffffffff000ul || p >= 0x800000000000ul) {
    /* Private futexes: Linux looks only at the address (aligned, in the
     * user half), never at the word, to wake or requeue nobody. Not in
     * the last user page: where Linux's user half ends for that check
     * changed between its versions (6.18 refuses the last 4 bytes). */
    uint32_t word = 0;
    CALL("futex(P, WAKE_PRIVATE, 1)", 1, kOther,
         syscall(SYS_futex, lp, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    CALL("futex(word, REQUEUE_PRIVATE, 0, 0, P)", 1, kOther,
         syscall(SYS_futex, (long)&word, FUTEX_REQUEUE_PRIVATE, 0, 0, lp, 0));
  }

  /* Pointers the kernel keeps for the process's end (Linux never
   * touches them on the call, and ignores a fault at the end): in a child
   * that exits at once. */
  CALL_IN_CHILD("child: set_tid_address(P), exit", syscall(SYS_set_tid_address, lp) < 0 ? -1 : 0);
  CALL_IN_CHILD("child: set_robust_list(P, 24), exit", syscall(SYS_set_robust_list, lp, 24));
  {
    errno = 0;
    const long child = syscall(SYS_clone, SIGCHLD | CLONE_CHILD_SETTID, 0, 0, lp, 0);
    if (child == 0)
      _exit(0);
    report("clone(SIGCHLD|CLONE_CHILD_SETTID, child P)", t, child > 0 ? 0 : -1, errno, 0, kOther);
    if (child > 0)
      waitpid((pid_t)child, NULL, 0);
  }

  {
    /* A fork that reports the child's pid at P: Linux ignores a bad P. */
    errno = 0;
    const long child = syscall(SYS_clone, SIGCHLD | CLONE_PARENT_SETTID, 0, lp, 0, 0);
    if (child == 0)
      _exit(0);
    report("clone(SIGCHLD|CLONE_PARENT_SETTID, P)", t, child, errno, 0, kOther);
    if (child > 0)
      waitpid((pid_t)child, NULL, 0);
  }

  /* Loads whose bytes are interpreted: only bytes we know, written again
   * (the stores above left their own there). */
  if (t->known_content && t->ours_writable)
    fill((void*)p);
  if (t->access == '-' || t->known_content) {
    CALL("nanosleep(P, NULL)", 0, kOther, syscall(SYS_nanosleep, lp, 0));
    CALL("clock_nanosleep(MONOTONIC, 0, P, NULL)", 0, kOther,
         syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, lp, 0));
    CALL("newfstatat(AT_FDCWD, P, good, 0)", 0, kOther,
         syscall(SYS_newfstatat, AT_FDCWD, lp, (long)&stat_out, 0));
    CALL("readlink(P, good, 64)", 0, kOther, syscall(SYS_readlink, lp, (long)good, 64));
    CALL("readlinkat(AT_FDCWD, P, good, 64)", 0, kOther,
         syscall(SYS_readlinkat, AT_FDCWD, lp, (long)good, 64));
    CALL("execve(P, NULL, NULL)", 0, kOther, syscall(SYS_execve, lp, 0, 0));
    CALL("writev(pipe, P, 1)", 1, kOther, syscall(SYS_writev, pipe_write_end, lp, 1));
    drain();
    /* Paths: "" (ENOENT) from our bytes, EFAULT from none; as the
     * second path of a rename, Linux reads both before it looks. */
    CALL("open(P, O_RDONLY)", 0, kOther, syscall(SYS_open, lp, O_RDONLY));
    CALL("openat(AT_FDCWD, P, O_RDONLY)", 0, kOther, syscall(SYS_openat, AT_FDCWD, lp, O_RDONLY));
    CALL("creat(P, 0600)", 0, kOther, syscall(SYS_creat, lp, 0600));
    CALL("stat(P, good)", 0, kOther, syscall(SYS_stat, lp, (long)&stat_out));
    CALL("lstat(P, good)", 0, kOther, syscall(SYS_lstat, lp, (long)&stat_out));
    CALL("statx(AT_FDCWD, P, 0, BASIC, good)", 0, kOther,
         syscall(SYS_statx, AT_FDCWD, lp, 0, 0x7ff, (long)&stat_out));
    CALL("access(P, F_OK)", 0, kOther, syscall(SYS_access, lp, F_OK));
    CALL("faccessat(AT_FDCWD, P, F_OK)", 0, kOther, syscall(SYS_faccessat, AT_FDCWD, lp, F_OK));
    CALL("faccessat2(AT_FDCWD, P, F_OK, 0)", 0, kOther,
         syscall(SYS_faccessat2, AT_FDCWD, lp, F_OK, 0));
    CALL("truncate(P, 0)", 0, kOther, syscall(SYS_truncate, lp, 0));
    CALL("statfs(P, good)", 0, kOther, syscall(SYS_statfs, lp, (long)&stat_out));
    CALL("chmod(P, 0600)", 0, kOther, syscall(SYS_chmod, lp, 0600));
    CALL("fchmodat(AT_FDCWD, P, 0600, 0)", 0, kOther, syscall(SYS_fchmodat, AT_FDCWD, lp, 0600, 0));
    CALL("utimensat(AT_FDCWD, P, NULL, 0)", 0, kOther, syscall(SYS_utimensat, AT_FDCWD, lp, 0, 0));
    CALL("utimensat(AT_FDCWD, missing, P, 0)", 0, kOther,
         syscall(SYS_utimensat, AT_FDCWD, (long)kMissingPath, lp, 0));
    CALL("chdir(P)", 0, kOther, syscall(SYS_chdir, lp));
    CALL("mkdir(P, 0700)", 0, kOther, syscall(SYS_mkdir, lp, 0700));
    CALL("mkdirat(AT_FDCWD, P, 0700)", 0, kOther, syscall(SYS_mkdirat, AT_FDCWD, lp, 0700));
    CALL("rmdir(P)", 0, kOther, syscall(SYS_rmdir, lp));
    CALL("unlink(P)", 0, kOther, syscall(SYS_unlink, lp));
    CALL("unlinkat(AT_FDCWD, P, 0)", 0, kOther, syscall(SYS_unlinkat, AT_FDCWD, lp, 0));
    CALL("rename(P, missing)", 0, kOther, syscall(SYS_rename, lp, (long)kMissingPath));
    CALL("rename(missing, P)", 0, kOther, syscall(SYS_rename, (long)kMissingPath, lp));
    CALL("renameat(AT_FDCWD, missing, AT_FDCWD, P)", 0, kOther,
         syscall(SYS_renameat, AT_FDCWD, (long)kMissingPath, AT_FDCWD, lp));
    CALL("renameat2(AT_FDCWD, P, AT_FDCWD, missing, 0)", 0, kOther,
         syscall(SYS_renameat2, AT_FDCWD, lp, AT_FDCWD, (long)kMissingPath, 0));
    /* exec's vectors: an empty argv (our bytes), then this program again,
     * which exits at once when it finds no argument or --exec-probe. */
    {
      char* const probe_argv[] = {own_path, "--exec-probe", NULL};
      CALL_IN_CHILD("child: execve(self, P, NULL)", syscall(SYS_execve, (long)own_path, lp, 0));
      CALL_IN_CHILD("child: execve(self, argv, P)",
                    syscall(SYS_execve, (long)own_path, (long)probe_argv, lp));
    }

    /* Structures read and interpreted: a zero mask (EINVAL), disarming
     * timers, a query of the clock's state (modes 0: nothing is set). */
    CALL("sched_setaffinity(0, 8, P)", 0, kOther, syscall(SYS_sched_setaffinity, 0, 8, lp));
    CALL("setitimer(ITIMER_REAL, P, NULL)", 0, kOther, syscall(SYS_setitimer, ITIMER_REAL, lp, 0));
    CALL("timer_settime(timer, 0, P, NULL)", 0, kOther,
         syscall(SYS_timer_settime, posix_timer, 0, lp, 0));
    CALL("timerfd_settime(tfd, 0, P, NULL)", 0, kOther,
         syscall(SYS_timerfd_settime, timer_fd, 0, lp, 0));
    {
      errno = 0;
      const long r = syscall(SYS_timer_create, CLOCK_MONOTONIC, lp, (long)good);
      report("timer_create(MONOTONIC, P, good)", t, r, errno, 0, kOther);
      if (r == 0) {
        int created;
        memcpy(&created, good, sizeof(created));
        syscall(SYS_timer_delete, created);
      }
    }
    CALL("epoll_ctl(ep, ADD, pipe read end, P)", 0, kOther,
         syscall(SYS_epoll_ctl, epoll_fd, EPOLL_CTL_ADD, pipe_read_end, lp));
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, pipe_read_end, NULL);
    {
      /* A value that does not match: never a wait, even with no timeout
       * (NULL), but Linux reads the timeout first. */
      uint32_t word = 7;
      CALL("futex(word, WAIT_PRIVATE, 8, P)", 0, kOther,
           syscall(SYS_futex, (long)&word, FUTEX_WAIT_PRIVATE, 8, lp, 0, 0));
    }
    {
      stack_t old;
      sigaltstack(NULL, &old);
      CALL("sigaltstack(P, NULL)", 0, kOther, syscall(SYS_sigaltstack, lp, 0));
      sigaltstack(&old, NULL);
    }
    /* Waits of at most 1 us on our bytes (an empty fd set, a {0, 1}
     * timeout, no signal mask); Linux stores the sets and the time left
     * back, and ignores a timeout it cannot store to. */
    {
      struct timeval no_wait = {0, 0};
      const struct timespec no_wait_ns = {0, 0};
      struct pollfd pipe_poll = {pipe_write_end, POLLOUT, 0};
      CALL("select(64, P, NULL, NULL, 0 s)", 0, kOther,
           syscall(SYS_select, 64, lp, 0, 0, (long)&no_wait));
      /* select takes any tv_usec (the image's bytes would make one of
       * 71 minutes): only a timeout of under a second, or none. */
      const struct timeval* asked = (const struct timeval*)p;
      /* The pipe's write end is ready: a NULL timeout returns at once. */
      fd_set writable;
      FD_ZERO(&writable);
      FD_SET(pipe_write_end, &writable);
      if (t->access == '-' || (asked->tv_sec == 0 && asked->tv_usec < 1000000))
        CALL("select(pipe, NULL, {pipe}, NULL, P)", 1, kOther,
             syscall(SYS_select, pipe_write_end + 1, 0, (long)&writable, 0, lp));
      FD_ZERO(&writable);
      FD_SET(pipe_write_end, &writable);
      CALL("pselect6(64, NULL, P, NULL, 0 s, NULL)", 0, kOther,
           syscall(SYS_pselect6, 64, 0, lp, 0, (long)&no_wait_ns, 0));
      CALL("pselect6(pipe, NULL, {pipe}, NULL, P, NULL)", 1, kOther,
           syscall(SYS_pselect6, pipe_write_end + 1, 0, (long)&writable, 0, lp, 0));
      CALL("pselect6(0, NULL, NULL, NULL, 0 s, P)", 0, kOther,
           syscall(SYS_pselect6, 0, 0, 0, 0, (long)&no_wait_ns, lp));
      CALL("ppoll(pipe, 1, P, NULL, 8)", 1, kOther,
           syscall(SYS_ppoll, (long)&pipe_poll, 1, lp, 0, 8));
      CALL("ppoll(pipe, 1, 0 s, P, 8)", 1, kOther,
           syscall(SYS_ppoll, (long)&pipe_poll, 1, (long)&no_wait_ns, lp, 8));
      struct epoll_event ready[8];
      CALL("epoll_pwait(ep, events, 8, 0, P, 8)", 1, kOther,
           syscall(SYS_epoll_pwait, epoll_fd, (long)ready, 8, 0, lp, 8));
    }
    {
      /* rt_sigsuspend with a SIGUSR2 pending: our mask (empty) lets it in
       * at once (EINTR); Linux reads the mask first. */
      sigset_t saved, usr2;
      sigemptyset(&usr2);
      sigaddset(&usr2, SIGUSR2);
      signal(SIGUSR2, ignore_signal);
      sigprocmask(SIG_BLOCK, &usr2, &saved);
      raise(SIGUSR2);
      CALL("rt_sigsuspend(P, 8), SIGUSR2 pending", 0, kOther, syscall(SYS_rt_sigsuspend, lp, 8));
      sigprocmask(SIG_SETMASK, &saved, NULL);
      signal(SIGUSR2, SIG_DFL);
    }
    CALL_IN_CHILD("child: prlimit64(0, RLIMIT_NOFILE, P, NULL)",
                  syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, lp, 0));
    {
      /* Our bytes make a fork whose child sends no signal at its end. */
      errno = 0;
      const long child = syscall(SYS_clone3, lp, 64);
      if (child == 0)
        _exit(0);
      report("clone3(P, 64)", t, child > 0 ? 0 : child, errno, 0, kOther);
      if (child > 0)
        waitpid((pid_t)child, NULL, __WALL);
    }
    sigset_t saved;
    sigprocmask(SIG_SETMASK, NULL, &saved);
    CALL("rt_sigprocmask(SIG_BLOCK, P, NULL, 8)", 0, kOther,
         syscall(SYS_rt_sigprocmask, SIG_BLOCK, lp, 0, 8));
    sigprocmask(SIG_SETMASK, &saved, NULL);
    CALL("rt_sigaction(SIGUSR1, P, NULL, 8)", 0, kOther,
         syscall(SYS_rt_sigaction, SIGUSR1, lp, 0, 8));
    signal(SIGUSR1, SIG_DFL);
    /* Last: a query stores the clock's state over our bytes. Only with
     * modes 0, so that nothing is ever set. */
    if (t->access == '-' || *(const volatile int*)p == 0) {
      CALL("adjtimex(P) (modes 0)", 0, kOther, syscall(SYS_adjtimex, lp));
      CALL("clock_adjtime(REALTIME, P) (modes 0)", 0, kOther,
           syscall(SYS_clock_adjtime, CLOCK_REALTIME, lp));
    }
  }
}

/* The page-aligned areas we own: data (.data, writable), read-only data. */
static char data_area[2 * PAGE] __attribute__((aligned(PAGE))) = {1};
static const char rodata_area[2 * PAGE] __attribute__((aligned(PAGE))) = {
    /* nanosleep, clock_nanosleep: {0, 1}; the rest zero: "", an empty iovec */
    0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};

/* The VDSO's data page: Linux names it [vvar] in /proc/self/maps (first
 * page: the time data); vdso-kernel maps it one page below the image. */
static uintptr_t data_page(uintptr_t image) {
  FILE* maps = fopen("/proc/self/maps", "r");
  if (maps != NULL) {
    char line[256];
    while (fgets(line, sizeof(line), maps) != NULL) {
      if (strstr(line, "[vvar]") != NULL) {
        fclose(maps);
        return (uintptr_t)strtoull(line, NULL, 16);
      }
    }
    fclose(maps);
  }
  return image - PAGE;
}

static void aim_at_everything(void) {
  /* The stack: a buffer in this frame, and a page below it that is not
   * mapped yet (the stack grows on demand, for the kernel too). */
  char stack_area[2 * PAGE] __attribute__((aligned(PAGE)));
  volatile char* below = (char*)__builtin_frame_address(0) - 256 * 1024;
  const uintptr_t image = (uintptr_t)getauxval(AT_SYSINFO_EHDR);

  /* Anonymous memory: [rw][rw][ro][hole]. */
  char* anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (anon == MAP_FAILED) {
    CHECK(0, "mmap");
    return;
  }
  munmap(anon + 3 * PAGE, PAGE);
  mprotect(anon + 2 * PAGE, PAGE, PROT_READ);

  add("text", (uintptr_t)aim_at_everything & ~(PAGE - 1), 0, 0, 'r');
  add("rodata", (uintptr_t)rodata_area, 0, 1, 'r');
  add("rodata", (uintptr_t)rodata_area, PAGE - 8, 0, 'r');
  add("data", (uintptr_t)data_area, 0, 1, 'w');
  add("data", (uintptr_t)data_area, PAGE - 8, 0, 'w'); /* straddles two data pages */
  add("stack", (uintptr_t)stack_area, 0, 1, 'w');
  add("stack", (uintptr_t)stack_area, PAGE - 8, 0, 'w');
  add("stack-below-sp", (uintptr_t)below & ~(PAGE - 1), 0, 0, 'w');
  add("vdso-image", image, 0, 0, 'r');
  add("vdso-image", image, 8, 1, 'r'); /* {0, e_type|e_machine|e_version}: EINVAL as a timespec */
  add("vdso-image", image, PAGE - 16, 0, 'r');
  add("vdso-data", data_page(image), 0, 0, 'r');
  add("vdso-data", data_page(image), PAGE - 16, 0, 'r');
  /* The page after it: the image here, more of [vvar] on Linux. */
  targets[target_count - 1].bounded = 0;
  add("anon", (uintptr_t)anon, 0, 1, 'w');
  add("anon", (uintptr_t)anon, PAGE - 8, 0, 'w'); /* into the next read-write page */
  add("anon-rw-to-ro", (uintptr_t)anon, 2 * PAGE - 8, 0, '?');
  add("anon-ro", (uintptr_t)anon, 2 * PAGE, 0, 'r');
  add("anon-ro-to-hole", (uintptr_t)anon, 3 * PAGE - 8, 0, '?');
  add("hole", (uintptr_t)anon, 3 * PAGE, 0, '-');
  add("null", 0, 0, 0, '-');
  add("last-user-page", 0x7ffffffff000ul, 0, 0, '-');
  add("user-top", 0x800000000000ul, -8, 0, '-'); /* the last 8 user bytes and beyond */
  add("non-canonical", 0x800000000000ul, 0, 0, '-');
  add("non-canonical", 0x8000000000000000ul, 0, 0, '-');
  add("kernel-direct-map", 0xffff800000000000ul, 0, 0, '-');
  add("kernel-image", 0xffffffff80000000ul, 0, 0, '-');
  add("top-of-memory", 0xfffffffffffffff0ul, 0, 0, '-');

  for (int i = 0; i < target_count; ++i) {
    struct Target* t = &targets[i];
    t->ours_writable = t->known_content && t->base != (uintptr_t)rodata_area && t->base != image;
    aim(t);
  }
  munmap(anon, 3 * PAGE);
}

int main(int argc, char** argv) {
  /* Started again by the execve calls: an empty argv (Linux passes "" as
   * argv[0]), or --exec-probe. */
  if (argc == 0 || argv[0][0] == '\0' || (argc > 1 && strcmp(argv[1], "--exec-probe") == 0))
    return 0;
  quiet = argc > 1 && strcmp(argv[1], "--quiet") == 0;
  int fds[2];
  if (pipe2(fds, O_NONBLOCK) != 0) {
    perror("pipe2");
    return 125;
  }
  pipe_read_end = fds[0];
  pipe_write_end = fds[1];
  /* getcwd's answer is then "/" on every host (vdso-kernel has no chdir:
   * its one directory is "/"). */
  if (chdir("/") != 0 && errno != ENOSYS) {
    perror("chdir /");
    return 125;
  }
  const ssize_t path_bytes = readlink("/proc/self/exe", own_path, sizeof(own_path) - 1);
  char file_name[] = "/tmp/pointer_fuzz.XXXXXX";
  static char file_bytes[PAGE];
  struct epoll_event ready = {EPOLLOUT, {0}};
  struct sigevent no_signal;
  memset(&no_signal, 0, sizeof(no_signal));
  no_signal.sigev_notify = SIGEV_NONE;
  root_fd = open("/", O_RDONLY | O_DIRECTORY);
  file_fd = mkstemp(file_name);
  epoll_fd = epoll_create1(0);
  empty_epoll_fd = epoll_create1(0);
  timer_fd = timerfd_create(CLOCK_MONOTONIC, 0);
  if (path_bytes <= 0 || root_fd < 0 || file_fd < 0 || unlink(file_name) != 0 ||
      write(file_fd, file_bytes, PAGE) != PAGE || epoll_fd < 0 || empty_epoll_fd < 0 ||
      epoll_ctl(epoll_fd, EPOLL_CTL_ADD, pipe_write_end, &ready) != 0 || timer_fd < 0 ||
      syscall(SYS_timer_create, CLOCK_MONOTONIC, &no_signal, &posix_timer) != 0) {
    perror("pointer_fuzz: setting up its files and timers");
    return 125;
  }
  printf("pointer_fuzz (%s)\n", LIBC_NAME);
  fflush(stdout);
  aim_at_everything();
  CHECK(calls > 0 && mismatches == 0,
        "%ld calls aimed at %d targets: %ld ok, %ld EFAULT, %ld other errors; %ld answers that "
        "Linux never gives",
        calls, target_count, successes, efaults, others, mismatches);
  return check_done("pointer_fuzz");
}
