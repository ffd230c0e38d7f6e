/* Test helpers for the static test programs (kernel/user/): each check
 * prints one line, "ok" or "FAIL", and the program's exit status is the
 * number of failures, so the kernel's runner (and a shell on Linux) can
 * judge it. Plain C, for glibc and musl alike. */
#ifndef VDSO_KERNEL_USER_CHECK_H
#define VDSO_KERNEL_USER_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

/* `cond` is evaluated once (it may be a system call being counted). */
#define CHECK(cond, ...)                             \
  do {                                               \
    const int check_ok_ = (cond) ? 1 : 0;            \
    if (check_ok_) {                                 \
      printf("ok   ");                               \
    } else {                                         \
      printf("FAIL ");                               \
      ++check_failures;                              \
    }                                                \
    printf(__VA_ARGS__);                             \
    printf("%s\n", check_ok_ ? "" : "  <-- " #cond); \
  } while (0)

/* A raw system call that must fail with EFAULT (the caller lives on). */
#define EXPECT_EFAULT(call, what)                                                                \
  do {                                                                                           \
    errno = 0;                                                                                   \
    const long expect_r_ = (call);                                                               \
    CHECK(expect_r_ == -1 && errno == EFAULT, "%-44s -> %ld, errno %d", what, expect_r_, errno); \
  } while (0)

static inline int check_done(const char* program) {
  printf("%s: %s (%d failure%s)\n", program, check_failures == 0 ? "PASS" : "FAILED",
         check_failures, check_failures == 1 ? "" : "s");
  fflush(stdout);
  return check_failures > 125 ? 125 : check_failures;
}

#if defined(__GLIBC__)
#define LIBC_NAME "glibc"
#else
#define LIBC_NAME "musl"
#endif

#endif
