/* A parent that forks, execs and waits for several children:
 *   spawn CHILD [NOT_ELF]
 * CHILD is a hello program (it exits with the status given as argv[1]);
 * NOT_ELF, if given, a file execve must refuse with ENOEXEC. Each exec'd
 * child gets its own VDSO address (randomised per exec). */
#include <spawn.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

enum { kChildren = 5 };

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--vdso-page") == 0) {
    /* Exit with bits of our VDSO address: the parent compares them. */
    return (int)((getauxval(AT_SYSINFO_EHDR) >> 12) & 0xff);
  }
  if (argc < 2) {
    fprintf(stderr, "usage: spawn CHILD [NOT_ELF]\n");
    return 2;
  }
  const char* child_program = argv[1];
  printf("spawn (%s): parent pid %d\n", LIBC_NAME, (int)getpid());
  fflush(stdout);

  pid_t pids[kChildren];
  for (int i = 0; i < kChildren; ++i) {
    pids[i] = fork();
    if (pids[i] == 0) {
      char status[16];
      snprintf(status, sizeof(status), "%d", 10 + i);
      char* const child_argv[] = {(char*)child_program, status, NULL};
      char* const child_envp[] = {"FROM=spawn", NULL};
      execve(child_program, child_argv, child_envp);
      _exit(127);
    }
    CHECK(pids[i] > 0, "fork %d -> pid %d", i, (int)pids[i]);
  }
  int seen = 0;
  for (int n = 0; n < kChildren; ++n) {
    int status = 0;
    const pid_t pid = wait4(-1, &status, 0, NULL);
    for (int i = 0; i < kChildren; ++i) {
      if (pid == pids[i]) {
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10 + i,
              "child %d (pid %d) exited with %d", i, (int)pid, WEXITSTATUS(status));
        ++seen;
      }
    }
  }
  CHECK(seen == kChildren, "waited for all %d children", kChildren);
  errno = 0;
  CHECK(wait4(-1, NULL, WNOHANG, NULL) == -1 && errno == ECHILD, "no child left: ECHILD");

  /* getppid in a child, and WNOHANG while it runs. */
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child == 0)
    _exit(getppid() == parent ? 0 : 1);
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "child sees its parent with getppid");

  /* execve failures: the process stays, with the error. */
  errno = 0;
  char* const none[] = {"x", NULL};
  CHECK(execve("/no/such/program", none, none) == -1 && errno == ENOENT,
        "execve of a missing file: ENOENT (errno %d)", errno);
  if (argc > 2) {
    errno = 0;
    CHECK(execve(argv[2], none, none) == -1 && errno == ENOEXEC,
          "execve of %s: ENOEXEC (errno %d)", argv[2], errno);
  }

  /* vfork, as the shells use it: the child only execs. */
  const pid_t vchild = vfork();
  if (vchild == 0) {
    char* const vargv[] = {(char*)child_program, "21", NULL};
    execve(child_program, vargv, none);
    _exit(127);
  }
  CHECK(vchild > 0 && waitpid(vchild, &status, 0) == vchild && WIFEXITED(status) &&
            WEXITSTATUS(status) == 21,
        "vfork + execve: the child exited with 21 (status %#x)", status);
#if defined(__GLIBC__)
  /* posix_spawn: glibc's clone(CLONE_VM | CLONE_VFORK) on a new stack.
   * (musl's reports exec errors through a pipe, which vdso-kernel lacks.) */
  pid_t spawned = 0;
  char* const sargv[] = {(char*)child_program, "22", NULL};
  CHECK(posix_spawn(&spawned, child_program, NULL, NULL, sargv, none) == 0 &&
            waitpid(spawned, &status, 0) == spawned && WIFEXITED(status) &&
            WEXITSTATUS(status) == 22,
        "posix_spawn: the child exited with 22 (status %#x)", status);
#endif

  /* Randomised VDSO: five exec'd children, not all at the same address. */
  int pages[kChildren];
  for (int i = 0; i < kChildren; ++i) {
    const pid_t p = fork();
    if (p == 0) {
      char* const self_argv[] = {argv[0], "--vdso-page", NULL};
      execve(argv[0], self_argv, none);
      _exit(255);
    }
    waitpid(p, &status, 0);
    pages[i] = WEXITSTATUS(status);
  }
  int distinct = 0;
  for (int i = 0; i < kChildren; ++i) {
    int first = 1;
    for (int j = 0; j < i; ++j)
      first = first && pages[j] != pages[i];
    distinct += first;
  }
  CHECK(distinct > 1, "VDSO address differs between execs (%d distinct low bytes of 5)", distinct);
  return check_done("spawn");
}
