/* Pipes and descriptors: a round trip, 256 KiB through a 4 KiB pipe
 * between two processes (both sides block and wake), end of file when the
 * last writer closes, SIGPIPE and EPIPE when the last reader is gone,
 * O_NONBLOCK, dup2 of stdout into a pipe across execve, close-on-exec, and
 * musl's or glibc's posix_spawn.
 *   pipes [CHILD]   CHILD: a hello program to exec (default: none) */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

enum { kBulkBytes = 256 * 1024 };

static ssize_t read_all(int fd, char* buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, buffer + done, size - done);
    if (n <= 0)
      return n < 0 ? n : (ssize_t)done;
    done += (size_t)n;
  }
  return (ssize_t)done;
}

int main(int argc, char** argv) {
  printf("pipes (%s)\n", LIBC_NAME);
  fflush(stdout);
  int p[2];
  CHECK(pipe(p) == 0, "pipe -> %d %d", p[0], p[1]);
  CHECK(write(p[1], "hello", 5) == 5, "write 5 bytes");
  char buffer[64] = {0};
  CHECK(read(p[0], buffer, sizeof(buffer)) == 5 && memcmp(buffer, "hello", 5) == 0,
        "read them back: \"%s\"", buffer);
  struct stat st;
  CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: a FIFO");
  close(p[1]);
  CHECK(read(p[0], buffer, sizeof(buffer)) == 0, "end of file once the writer is closed");
  close(p[0]);

  /* Bulk transfer between processes, both blocking in turn. */
  pipe(p);
  const pid_t writer = fork();
  if (writer == 0) {
    close(p[0]);
    static char out[kBulkBytes];
    for (int i = 0; i < kBulkBytes; ++i)
      out[i] = (char)(i * 7 + i / 4096);
    _exit(write(p[1], out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 1);
  }
  close(p[1]);
  static char in[kBulkBytes];
  const ssize_t got = read_all(p[0], in, sizeof(in));
  int same = got == kBulkBytes;
  for (int i = 0; same && i < kBulkBytes; ++i)
    same = in[i] == (char)(i * 7 + i / 4096);
  int status = -1;
  waitpid(writer, &status, 0);
  CHECK(same && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "%d KiB through a pipe between processes, intact", kBulkBytes / 1024);
  CHECK(read(p[0], buffer, 1) == 0, "then end of file");
  close(p[0]);

  /* No reader: SIGPIPE kills by default; ignored, write says EPIPE. */
  pipe(p);
  close(p[0]);
  const pid_t victim = fork();
  if (victim == 0) {
    write(p[1], "x", 1);
    _exit(0);
  }
  waitpid(victim, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE, "write without a reader: SIGPIPE");
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE, "with SIGPIPE ignored: EPIPE");
  signal(SIGPIPE, SIG_DFL);
  close(p[1]);

  /* O_NONBLOCK and close-on-exec through pipe2 and fcntl. */
  CHECK(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2(O_NONBLOCK | O_CLOEXEC)");
  errno = 0;
  CHECK(read(p[0], buffer, 1) == -1 && errno == EAGAIN, "empty non-blocking pipe: EAGAIN");
  CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) && (fcntl(p[1], F_GETFL) & O_NONBLOCK),
        "fcntl sees FD_CLOEXEC and O_NONBLOCK");
  static char fill[1 << 20];
  const ssize_t filled = write(p[1], fill, sizeof(fill));
  CHECK(filled > 0 && filled < (ssize_t)sizeof(fill),
        "a non-blocking write fills the pipe and stops: %zd bytes", filled);
  close(p[0]);
  close(p[1]);
  const int copy = dup(1);
  CHECK(copy >= 3 && fcntl(copy, F_GETFD) == 0, "dup(1) -> %d, not close-on-exec", copy);
  close(copy);
  errno = 0;
  CHECK(close(copy) == -1 && errno == EBADF, "closing it twice: EBADF");

  if (argc > 1) {
    /* A child's stdout redirected into a pipe across execve. */
    pipe(p);
    const pid_t child = fork();
    if (child == 0) {
      dup2(p[1], 1);
      close(p[0]);
      close(p[1]);
      char* const child_argv[] = {argv[1], "0", NULL};
      execv(argv[1], child_argv);
      _exit(127);
    }
    close(p[1]);
    memset(in, 0, 256);
    read_all(p[0], in, 255);
    waitpid(child, &status, 0);
    CHECK(strstr(in, "hello from static") != NULL && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "dup2(pipe, 1) + execve: the parent read the child's stdout");
    close(p[0]);

    /* posix_spawn (musl reports exec errors through a close-on-exec pipe). */
    pid_t spawned = 0;
    char* const spawn_argv[] = {argv[1], "23", NULL};
    char* const no_env[] = {NULL};
    const int r = posix_spawn(&spawned, argv[1], NULL, NULL, spawn_argv, no_env);
    status = -1;
    CHECK(r == 0 && waitpid(spawned, &status, 0) == spawned && WIFEXITED(status) &&
              WEXITSTATUS(status) == 23,
          "posix_spawn: the child exited with 23 (r %d, status %#x)", r, status);
    char* const missing_argv[] = {"/no/such/program", NULL};
    CHECK(posix_spawn(&spawned, "/no/such/program", NULL, NULL, missing_argv, no_env) != 0 ||
              (waitpid(spawned, &status, 0) == spawned && WEXITSTATUS(status) == 127),
          "posix_spawn of a missing program fails");
  }
  return check_done("pipes");
}
