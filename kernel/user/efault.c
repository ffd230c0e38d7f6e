/* The -EFAULT matrix: system calls handed bad pointers (NULL, unmapped,
 * kernel, non-canonical, read-only where the kernel must write, a buffer
 * running off the end of a mapping) must fail with EFAULT, and the caller
 * must live on. Raw system calls, so libc cannot catch the pointer first. */
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define KERNEL_ADDRESS 0xffffffff80100000ull
#define NON_CANONICAL 0x0000900000000000ull

static long raw(long number, long a, long b, long c, long d) {
  return syscall(number, a, b, c, d);
}

int main(int argc, char** argv) {
  const char* self = argc > 0 ? argv[0] : "/";
  printf("efault (%s)\n", LIBC_NAME);
  fflush(stdout);
  /* A page that is mapped, then one that is not. */
  char* pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(pages + 4096, 4096);
  char* unmapped = pages + 4096;
  const long read_only = (long)getauxval(AT_SYSINFO_EHDR); /* VDSO code: user read-only */

  const long bad[] = {0, (long)unmapped, (long)KERNEL_ADDRESS, (long)NON_CANONICAL, -1};
  const char* names[] = {"NULL", "unmapped", "kernel", "non-canonical", "-1"};
  for (int i = 0; i < 5; ++i) {
    char what[64];
    snprintf(what, sizeof(what), "clock_gettime(MONOTONIC, %s)", names[i]);
    EXPECT_EFAULT(raw(SYS_clock_gettime, CLOCK_MONOTONIC, bad[i], 0, 0), what);
    snprintf(what, sizeof(what), "clock_gettime(MONOTONIC_COARSE, %s)", names[i]);
    EXPECT_EFAULT(raw(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, bad[i], 0, 0), what);
    snprintf(what, sizeof(what), "write(1, %s, 8)", names[i]);
    EXPECT_EFAULT(raw(SYS_write, 1, bad[i], 8, 0), what);
    snprintf(what, sizeof(what), "uname(%s)", names[i]);
    EXPECT_EFAULT(raw(SYS_uname, bad[i], 0, 0, 0), what);
    snprintf(what, sizeof(what), "nanosleep(%s, NULL)", names[i]);
    EXPECT_EFAULT(raw(SYS_nanosleep, bad[i], 0, 0, 0), what);
  }
  EXPECT_EFAULT(raw(SYS_clock_gettime, CLOCK_MONOTONIC, read_only, 0, 0),
                "clock_gettime into read-only VDSO code");
  EXPECT_EFAULT(raw(SYS_clock_getres, CLOCK_MONOTONIC_COARSE, read_only, 0, 0),
                "clock_getres into read-only VDSO code");
  EXPECT_EFAULT(raw(SYS_gettimeofday, (long)unmapped, 0, 0, 0), "gettimeofday(unmapped)");
  EXPECT_EFAULT(raw(SYS_gettimeofday, 0, (long)KERNEL_ADDRESS, 0, 0), "gettimeofday(NULL, kernel tz)");
  EXPECT_EFAULT(raw(SYS_time, (long)KERNEL_ADDRESS, 0, 0, 0), "time(kernel)");
  /* 16-byte timespec straddling the end of the mapping. */
  EXPECT_EFAULT(raw(SYS_clock_gettime, CLOCK_REALTIME, (long)(unmapped - 8), 0, 0),
                "clock_gettime across the end of a mapping");
  EXPECT_EFAULT(raw(SYS_write, 1, (long)KERNEL_ADDRESS, 1, 0), "write(1, kernel, 1)");
  struct iovec iov[2] = {{(void*)KERNEL_ADDRESS, 4}, {(void*)"x", 1}};
  EXPECT_EFAULT(raw(SYS_writev, 1, (long)iov, 2, 0), "writev(kernel iov_base)");
  EXPECT_EFAULT(raw(SYS_writev, 1, (long)unmapped, 1, 0), "writev(unmapped iovec array)");
  EXPECT_EFAULT(raw(SYS_getrandom, read_only, 16, 0, 0), "getrandom into read-only memory");
  EXPECT_EFAULT(raw(SYS_getrandom, (long)KERNEL_ADDRESS, 16, 0, 0), "getrandom into the kernel");
  EXPECT_EFAULT(raw(SYS_rt_sigaction, SIGUSR1, (long)unmapped, 0, 8), "rt_sigaction(unmapped act)");
  EXPECT_EFAULT(raw(SYS_rt_sigprocmask, SIG_BLOCK, (long)KERNEL_ADDRESS, 0, 8),
                "rt_sigprocmask(kernel set)");
  EXPECT_EFAULT(raw(SYS_execve, (long)KERNEL_ADDRESS, 0, 0, 0), "execve(kernel path)");
  EXPECT_EFAULT(raw(SYS_execve, (long)self, (long)unmapped, 0, 0), "execve(self, unmapped argv)");
  EXPECT_EFAULT(raw(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, (long)read_only, 0, 0),
                "arch_prctl(ARCH_GET_FS, read-only)");
  EXPECT_EFAULT(raw(SYS_prlimit64, 0, 3, 0, (long)KERNEL_ADDRESS), "prlimit64(old = kernel)");
  EXPECT_EFAULT(raw(SYS_fstat, 1, (long)NON_CANONICAL, 0, 0), "fstat(1, non-canonical)");

  /* A child that has exited: wait4 with a bad status pointer. */
  const pid_t child = fork();
  if (child == 0)
    _exit(0);
  EXPECT_EFAULT(raw(SYS_wait4, child, (long)KERNEL_ADDRESS, 0, 0), "wait4(child, kernel status)");
  errno = 0;
  CHECK(waitpid(child, NULL, 0) == -1 && errno == ECHILD,
        "the child was reaped all the same, as Linux does (errno %d)", errno);

  /* And the good pointers still work. */
  struct timespec ts;
  CHECK(raw(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0) == 0, "valid pointer works");
  return check_done("efault");
}
