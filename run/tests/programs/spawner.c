/* spawner MODE PROGRAM [ARGS...]: starts PROGRAM the way MODE says, so the
 * tests cover every way a process tree creates programs:
 *
 *   fork         fork + execv in the child, wait
 *   vfork        vfork + execv in the child, wait
 *   posix_spawn  posix_spawn (glibc: clone(CLONE_VM | CLONE_VFORK)), wait
 *   thread_exec  a second thread calls execv: the exec of a non-leader
 *                thread, which takes over the process
 *
 * Exits with PROGRAM's status (thread_exec: PROGRAM is this process). */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static char** program_argv;

static int wait_for(pid_t pid) {
  int status;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return 125;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void* exec_from_thread(void* unused) {
  (void)unused;
  execv(program_argv[0], program_argv);
  perror("spawner: execv");
  _exit(127);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: spawner fork|vfork|posix_spawn|thread_exec PROGRAM [ARGS...]\n");
    return 2;
  }
  const char* mode = argv[1];
  program_argv = argv + 2;
  if (strcmp(mode, "fork") == 0) {
    const pid_t pid = fork();
    if (pid == 0) {
      execv(program_argv[0], program_argv);
      _exit(127);
    }
    return wait_for(pid);
  }
  if (strcmp(mode, "vfork") == 0) {
    const pid_t pid = vfork();
    if (pid == 0) {
      execv(program_argv[0], program_argv);
      _exit(127);
    }
    return wait_for(pid);
  }
  if (strcmp(mode, "posix_spawn") == 0) {
    pid_t pid = -1;
    if (posix_spawn(&pid, program_argv[0], NULL, NULL, program_argv, environ) != 0) return 127;
    return wait_for(pid);
  }
  if (strcmp(mode, "thread_exec") == 0) {
    pthread_t thread;
    pthread_create(&thread, NULL, exec_from_thread, NULL);
    for (;;) pause();
  }
  fprintf(stderr, "spawner: unknown mode %s\n", mode);
  return 2;
}
