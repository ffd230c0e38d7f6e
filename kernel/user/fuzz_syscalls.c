/* System calls with random numbers and arguments (more than a quarter of them pointers
 * aimed at the process's text, stack and VDSO pages, near page
 * boundaries), from a disposable child process: whatever the child does to itself (unmapping its own code,
 * garbage sigreturn frames, bad pointers everywhere), the kernel must
 * answer with an error or end that child with a signal, never panic or
 * hang. The parent runs children one after another, each with its own
 * seed, and only judges that the kernel kept going.
 *   fuzz_syscalls [CHILDREN [CALLS_PER_CHILD [SEED]]]
 * It runs only on vdso-kernel (uname says so): random system calls on a
 * real Linux, perhaps as root, could damage the host.
 * Calls that would leave the sandbox are skipped: exit and exit_group (the
 * child would just end), fork/vfork/clone (a swarm of fuzzers), execve,
 * kill/tkill/tgkill (they could hit this parent), sleeps and blocking
 * reads (time), pipes (a full one blocks its only writer for ever, as on
 * Linux), and rt_sigreturn (it ends the child at once; the faults test
 * covers bad frames). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static uint64_t state;
static uint64_t next_random(void) {
  state += 0x9e3779b97f4a7c15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static char scratch[8192];
static uint64_t vdso_image; /* AT_SYSINFO_EHDR; the data page is the page below */

/* An address near `base`: up to a page either side, often at a page
 * boundary, so that ranges straddle into whatever is next. */
static long near(uint64_t base) {
  const uint64_t page = base & ~4095ull;
  if (next_random() % 2 == 0)
    return (long)(page + 4096 - next_random() % 64);
  return (long)(page - 4096 + next_random() % 12288);
}

static long random_argument(void) {
  int local;
  switch (next_random() % 14) {
    /* Aimed at the process's own pages (issue 14: these found the panic
     * that plain random arguments never did). */
    case 10: return near((uint64_t)(uintptr_t)&random_argument); /* text */
    case 11: return near((uint64_t)(uintptr_t)&local);           /* stack */
    case 12: return near(vdso_image + next_random() % 8192); /* VDSO image */
    case 13: return near(vdso_image - 4096);                 /* VDSO data page */
    case 0: return 0;
    case 1: return -1;
    case 2: return (long)(next_random() % 64);
    case 3: return (long)(scratch + next_random() % sizeof(scratch));  /* valid memory */
    case 4: return (long)0xffffffff80000000ull + (long)(next_random() % 0x200000);
    case 5: return (long)0x0000800000000000ull;  /* first non-canonical */
    case 6: return (long)(0x00007fffffffffffull - next_random() % 4096);
    case 7: return (long)(next_random() & 0xfffff000ull);
    case 8: return (long)(1ull << (next_random() % 64));
    default: return (long)next_random();
  }
}

static int skipped(long number) {
  switch (number) {
    case SYS_exit: case SYS_exit_group: case SYS_fork: case SYS_vfork: case SYS_clone:
    case SYS_clone3: case SYS_execve: case SYS_execveat: case SYS_kill: case SYS_tkill:
    case SYS_tgkill: case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_pause:
    case SYS_rt_sigsuspend: case SYS_sched_yield: case SYS_wait4: case SYS_waitid:
    case SYS_alarm: case SYS_setitimer: case SYS_timer_create: case SYS_ptrace:
    case SYS_reboot: case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6:
    case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_futex: case SYS_read: case SYS_readv:
    case SYS_rt_sigtimedwait: case SYS_msgrcv: case SYS_semop: case SYS_accept:
    case SYS_recvfrom: case SYS_recvmsg: case SYS_io_getevents: case SYS_flock:
    case SYS_setsid: case SYS_setpgid: case SYS_kexec_load: case SYS_swapoff:
    case SYS_rt_sigreturn: case SYS_pipe: case SYS_pipe2:
      return 1;
    default: return 0;
  }
}

static void fuzz(int calls) {
  for (int i = 0; i < calls; ++i) {
    long number = (long)(next_random() % 340);
    if (next_random() % 50 == 0)
      number = (long)next_random();  /* now and then far out of range */
    if (skipped(number))
      continue;
    syscall(number, random_argument(), random_argument(), random_argument(), random_argument(),
            random_argument(), random_argument());
  }
}

int main(int argc, char** argv) {
  struct utsname name;
  if (uname(&name) != 0 || strstr(name.release, "vdso-kernel") == NULL) {
    fprintf(stderr, "fuzz_syscalls: refusing to run outside vdso-kernel\n");
    return 2;
  }
  const int children = argc > 1 ? atoi(argv[1]) : 20;
  const int calls = argc > 2 ? atoi(argv[2]) : 2000;
  const uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
  vdso_image = getauxval(AT_SYSINFO_EHDR);
  printf("fuzz_syscalls (%s): %d children x %d calls, seed %llu\n", LIBC_NAME, children, calls,
         (unsigned long long)seed);
  fflush(stdout);
  int exited = 0, signalled = 0;
  for (int c = 0; c < children; ++c) {
    const pid_t child = fork();
    if (child == 0) {
      state = seed * 1000003ull + (uint64_t)c;
      /* Writes to fds 1 and 2 with random buffers do reach the console:
       * the kernel must survive those too. */
      fuzz(calls);
      _exit(0);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) {
      CHECK(0, "waitpid for fuzzer %d", c);
      continue;
    }
    if (WIFSIGNALED(status))
      ++signalled;
    else
      ++exited;
  }
  printf("\n");
  CHECK(exited + signalled == children,
        "the kernel survived %d fuzzers (%d finished, %d ended by a signal)", children, exited,
        signalled);
  return check_done("fuzz_syscalls");
}
