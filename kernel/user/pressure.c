/* Resource exhaustion is the process's problem, never the kernel's:
 * allocate memory until the kernel says ENOMEM, fork under that pressure,
 * then fork until the process table is full (capped at kMaxChildren, so
 * that this stays harmless on Linux), and check that everything works
 * again once it is all given back. */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* At most 512 MiB: on Linux the cap, not ENOMEM, ends the first phase. */
enum { kChunkBytes = 1 << 20, kMaxChunks = 512, kMaxChildren = 64 };

int main(void) {
  static void* chunks[kMaxChunks];
  int count = 0;
  /* mmap directly: the libc's malloc may keep what it got. */
  while (count < kMaxChunks) {
    void* p = mmap(NULL, kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      break;
    memset(p, 0xa5, kChunkBytes);
    chunks[count++] = p;
  }
  printf("pressure (%s): %d MiB mapped before mmap failed (errno %d)\n", LIBC_NAME, count, errno);
  CHECK(count == kMaxChunks || errno == ENOMEM, "mmap ran out with ENOMEM");
  fflush(stdout);
  const pid_t child = fork();
  if (child == 0)
    _exit(0);
  if (child > 0) {
    waitpid(child, NULL, 0);
    printf("fork under memory pressure succeeded\n");
  } else {
    CHECK(errno == ENOMEM || errno == EAGAIN, "fork under memory pressure: errno %d", errno);
  }
  for (int i = 0; i < count; ++i)
    munmap(chunks[i], kChunkBytes);

  pid_t children[kMaxChildren];
  int forked = 0;
  while (forked < kMaxChildren) {
    const pid_t pid = fork();
    if (pid == 0) {
      for (;;)
        sleep(100);
    }
    if (pid < 0)
      break;
    children[forked++] = pid;
  }
  printf("forked %d sleeping children%s\n", forked,
         forked < kMaxChildren ? " before fork failed" : "");
  CHECK(forked == kMaxChildren || errno == EAGAIN || errno == ENOMEM,
        "fork stopped with EAGAIN or ENOMEM (errno %d)", errno);
  int killed = 0;
  for (int i = 0; i < forked; ++i) {
    kill(children[i], SIGKILL);
    int status = 0;
    if (waitpid(children[i], &status, 0) == children[i] && WIFSIGNALED(status) &&
        WTERMSIG(status) == SIGKILL)
      ++killed;
  }
  CHECK(killed == forked, "all %d children killed and reaped", forked);

  /* All of it is back. */
  void* again = mmap(NULL, 16 * kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
  CHECK(again != MAP_FAILED, "16 MiB can be mapped again");
  const pid_t last = fork();
  if (last == 0)
    _exit(3);
  int status = 0;
  CHECK(last > 0 && waitpid(last, &status, 0) == last && WEXITSTATUS(status) == 3,
        "fork works again");
  return check_done("pressure");
}
