/* The memory runtimes expect (Go reserves hundreds of MiB PROT_NONE at
 * start): reservations take no frames, pages get theirs on first touch
 * (also when a system call is the first to touch them), mprotect and
 * munmap work on part of a mapping, MADV_DONTNEED gives frames back, mmap
 * takes a free hint, a touch that finds no frame is the toucher's SIGBUS,
 * and 1000 rounds of all that leave the free frame count (sysinfo's
 * freeram) exactly where it was. Counts are exact on vdso-kernel, where
 * this program is the only one running; run on Linux it shows figures. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

enum { kPage = 4096 };

static long free_pages(void) {
  struct sysinfo info;
  if (sysinfo(&info) != 0)
    return -1;
  return (long)(info.freeram * info.mem_unit / kPage);
}

/* A touch that faults comes back here with the signal's number. */
static sigjmp_buf fault_return;
static void on_fault(int signal) {
  siglongjmp(fault_return, signal);
}
static int read_faults(volatile const char* at) {
  const int signal = sigsetjmp(fault_return, 1);
  if (signal != 0)
    return signal;
  (void)*at;
  return 0;
}
static int write_faults(volatile char* at) {
  const int signal = sigsetjmp(fault_return, 1);
  if (signal != 0)
    return signal;
  *at = 1;
  return 0;
}

