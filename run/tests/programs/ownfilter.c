/* ownfilter: a program with seccomp of its own, to compare vdso-run's tree
 * with the host.
 *   ownfilter trace   installs a filter returning SECCOMP_RET_TRACE for
 *                     getppid (data 0) and for getpgrp (data 7), then
 *                     calls both: with no tracer asking for these stops
 *                     the kernel fails them with ENOSYS
 *   ownfilter strict  enters SECCOMP_MODE_STRICT and writes "strict"
 * Prints one line per call: NAME=ok or NAME=ERRNO-NAME. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char* result(long value) {
  if (value >= 0)
    return "ok";
  return errno == ENOSYS ? "ENOSYS" : errno == EINVAL ? "EINVAL" : strerror(errno);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "strict") == 0) {
    fflush(stdout);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0) {
      printf("strict=%s\n", result(-1));
      return 0;
    }
    static const char kLine[] = "strict=ok\n";
    syscall(SYS_write, 1, kLine, sizeof(kLine) - 1);
    syscall(SYS_exit, 0);
  }
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 7),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof(code) / sizeof(code[0]), code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    perror("ownfilter: seccomp");
    return 2;
  }
  printf("getppid=%s\n", result(syscall(SYS_getppid)));
  printf("getpgrp=%s\n", result(syscall(SYS_getpgrp)));
  return 0;
}
