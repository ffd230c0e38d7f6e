/* The fine clocks and getcpu through the VDSO, against their system calls.
 *
 *   fine_clocks CLOCKS GETCPU
 *     CLOCKS  tsc      the kernel lets user space read the TSC: the VDSO
 *                      answers the fine clocks itself
 *             syscall  it does not (fineclocks=off): each VDSO call is the
 *                      fallback system call
 *     GETCPU  vdso     the VDSO reads the CPU itself (RDPID, or LSL on
 *                      the GDT's cpu-and-node segment)
 *             syscall  it makes getcpu(2)
 *
 * Checks, in this process:
 *   - for each fine clock and gettimeofday, kOrderRounds times: system
 *     call <= VDSO <= system call, and clock_getres agrees;
 *   - kCalls calls of each through libc, and kCalls sched_getcpu;
 * and in children, bad input: a null or unmapped pointer makes the VDSO
 * fault as Linux's does (it writes through the pointer itself) when it
 * answers, gives -EFAULT when it makes the system call, and the system
 * calls themselves always return -EFAULT.
 *
 * Booted with `verbose`, the kernel's exit line for this process then
 * counts exactly the raw system calls below when the VDSO answers
 * (clock_gettime=10000 gettimeofday=2000 getcpu=1), and those plus one per
 * VDSO call when it falls back: getcpu=100001, and with glibc
 * clock_gettime=515000 gettimeofday=103000 (musl's gettimeofday is its
 * clock_gettime: clock_gettime=616000 gettimeofday=2000).
 * kernel/CMakeLists.txt expects those lines. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { kOrderRounds = 1000, kCalls = 100000 };

static const struct {
  const char* name;
  clockid_t id;
} kFineClocks[] = {{"CLOCK_REALTIME", CLOCK_REALTIME},
                   {"CLOCK_MONOTONIC", CLOCK_MONOTONIC},
                   {"CLOCK_MONOTONIC_RAW", CLOCK_MONOTONIC_RAW},
                   {"CLOCK_BOOTTIME", CLOCK_BOOTTIME},
                   {"CLOCK_TAI", CLOCK_TAI}};
enum { kFineClockCount = sizeof(kFineClocks) / sizeof(kFineClocks[0]) };

static int64_t ns_of(struct timespec ts) {
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static int64_t us_of(struct timeval tv) {
  return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static long raw_clock_gettime(clockid_t id, void* ts) {
  return syscall(SYS_clock_gettime, id, ts);
}

static void check_ordering(void) {
  for (int c = 0; c < kFineClockCount; ++c) {
    int disordered = 0;
    struct timespec s1, v, s2, first_bad[3] = {{0, 0}, {0, 0}, {0, 0}};
    for (int i = 0; i < kOrderRounds; ++i) {
      raw_clock_gettime(kFineClocks[c].id, &s1);
      clock_gettime(kFineClocks[c].id, &v);
      raw_clock_gettime(kFineClocks[c].id, &s2);
      if (!(ns_of(s1) <= ns_of(v) && ns_of(v) <= ns_of(s2))) {
        if (disordered++ == 0) {
          first_bad[0] = s1;
          first_bad[1] = v;
          first_bad[2] = s2;
        }
      }
    }
    CHECK(disordered == 0, "%-19s syscall <= VDSO <= syscall in %d rounds (%d out of order%s)",
          kFineClocks[c].name, kOrderRounds, disordered, disordered ? ", first:" : "");
    if (disordered)
      printf("     %ld.%09ld %ld.%09ld %ld.%09ld\n", (long)first_bad[0].tv_sec,
             first_bad[0].tv_nsec, (long)first_bad[1].tv_sec, first_bad[1].tv_nsec,
             (long)first_bad[2].tv_sec, first_bad[2].tv_nsec);
    struct timespec vdso_res = {-1, -1}, sys_res = {-2, -2};
    clock_getres(kFineClocks[c].id, &vdso_res);
    syscall(SYS_clock_getres, kFineClocks[c].id, &sys_res);
    CHECK(ns_of(vdso_res) == ns_of(sys_res) && ns_of(sys_res) == 1,
          "%-19s clock_getres: VDSO %ld ns, syscall %ld ns", kFineClocks[c].name,
          (long)ns_of(vdso_res), (long)ns_of(sys_res));
  }
  int disordered = 0;
  for (int i = 0; i < kOrderRounds; ++i) {
    struct timeval s1, v, s2;
    syscall(SYS_gettimeofday, &s1, NULL);
    gettimeofday(&v, NULL);
    syscall(SYS_gettimeofday, &s2, NULL);
    if (!(us_of(s1) <= us_of(v) && us_of(v) <= us_of(s2)))
      ++disordered;
  }
  CHECK(disordered == 0,
        "gettimeofday        syscall <= VDSO <= syscall in %d rounds (%d out of "
        "order)",
        kOrderRounds, disordered);
}

static void many_calls(void) {
  for (int c = 0; c < kFineClockCount; ++c) {
    struct timespec last = {0, 0}, now;
    int backwards = 0;
    for (int i = 0; i < kCalls; ++i) {
      clock_gettime(kFineClocks[c].id, &now);
      backwards += ns_of(now) < ns_of(last);
      last = now;
    }
    CHECK(backwards == 0, "%-19s %d calls, never backwards", kFineClocks[c].name, kCalls);
  }
  struct timeval last = {0, 0}, now;
  int backwards = 0;
  for (int i = 0; i < kCalls; ++i) {
    gettimeofday(&now, NULL);
    backwards += us_of(now) < us_of(last);
    last = now;
  }
  CHECK(backwards == 0, "gettimeofday        %d calls, never backwards", kCalls);

  unsigned sys_cpu = 99, sys_node = 99;
  CHECK(syscall(SYS_getcpu, &sys_cpu, &sys_node, NULL) == 0 && sys_cpu == 0 && sys_node == 0,
        "getcpu(2): cpu %u node %u", sys_cpu, sys_node);
  int other = 0;
  for (int i = 0; i < kCalls; ++i)
    other += sched_getcpu() != (int)sys_cpu;
  CHECK(other == 0, "sched_getcpu        %d calls, each the CPU getcpu(2) gives", kCalls);
}

/* ---- Bad input, each case in a child --------------------------------- */