static void* map(void* hint, size_t bytes, int prot, int flags) {
  return mmap(hint, bytes, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* Page tables (up to three levels, two last-level ones where the pages
 * straddle a 2 MiB boundary) may come with a first touch. */
static int costs_pages(long before, long after, long pages) {
  return before - after >= pages && before - after <= pages + 4;
}

/* The stack's pages are mapped on first touch too, and never given back:
 * touch what the checks and the signal frames will use before counting. */
static void warm_stack(void) {
  volatile char pad[256 * 1024];
  for (size_t at = 0; at < sizeof(pad); at += kPage)
    pad[at] = 0;
}

static void reservations(void) {
  const long before = free_pages();
  char* reserved = map(NULL, 1ul << 30, PROT_NONE, MAP_NORESERVE);
  char* huge = map(NULL, 64ul << 30, PROT_NONE, MAP_NORESERVE);
  const long after = free_pages();
  CHECK(reserved != MAP_FAILED && huge != MAP_FAILED && after == before,
        "1 GiB and 64 GiB PROT_NONE reservations take no frames (%ld -> %ld free)", before, after);
  CHECK(read_faults(reserved + 12345) == SIGSEGV, "a read of a PROT_NONE page is SIGSEGV");

  /* Part of the reservation made usable, as Go does with its arenas. */
  char* part = reserved + (256 << 12);
  const long before_protect = free_pages();
  CHECK(mprotect(part, 16 * kPage, PROT_READ | PROT_WRITE) == 0 && free_pages() == before_protect,
        "mprotect of 16 pages inside the reservation takes no frames");
  for (int i = 0; i < 16; ++i)
    part[i * kPage] = (char)i;
  const long touched = free_pages();
  CHECK(costs_pages(before_protect, touched, 16), "touching them takes 16 frames (%ld)",
        before_protect - touched);
  CHECK(write_faults(part - 1) == SIGSEGV && write_faults(part + 16 * kPage) == SIGSEGV,
        "the reservation on either side stays PROT_NONE");
  CHECK(mprotect(part + 4 * kPage, kPage, PROT_READ) == 0 &&
            write_faults(part + 4 * kPage) == SIGSEGV && read_faults(part + 4 * kPage) == 0 &&
            part[4 * kPage] == 4,
        "mprotect PROT_READ of one touched page keeps its data and refuses writes");
  CHECK(mprotect(reserved + (1ul << 30), kPage, PROT_READ) == -1 && errno == ENOMEM,
        "mprotect past the reservation's end is ENOMEM");

  CHECK(map(NULL, 64ul << 30, PROT_READ | PROT_WRITE, 0) == MAP_FAILED && errno == ENOMEM,
        "a writable 64 GiB mapping without MAP_NORESERVE is ENOMEM");
  CHECK(munmap(reserved, 1ul << 30) == 0 && munmap(huge, 64ul << 30) == 0 && free_pages() == before,
        "unmapping both gives every frame back, page tables included (%ld free)", free_pages());
}

static void first_touch(void) {
  const long before = free_pages();
  char* memory = map(NULL, 64 * kPage, PROT_READ | PROT_WRITE, 0);
  const long mapped = free_pages();
  CHECK(memory != MAP_FAILED && mapped == before, "a 64-page mapping takes no frames at mmap");
  for (int i = 0; i < 10; ++i)
    CHECK(memory[i * kPage * 3] == 0, "page %d reads zero", i * 3);
  CHECK(costs_pages(before, free_pages(), 10), "reading 10 of its pages took 10 frames (%ld)",
        before - free_pages());

  /* A system call is the first to touch a page: both directions. */
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  CHECK(write(fds[1], memory + 40 * kPage, 100) == 100, "write(2) from an untouched page");
  CHECK(read(fds[0], memory + 50 * kPage + 10, 100) == 100 && memory[50 * kPage + 10] == 0 &&
            memory[50 * kPage + 109] == 0,
        "read(2) into another untouched page: the zeros came through");
  close(fds[0]);
  close(fds[1]);

  /* MADV_DONTNEED: frames back, zeros on the next touch. */
  for (int i = 0; i < 64; ++i)
    memory[i * kPage] = 'x';
  const long full = free_pages();
  CHECK(madvise(memory + 8 * kPage, 32 * kPage, MADV_DONTNEED) == 0, "madvise MADV_DONTNEED");
  CHECK(free_pages() - full >= 32, "it gave 32 frames back (%ld)", free_pages() - full);
  CHECK(memory[8 * kPage] == 0 && memory[39 * kPage] == 0 && memory[7 * kPage] == 'x' &&
            memory[40 * kPage] == 'x',
        "the advised pages read zero, their neighbours keep their data");

  /* munmap of the middle: the ends stay. */
  CHECK(munmap(memory + 20 * kPage, 4 * kPage) == 0, "munmap of 4 pages in the middle");
  CHECK(read_faults(memory + 21 * kPage) == SIGSEGV, "the hole is SIGSEGV");
  CHECK(memory[19 * kPage] == 0 && memory[40 * kPage] == 'x' && memory[63 * kPage] == 'x',
        "both ends keep their pages");
  CHECK(munmap(memory, 64 * kPage) == 0 && free_pages() == before,
        "unmapping the rest (over the hole) gives every frame back");
}

/* fork copies the pages touched so far; the rest stay untouched in both,
 * and each touches its own. */
static void fork_keeps_pages_apart(void) {
  char* memory = map(NULL, 4 * kPage, PROT_READ | PROT_WRITE, 0);
  memory[0] = 'p';
  const long before = free_pages();
  const pid_t child = fork();
  if (child == 0) {
    memory[0] = 'c';
    memory[kPage] = 'c';
    _exit(memory[2 * kPage] == 0 ? 0 : 1);
  }
  int status = -1;
  CHECK(child > 0 && waitpid(child, &status, 0) == child && status == 0,
        "a forked child touches its own copy of the mapping");
  const long after = free_pages();
  CHECK(after == before, "the child's frames are back once it is reaped (%ld -> %ld)", before,
        after);
  CHECK(memory[0] == 'p' && memory[kPage] == 0, "the parent's pages are its own");
  munmap(memory, 4 * kPage);
}

static void hints(void) {
  char* const wanted = (char*)0x200000000000ul;
  char* first = map(wanted, 8 * kPage, PROT_READ | PROT_WRITE, 0);
  CHECK(first == wanted, "a free hint is taken (%p)", (void*)first);
  char* second = map(wanted, 8 * kPage, PROT_READ | PROT_WRITE, 0);
  CHECK(second != MAP_FAILED && (second + 8 * kPage <= first || second >= first + 8 * kPage),
        "a taken hint gives another place (%p)", (void*)second);
  char* fixed = map(wanted + 8 * kPage, kPage, PROT_READ, MAP_FIXED_NOREPLACE);
  CHECK(fixed == wanted + 8 * kPage, "MAP_FIXED_NOREPLACE right after it");
  CHECK(map(wanted, kPage, PROT_READ, MAP_FIXED_NOREPLACE) == MAP_FAILED && errno == EEXIST,
        "MAP_FIXED_NOREPLACE over it is EEXIST");
  munmap(first, 9 * kPage);
  munmap(second, 8 * kPage);
}

/* A child maps more than there is with MAP_NORESERVE and touches it all:
 * only on vdso-kernel (on Linux that would call the OOM killer). */
static void out_of_frames(void) {
  struct utsname name;
  if (uname(&name) != 0 || strstr(name.release, "vdso-kernel") == NULL) {
    printf("skip out-of-frames: not on vdso-kernel\n");
    return;
  }
  const long before = free_pages();
  const size_t bytes = (size_t)(before + 4096) * kPage;
  const pid_t child = fork();
  if (child == 0) {
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    char* memory = map(NULL, bytes, PROT_READ | PROT_WRITE, MAP_NORESERVE);
    if (memory == MAP_FAILED)
      _exit(3);
    for (size_t at = 0; at < bytes; at += kPage)
      memory[at] = 1;
    _exit(4);
  }
  int status = 0;
  CHECK(child > 0 && waitpid(child, &status, 0) == child, "the child that overcommits ends");
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
        "touching more than there is ends it with SIGBUS (status 0x%x)", status);
  CHECK(free_pages() == before, "every frame it had is back (%ld -> %ld)", before, free_pages());
}

static void rounds(int count) {
  const long before = free_pages();
  /* The raw call: musl's sbrk refuses to move the break. */
  const long break_start = syscall(SYS_brk, 0);
  for (int round = 0; round < count; ++round) {
    char* memory = map(NULL, 16 * kPage, PROT_READ | PROT_WRITE, 0);
    char* reserved = map(NULL, 256 * kPage, PROT_NONE, MAP_NORESERVE);
    if (memory == MAP_FAILED || reserved == MAP_FAILED)
      break;
    memory[0] = memory[5 * kPage] = memory[15 * kPage] = 1;
    mprotect(memory + 4 * kPage, 4 * kPage, PROT_READ);
    madvise(memory, 2 * kPage, MADV_DONTNEED);
    munmap(memory + 12 * kPage, 2 * kPage);
    mprotect(reserved + 64 * kPage, 8 * kPage, PROT_READ | PROT_WRITE);
    reserved[65 * kPage] = 1;
    if (syscall(SYS_brk, break_start + 3 * kPage) == break_start + 3 * kPage) {
      ((char*)break_start)[2 * kPage] = 1;
      syscall(SYS_brk, break_start);
    }
    munmap(memory, 16 * kPage);
    munmap(reserved, 256 * kPage);
  }
  const long after = free_pages();
  CHECK(after == before,
        "%d rounds of map, touch, mprotect, madvise, partial munmap and brk: "
        "free frames %ld -> %ld",
        count, before, after);
}

int main(int argc, char** argv) {
  const int round_count = argc > 1 ? atoi(argv[1]) : 1000;
  struct sigaction action = {0};
  action.sa_handler = on_fault;
  sigaction(SIGSEGV, &action, NULL);
  sigaction(SIGBUS, &action, NULL);
  printf("mappings (%s): %ld pages free at start\n", LIBC_NAME, free_pages());
  fflush(stdout);
  warm_stack();
  reservations();
  first_touch();
  fork_keeps_pages_apart();
  hints();
  out_of_frames();
  rounds(round_count);
  return check_done("mappings");
}
