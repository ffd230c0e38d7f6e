/* The malformed-ELF matrix, in the guest: execve of each file named on the
 * command line must fail with ENOEXEC and leave the caller running.
 *   elfmatrix DIRECTORY/ NAME...   (each file is DIRECTORY/NAME)
 * (The files are made at build time by kernel/tools/make_bad_elves.cpp
 * from a valid program; each breaks one rule the loader checks.) */
#include <unistd.h>

#include "check.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: elfmatrix DIRECTORY/ NAME...\n");
    return 2;
  }
  printf("elfmatrix (%s): %d files\n", LIBC_NAME, argc - 2);
  for (int i = 2; i < argc; ++i) {
    char path[256];
    snprintf(path, sizeof(path), "%s%s", argv[1], argv[i]);
    char* const none[] = {path, NULL};
    errno = 0;
    const int r = execve(path, none, none);
    CHECK(r == -1 && errno == ENOEXEC, "execve(%s) -> ENOEXEC (errno %d)", path, errno);
  }
  return check_done("elfmatrix");
}
