/* Threads on every CPU (glibc and musl), each pinned to its CPU with
 * sched_setaffinity: sched_getcpu (glibc: the rseq area; musl: the VDSO)
 * and the VDSO's own getcpu name that CPU; every clock
 * the page serves, read through the VDSO on every CPU at once, never goes
 * back against a maximum shared by all of them; two CPUs pass a token back
 * and forth in shared memory (only CPUs that run at once can do that
 * quickly); munmap and mprotect on one CPU take effect on a thread reading
 * or writing the page on another before they return (TLB shootdown: the
 * other thread's next access faults); exit_group ends threads spinning on
 * the other CPUs; and the affinity calls answer as Linux's. The CPU count
 * is sysconf's, checked against sched_getaffinity and the page.
 * usage: smp [READS]  (reads of each clock per thread, default 100000) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vdso/elf/symbol_lookup.h>
#include <vdso/sysinfo.h>

#include "check.h"

enum { kMaxCpus = 16, kPingPongRounds = 20000, kAccessesBeforeChange = 100000 };

static const clockid_t kClocks[] = {CLOCK_REALTIME,        CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
                                    CLOCK_BOOTTIME,        CLOCK_TAI,       CLOCK_REALTIME_COARSE,
                                    CLOCK_MONOTONIC_COARSE};
static const char* const kClockNames[] = {"REALTIME",        "MONOTONIC", "MONOTONIC_RAW",
                                          "BOOTTIME",        "TAI",       "REALTIME_COARSE",
                                          "MONOTONIC_COARSE"};
enum { kClockCount = sizeof(kClocks) / sizeof(kClocks[0]) };

static int cpus;
static long reads_per_clock = 100000;

/* The VDSO's own getcpu (LSL or RDPID), called directly: glibc's
 * sched_getcpu reads the rseq area instead, musl's calls this. */
typedef long (*GetcpuFunction)(unsigned* cpu, unsigned* node, void* unused);
static GetcpuFunction vdso_getcpu;

static int vdso_cpu(void) {
  unsigned cpu = ~0u;
  return vdso_getcpu != NULL && vdso_getcpu(&cpu, NULL, NULL) == 0 ? (int)cpu : -1;
}

static int64_t ns_of(const struct timespec* ts) {
  return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ns_of(&ts);
}

static int pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof(set), &set);
}

/* --- every clock on every CPU against a shared maximum ---------------- */

static _Atomic int64_t shared_max[kClockCount];
static _Atomic int ready_threads;

struct Reader {
  pthread_t thread;
  int cpu;
  int pin_result;
  int cpu_seen_first, vdso_cpu_seen_first, cpus_seen_other;
  long backwards[kClockCount];
  int64_t worst_ns[kClockCount];
};

static void* read_clocks_on(void* arg) {
  struct Reader* r = arg;
  r->pin_result = pin_to(r->cpu);
  r->cpu_seen_first = sched_getcpu();
  r->vdso_cpu_seen_first = vdso_cpu();
  /* All start together, so that the reads of every CPU overlap. */
  atomic_fetch_add(&ready_threads, 1);
  while (atomic_load(&ready_threads) < cpus) {
  }
  for (long i = 0; i < reads_per_clock; ++i) {
    for (int c = 0; c < kClockCount; ++c) {
      /* The maximum first: any value in it was read before this read
       * began, so this read may not be smaller. */
      const int64_t before = atomic_load(&shared_max[c]);
      struct timespec ts;
      clock_gettime(kClocks[c], &ts);
      const int64_t now = ns_of(&ts);
      if (now < before) {
        ++r->backwards[c];
        if (before - now > r->worst_ns[c])
          r->worst_ns[c] = before - now;
      }
      int64_t seen = before;
      while (now > seen && !atomic_compare_exchange_weak(&shared_max[c], &seen, now)) {
      }
    }
    if (i % 1024 == 0 && (sched_getcpu() != r->cpu || vdso_cpu() != r->cpu))
      ++r->cpus_seen_other;
  }
  return NULL;
}

static void clocks_on_every_cpu(void) {
  struct Reader readers[kMaxCpus] = {0};
  const int64_t start = monotonic_ns();
  for (int i = 0; i < cpus; ++i) {
    readers[i].cpu = i;
    CHECK(pthread_create(&readers[i].thread, NULL, read_clocks_on, &readers[i]) == 0,
          "a reader thread for CPU %d", i);
  }
  for (int i = 0; i < cpus; ++i)
    pthread_join(readers[i].thread, NULL);
  const double seconds = (double)(monotonic_ns() - start) / 1e9;
  for (int i = 0; i < cpus; ++i) {
    const struct Reader* r = &readers[i];
    CHECK(r->pin_result == 0 && r->cpu_seen_first == i && r->vdso_cpu_seen_first == i &&
              r->cpus_seen_other == 0,
          "reader pinned to CPU %d: sched_getcpu says %d, the VDSO's getcpu %d, and neither "
          "another CPU later (%d times)",
          i, r->cpu_seen_first, r->vdso_cpu_seen_first, r->cpus_seen_other);
  }
  for (int c = 0; c < kClockCount; ++c) {
    long backwards = 0;
    int64_t worst = 0;
    for (int i = 0; i < cpus; ++i) {
      backwards += readers[i].backwards[c];
      if (readers[i].worst_ns[c] > worst)
        worst = readers[i].worst_ns[c];
    }
    CHECK(backwards == 0,
          "%-16s %ld reads on each of %d CPUs at once: %ld behind the shared maximum (worst %lld "
          "ns)",
          kClockNames[c], reads_per_clock, cpus, backwards, (long long)worst);
  }
  printf("     (%.2f s for %ld reads in all)\n", seconds,
         reads_per_clock * kClockCount * (long)cpus);
}