static void* unmapped_page;
/* Null, but not to the compiler: libc's headers declare these nonnull. */
static void* volatile null_pointer;

/* Each returns 1 when the call did what it should without faulting:
 * returned -1 with errno EFAULT, or 0 where a null pointer is allowed. */
static int efault(long r) {
  return r == -1 && errno == EFAULT;
}
static int vdso_gettime_null(void) {
  return efault(clock_gettime(CLOCK_MONOTONIC, null_pointer));
}
static int vdso_gettime_unmapped(void) {
  return efault(clock_gettime(CLOCK_REALTIME, unmapped_page));
}
#if defined(__GLIBC__)
static int vdso_gettimeofday_unmapped(void) {
  return efault(gettimeofday(unmapped_page, NULL));
}
static int vdso_getcpu_unmapped(void) {
  return efault(getcpu(unmapped_page, NULL));
}
static int vdso_null_pointers_allowed(void) {
  return gettimeofday(null_pointer, NULL) == 0 && getcpu(NULL, NULL) == 0;
}
#endif
static int syscalls_reject_bad_pointers(void) {
  int failures = 0;
  failures += !efault(raw_clock_gettime(CLOCK_MONOTONIC, NULL));
  failures += !efault(raw_clock_gettime(CLOCK_TAI, unmapped_page));
  failures += !efault(syscall(SYS_clock_getres, CLOCK_MONOTONIC, unmapped_page));
  failures += syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL) != 0;
  failures += !efault(syscall(SYS_gettimeofday, unmapped_page, NULL));
  failures += !efault(syscall(SYS_gettimeofday, NULL, unmapped_page));
  failures += syscall(SYS_gettimeofday, NULL, NULL) != 0;
  failures += !efault(syscall(SYS_getcpu, unmapped_page, NULL, NULL));
  failures += !efault(syscall(SYS_getcpu, NULL, unmapped_page, NULL));
  failures += syscall(SYS_getcpu, NULL, NULL, NULL) != 0;
  return failures == 0;
}

/* Runs `body` in a child (so that neither a fault nor the fallback's
 * system calls touch this process's counts); `vdso_answers`: it must die
 * of SIGSEGV (the VDSO wrote through the pointer), else `body` must say it
 * returned what it should. */
static void expect_bad_input(const char* what, int (*body)(void), int vdso_answers) {
  const pid_t pid = fork();
  if (pid == 0)
    _exit(body() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  if (vdso_answers) {
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "%-42s -> SIGSEGV (status %#x)", what,
          status);
  } else {
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%-42s -> returned (status %#x)", what,
          status);
  }
}

static void check_bad_input(int clocks_in_vdso, int getcpu_in_vdso) {
  unmapped_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(unmapped_page != MAP_FAILED && munmap(unmapped_page, 4096) == 0, "a page, unmapped");
  expect_bad_input("clock_gettime(MONOTONIC, NULL)", vdso_gettime_null, clocks_in_vdso);
  expect_bad_input("clock_gettime(REALTIME, unmapped)", vdso_gettime_unmapped, clocks_in_vdso);
#if defined(__GLIBC__)
  /* musl's gettimeofday reads clock_gettime into its own timespec and has
   * no getcpu(): only glibc hands these pointers to the VDSO. */
  expect_bad_input("gettimeofday(unmapped, NULL)", vdso_gettimeofday_unmapped, clocks_in_vdso);
  expect_bad_input("getcpu(unmapped, NULL)", vdso_getcpu_unmapped, getcpu_in_vdso);
  expect_bad_input("gettimeofday(NULL, NULL), getcpu(NULL, NULL): 0", vdso_null_pointers_allowed,
                   0);
#else
  (void)getcpu_in_vdso;
#endif
  expect_bad_input("system calls: NULL and unmapped pointers", syscalls_reject_bad_pointers, 0);
}

static int mode_argument(const char* text, const char* in_vdso, const char* fallback) {
  if (text != NULL && strcmp(text, in_vdso) == 0)
    return 1;
  if (text != NULL && strcmp(text, fallback) == 0)
    return 0;
  return -1;
}

int main(int argc, char** argv) {
  const int clocks_in_vdso = mode_argument(argc > 1 ? argv[1] : NULL, "tsc", "syscall");
  const int getcpu_in_vdso = mode_argument(argc > 2 ? argv[2] : NULL, "vdso", "syscall");
  if (clocks_in_vdso < 0 || getcpu_in_vdso < 0) {
    fprintf(stderr, "usage: fine_clocks tsc|syscall vdso|syscall\n");
    return 2;
  }
  printf("fine_clocks (%s): fine clocks %s, getcpu %s\n", LIBC_NAME,
         clocks_in_vdso ? "from the TSC" : "by system call",
         getcpu_in_vdso ? "in user space" : "by system call");
  check_ordering();
  many_calls();
  check_bad_input(clocks_in_vdso, getcpu_in_vdso);
  return check_done("fine_clocks");
}
