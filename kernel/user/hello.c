/* The smallest program that uses the VDSO: prints which libc it is, its
 * arguments and a coarse clock reading, then exits with the status given
 * as its first argument (default 0). Runs unchanged on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "bytes") == 0) {
    /* Every byte value once, on stdout alone: the console is binary-safe. */
    unsigned char all[256];
    for (int i = 0; i < 256; ++i)
      all[i] = (unsigned char)i;
    return write(1, all, sizeof(all)) == (ssize_t)sizeof(all) ? 0 : 1;
  }
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  /* Our own ELF header (the linker defines __ehdr_start): ET_DYN is a
   * static-pie, ET_EXEC a classic static program. */
  extern const unsigned char __ehdr_start[];
  const int pie = __ehdr_start[16] == 3;
  printf("hello from static %s%s: argc=%d", LIBC_NAME, pie ? " (static-pie)" : "", argc);
  for (int i = 0; i < argc; ++i)
    printf(" [%s]", argv[i]);
  printf("\nvdso at %#lx, MONOTONIC_COARSE %ld.%09ld\n", getauxval(AT_SYSINFO_EHDR),
         (long)ts.tv_sec, ts.tv_nsec);
  fprintf(stderr, "hello on stderr\n");
  if (argc > 1 && strcmp(argv[1], "segv") == 0) {
    fflush(stdout);
    *(volatile int*)0 = 1; /* ends with SIGSEGV: 139 from vdso-kernel-run */
  }
  if (argc > 1 && strcmp(argv[1], "hang") == 0) {
    fflush(stdout);
    for (;;) /* for --timeout tests */
      sleep(1);
  }
  return argc > 1 ? atoi(argv[1]) : 0;
}