/* --- a token between two CPUs ------------------------------------------ */

static _Atomic int token;

static void* pong(void* arg) {
  (void)arg;
  pin_to(1);
  for (int round = 0; round < kPingPongRounds; ++round) {
    while (atomic_load(&token) != 2 * round + 1) {
    }
    atomic_store(&token, 2 * round + 2);
  }
  return NULL;
}

static void token_between_cpus(void) {
  pthread_t thread;
  pin_to(0);
  pthread_create(&thread, NULL, pong, NULL);
  const int64_t start = monotonic_ns();
  for (int round = 0; round < kPingPongRounds; ++round) {
    atomic_store(&token, 2 * round + 1);
    while (atomic_load(&token) != 2 * round + 2) {
    }
  }
  const int64_t elapsed = monotonic_ns() - start;
  pthread_join(thread, NULL);
  /* On one CPU each turn would wait for a time slice (10 ms): the rounds
   * would take minutes and the test its timeout. */
  CHECK(1, "%d round trips of a token between CPU 0 and CPU 1 in shared memory: %.1f us each",
        kPingPongRounds, (double)elapsed / 1000.0 / kPingPongRounds);
}

/* --- TLB shootdown -------------------------------------------------------- */

static volatile uint32_t* shared_page;
static _Atomic long accesses;
static _Atomic int changed; /* munmap or mprotect has returned */
static _Atomic int faulted; /* the accessor faulted (perhaps while the call ran) */
static _Atomic int access_after_change;
static sigjmp_buf accessor_jump;
static int accessor_writes;

static void on_segv(int signal) {
  (void)signal;
  atomic_store(&faulted, 1);
  siglongjmp(accessor_jump, 1);
}

static void* access_page(void* arg) {
  (void)arg;
  pin_to(1);
  if (sigsetjmp(accessor_jump, 1) != 0)
    return NULL;
  for (;;) {
    /* Whether the change had returned before this access began: such an
     * access must fault. */
    const int after = atomic_load(&changed);
    if (accessor_writes)
      shared_page[0] = (uint32_t)after + 1;
    else
      (void)shared_page[0];
    if (after) {
      atomic_store(&access_after_change, 1);
      return NULL;
    }
    atomic_fetch_add(&accesses, 1);
  }
}

/* `change` removes the accessor's right to the page; on return its next
 * access must fault. */
static void shootdown(const char* what, int writes, int (*change)(void*)) {
  shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  shared_page[0] = 1;
  atomic_store(&accesses, 0);
  atomic_store(&changed, 0);
  atomic_store(&faulted, 0);
  atomic_store(&access_after_change, 0);
  accessor_writes = writes;
  pthread_t thread;
  pin_to(0);
  pthread_create(&thread, NULL, access_page, NULL);
  /* Its TLB holds the page once it has used it many times. */
  while (atomic_load(&accesses) < kAccessesBeforeChange) {
  }
  const int result = change((void*)shared_page);
  atomic_store(&changed, 1);
  pthread_join(thread, NULL);
  CHECK(result == 0 && atomic_load(&faulted) && !atomic_load(&access_after_change),
        "%s on CPU 0 while a thread on CPU 1 %s the page: its first %s after the call faults", what,
        writes ? "writes" : "reads", writes ? "write" : "read");
  munmap((void*)shared_page, 4096);
}

static int unmap_page(void* page) {
  return munmap(page, 4096);
}
static int protect_page_read_only(void* page) {
  return mprotect(page, 4096, PROT_READ);
}
static int protect_page_none(void* page) {
  return mprotect(page, 4096, PROT_NONE);
}

static void shootdowns(void) {
  struct sigaction action = {0};
  action.sa_handler = on_segv;
  sigaction(SIGSEGV, &action, NULL);
  shootdown("munmap", 0, unmap_page);
  shootdown("mprotect(PROT_READ)", 1, protect_page_read_only);
  shootdown("mprotect(PROT_NONE)", 0, protect_page_none);
  signal(SIGSEGV, SIG_DFL);
}

/* --- exit_group against spinners on every CPU ------------------------------ */

static void* spin_on(void* arg) {
  pin_to((int)(intptr_t)arg);
  atomic_fetch_add(&ready_threads, 1);
  for (;;) {
  }
  return NULL;
}

