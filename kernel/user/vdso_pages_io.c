/* The VDSO's own pages handed to system calls (issue 14): write(fd, image,
 * n) writes the image's bytes and write(fd, data_page, n) the data page's;
 * a system call asked to store into either gets EFAULT and the caller
 * lives on. The pages are user-readable, never user-writable: the kernel
 * reads and writes them for the process exactly as the process could.
 * Raw system calls, so that libc checks nothing first. The data page is
 * the page below the image, as vdso-kernel maps it. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define PAGE 4096

static int pipe_read_end, pipe_write_end;

/* Writes `bytes` from `from` into the pipe and reads them back into `to`:
 * what write() took from `from`, or -1 with errno. */
static long through_pipe(const void* from, size_t bytes, char* to) {
  const long written = syscall(SYS_write, pipe_write_end, (long)from, (long)bytes);
  if (written < 0)
    return -1;
  long got = 0;
  while (got < written) {
    const long r = read(pipe_read_end, to + got, (size_t)(written - got));
    if (r <= 0)
      break;
    got += r;
  }
  return got;
}

/* The data page changes at every tick: its bytes through write() must
 * equal a copy taken just before, in one of a few tries (a tick between
 * the two changes a counter, never every try). */
static int data_page_written_exactly(const char* page) {
  static char before[PAGE], after[PAGE];
  for (int attempt = 0; attempt < 50; ++attempt) {
    memcpy(before, page, PAGE);
    if (through_pipe(page, PAGE, after) != PAGE)
      return 0;
    if (memcmp(before, after, PAGE) == 0)
      return 1;
  }
  return 0;
}

int main(void) {
  printf("vdso_pages_io (%s)\n", LIBC_NAME);
  fflush(stdout);
  int fds[2];
  if (pipe(fds) != 0) {
    perror("pipe");
    return 125;
  }
  pipe_read_end = fds[0];
  pipe_write_end = fds[1];
  const char* image = (const char*)getauxval(AT_SYSINFO_EHDR);
  const char* data_page = image - PAGE;
  CHECK(image != NULL, "AT_SYSINFO_EHDR is %p", (const void*)image);
  if (image == NULL)
    return check_done("vdso_pages_io");

  /* The program: the ELF header, 16 bytes, to stdout. */
  static char header[16];
  CHECK(syscall(SYS_write, 1, (long)image, 16) == 16, "write(1, image, 16) wrote the header");
  printf("\n");
  static char got[2 * PAGE];
  CHECK(through_pipe(image, 16, header) == 16 && memcmp(header, "\177ELF\2\1\1", 7) == 0,
        "write(pipe, image, 16) carried the ELF magic, class 64, little-endian, version 1");
  /* A page at a time: the kernel's pipes hold 4 KiB. */
  CHECK(through_pipe(image, PAGE, got) == PAGE && memcmp(got, image, PAGE) == 0 &&
            through_pipe(image + PAGE - 100, PAGE, got) == PAGE &&
            memcmp(got, image + PAGE - 100, PAGE) == 0,
        "write(pipe, image, %d) carried the image's bytes, also across its page boundary", PAGE);
  struct iovec pieces[2] = {{(void*)(image + PAGE - 8), 16}, {(void*)data_page, 8}};
  CHECK(syscall(SYS_writev, pipe_write_end, (long)pieces, 2) == 24 &&
            read(pipe_read_end, got, 24) == 24 && memcmp(got, image + PAGE - 8, 16) == 0,
        "writev across the image's page boundary and from the data page");
  CHECK(data_page_written_exactly(data_page),
        "write(pipe, data page, %d) carried the page's bytes", PAGE);

  /* Stores into either page: EFAULT, and nothing else happens. */
  const char* pages[2] = {image, data_page};
  const char* names[2] = {"image", "data page"};
  for (int i = 0; i < 2; ++i) {
    const long at = (long)pages[i];
    char what[64];
    snprintf(what, sizeof(what), "clock_gettime(MONOTONIC, %s)", names[i]);
    EXPECT_EFAULT(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, at), what);
    snprintf(what, sizeof(what), "uname(%s)", names[i]);
    EXPECT_EFAULT(syscall(SYS_uname, at), what);
    snprintf(what, sizeof(what), "getrandom(%s, 16, 0)", names[i]);
    EXPECT_EFAULT(syscall(SYS_getrandom, at, 16, 0), what);
    snprintf(what, sizeof(what), "pipe(%s)", names[i]);
    EXPECT_EFAULT(syscall(SYS_pipe2, at, 0), what);
    /* A read into the page fails and leaves the bytes in the pipe. */
    CHECK(write(pipe_write_end, "kept", 4) == 4, "4 bytes into the pipe");
    snprintf(what, sizeof(what), "read(pipe, %s, 4)", names[i]);
    EXPECT_EFAULT(syscall(SYS_read, pipe_read_end, at, 4), what);
    char kept[4];
    CHECK(read(pipe_read_end, kept, 4) == 4 && memcmp(kept, "kept", 4) == 0,
          "the failed read left them in the pipe");
  }
  CHECK(memcmp(image, "\177ELF", 4) == 0, "the image is intact");
  return check_done("vdso_pages_io");
}
