/* The pointer-aiming fuzzer: the system calls the kernel implements that
 * take a pointer (all but the new values of sigaltstack and prlimit64,
 * which depend on the host CPU's signal frame or would lower this
 * process's limits, and rt_sigreturn, whose frame is the stack itself: the
 * faults test covers it), called with that pointer aimed at each kind of
 * mapping a process has (text, read-only data, data, stack, the stack's
 * on-demand pages, the VDSO image and data page, anonymous memory
 * read-write and read-only), at page boundaries inside a mapping and straddling into a
 * read-only page or a hole, and outside user space (NULL, a hole, the
 * last user page and across the user top, non-canonical, the kernel half).
 * One line per call:
 *     CALL ARGUMENT KIND+OFFSET -> RESULT
 * where RESULT is "ok", "ok N" (a count that must match) or the errno's
 * name. Nothing in a line depends on where things landed, so the lines of
 * two kernels can be compared: kernel/tests/tool/user_memory_test.sh runs
 * this same static binary on the host's Linux and on vdso-kernel (both CPU
 * models) and wants the same lines.
 *   pointer_fuzz [--quiet]   (--quiet: only the summary)
 * It touches nothing but itself (its pipes, its signal mask and handlers,
 * its own children), so it is safe on the host. Pointers whose bytes the call
 * would interpret (a timespec, a path, an iovec, a sigaction) point only
 * at bytes this program chose, at the ELF header of the image (fixed by the
 * ELF contract), or at bytes that cannot be read: a sleep must never be
 * asked for a random length. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define PAGE 4096ul

/* What the call does with the bytes at the pointer: what it must answer
 * follows from the target's access alone (below), except for kOther. */
enum Use {
  kStore,  /* writes them */
  kLoad,   /* copies them, whatever they are */
  kOther,  /* interprets them, or does not touch them (an answer of Linux's own) */
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
  memset(where, 0, 32);
  memcpy(where, &sleep_for, sizeof(sleep_for));
}

static int pipe_read_end, pipe_write_end;

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

#define CALL(text, counted, use, expression)                 \
  do {                                                       \
    errno = 0;                                               \
    const long r_ = (expression);                            \
    report(text, t, r_ < 0 ? -1 : r_, errno, counted, use); \
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
    sigset_t saved;
    sigprocmask(SIG_SETMASK, NULL, &saved);
    CALL("rt_sigprocmask(SIG_BLOCK, P, NULL, 8)", 0, kOther,
         syscall(SYS_rt_sigprocmask, SIG_BLOCK, lp, 0, 8));
    sigprocmask(SIG_SETMASK, &saved, NULL);
    CALL("rt_sigaction(SIGUSR1, P, NULL, 8)", 0, kOther,
         syscall(SYS_rt_sigaction, SIGUSR1, lp, 0, 8));
    signal(SIGUSR1, SIG_DFL);
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
  printf("pointer_fuzz (%s)\n", LIBC_NAME);
  fflush(stdout);
  aim_at_everything();
  CHECK(calls > 0 && mismatches == 0,
        "%ld calls aimed at %d targets: %ld ok, %ld EFAULT, %ld other errors; %ld answers that "
        "Linux never gives",
        calls, target_count, successes, efaults, others, mismatches);
  return check_done("pointer_fuzz");
}