static void exit_group_stops_other_cpus(void) {
  const pid_t child = fork();
  if (child == 0) {
    atomic_store(&ready_threads, 0);
    pthread_t thread;
    for (int i = 1; i < cpus; ++i)
      pthread_create(&thread, NULL, spin_on, (void*)(intptr_t)i);
    while (atomic_load(&ready_threads) < cpus - 1) {
    }
    _exit(9); /* exit_group */
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 9,
        "exit_group with a thread spinning on each other CPU: status 0x%x", status);
}

/* --- the affinity calls ------------------------------------------------------ */

static _Atomic int target_cpu = -1;
static _Atomic int pinned_to_0, moved;

static void* wait_to_be_moved(void* arg) {
  (void)arg;
  pin_to(0);
  atomic_store(&pinned_to_0, 1);
  while (atomic_load(&target_cpu) < 0 || sched_getcpu() != atomic_load(&target_cpu)) {
  }
  atomic_store(&moved, 1);
  return NULL;
}

static void affinity_calls(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CHECK(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == cpus,
        "sched_getaffinity: %d CPUs", CPU_COUNT(&set));
  CPU_ZERO(&set);
  errno = 0;
  CHECK(sched_setaffinity(0, sizeof(set), &set) == -1 && errno == EINVAL,
        "sched_setaffinity with an empty mask: EINVAL (errno %d)", errno);
  CPU_ZERO(&set);
  CPU_SET(cpus, &set);
  errno = 0;
  CHECK(sched_setaffinity(0, sizeof(set), &set) == -1 && errno == EINVAL,
        "sched_setaffinity with only CPU %d (not online): EINVAL (errno %d)", cpus, errno);
  errno = 0;
  CHECK(sched_setaffinity(0, sizeof(set), (cpu_set_t*)8) == -1 && errno == EFAULT,
        "sched_setaffinity from a bad pointer: EFAULT (errno %d)", errno);
  errno = 0;
  CHECK(sched_setaffinity(99999, sizeof(set), &set) == -1 && errno == ESRCH,
        "sched_setaffinity of no such thread: ESRCH (errno %d)", errno);
  uint64_t word = 0;
  errno = 0;
  CHECK(syscall(SYS_sched_getaffinity, 0, 4, &word) == -1 && errno == EINVAL,
        "sched_getaffinity into 4 bytes: EINVAL (errno %d)", errno);

  /* Another thread moved by its tid: it sees its new CPU. */
  pthread_t thread;
  pthread_create(&thread, NULL, wait_to_be_moved, NULL);
  while (!atomic_load(&pinned_to_0)) {
  }
  const int last = cpus - 1;
  CPU_ZERO(&set);
  CPU_SET(last, &set);
  CHECK(pthread_setaffinity_np(thread, sizeof(set), &set) == 0, "pin another thread to CPU %d",
        last);
  atomic_store(&target_cpu, last);
  pthread_join(thread, NULL);
  CHECK(atomic_load(&moved), "... which then runs there (sched_getcpu)");
  CPU_ZERO(&set);
  CHECK(pin_to(last) == 0 && sched_getcpu() == last &&
            sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1 &&
            CPU_ISSET(last, &set),
        "this thread pinned to CPU %d runs there at once; sched_getaffinity says so", last);
  unsigned cpu = 99, node = 99;
  CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu == (unsigned)last && node == 0,
        "getcpu(2) says CPU %u, node %u", cpu, node);
  for (int i = 0; i < cpus; ++i)
    CPU_SET(i, &set);
  sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char** argv) {
  if (argc > 1)
    reads_per_clock = atol(argv[1]);
  setvbuf(stdout, NULL, _IOLBF, 0);
  cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
  printf("smp (" LIBC_NAME "): %d CPUs\n", cpus);
  struct vdso_sysinfo si;
  uint32_t page_cpus[2] = {0, 0};
  if (vdso_sysinfo_find((const void*)getauxval(AT_SYSINFO_EHDR), &si))
    si.cpus(page_cpus);
  CHECK(cpus >= 2 && cpus <= kMaxCpus && page_cpus[1] == (uint32_t)cpus,
        "sysconf(_SC_NPROCESSORS_ONLN) %d is the page's %u online CPUs, at least 2", cpus,
        page_cpus[1]);
  if (cpus < 2 || cpus > kMaxCpus)
    return check_done("smp");
  struct vdso_elf_image image;
  if (vdso_elf_image_init_mapped(&image, (const void*)getauxval(AT_SYSINFO_EHDR)))
    vdso_getcpu = (GetcpuFunction)(uintptr_t)vdso_elf_lookup(&image, "__vdso_getcpu", "LINUX_2.6",
                                                             VDSO_ELF_HASH_ANY);
  CHECK(vdso_getcpu != NULL, "the VDSO's __vdso_getcpu");
  affinity_calls();
  clocks_on_every_cpu();
  token_between_cpus();
  shootdowns();
  exit_group_stops_other_cpus();
  return check_done("smp");
}
