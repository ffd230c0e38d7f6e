/* rseq(2) as glibc (2.35 and later) uses it: every thread registers an area
 * at start, and sched_getcpu() reads the CPU from it with no call at all.
 * Checks that the kernel keeps the area's CPU, registers and unregisters
 * as Linux does, moves a thread signalled inside a critical section to its
 * abort handler, and kills one whose abort handler lacks the signature.
 * Static glibc only (musl does not register rseq). With the boot option
 * `verbose`, the exit line's counts show the one getcpu(2) made here on
 * purpose: 100000 sched_getcpu() calls made none.
 * Runs on Linux too: `rseq-glibc` prints the same lines there. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define RSEQ_SIGNATURE 0x53053053 /* glibc's RSEQ_SIG on x86 */

static struct rseq* thread_area(void) {
  return (struct rseq*)((char*)__builtin_thread_pointer() + __rseq_offset);
}

static long raw_rseq(void* area, uint32_t length, int flags, uint32_t signature) {
  return syscall(SYS_rseq, area, length, flags, signature);
}

static unsigned cpu_by_system_call(void) {
  unsigned cpu = ~0u;
  syscall(SYS_getcpu, &cpu, NULL, NULL);
  return cpu;
}

/* The critical section [2, 4) spins until the kernel moves the thread to
 * the abort handler at 5, which `signature` precedes (rseq requires the
 * registered one there); 5 sets `aborted`. The descriptor lives in .data. */
#define SPIN_IN_CRITICAL_SECTION(area, aborted, signature) \
  __asm__ volatile(                                        \
      "leaq 3f(%%rip), %%rax\n\t"                          \
      "movq %%rax, 8(%[area_])\n\t"                        \
      "2: jmp 2b\n\t"                                      \
      "4:\n\t"                                             \
      ".long " #signature                                  \
      "\n\t"                                               \
      "5: movl $1, %[aborted_]\n\t"                        \
      ".pushsection .data, \"aw\"\n\t"                     \
      ".balign 32\n\t"                                     \
      "3: .long 0, 0\n\t"                                  \
      ".quad 2b, 4b - 2b, 5b\n\t"                          \
      ".popsection"                                        \
      : [aborted_] "+m"(aborted)                           \
      : [area_] "r"(area)                                  \
      : "rax", "memory")

/* Returns 1 once aborted; `area` is the thread's registered area. With a
 * wrong signature before the abort handler, the kernel must not go there. */
static int spin_in_critical_section(struct rseq* area, int good_signature) {
  int aborted = 0;
  if (good_signature)
    SPIN_IN_CRITICAL_SECTION(area, aborted, 0x53053053);
  else
    SPIN_IN_CRITICAL_SECTION(area, aborted, 0x12345678);
  return aborted;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int signal) {
  (void)signal;
  ++alarms;
}

static void arm_alarm_ms(int ms) {
  struct itimerval timer = {{0, 0}, {0, ms * 1000}};
  setitimer(ITIMER_REAL, &timer, NULL);
}

static void* thread_reads_its_area(void* result) {
  struct rseq* area = thread_area();
  *(int*)result = area != NULL && (int)area->cpu_id == sched_getcpu();
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  CHECK(__rseq_size > 0, "glibc registered its rseq area (__rseq_size %u)", __rseq_size);
  if (__rseq_size == 0)
    return check_done("rseq");
  struct rseq* area = thread_area();
  const unsigned cpu = cpu_by_system_call(); /* the one getcpu(2) */
  /* Pinned there, so that every later answer must name it (on several
   * CPUs the thread could otherwise move between two reads). */
  cpu_set_t only_this_cpu;
  CPU_ZERO(&only_this_cpu);
  CPU_SET(cpu, &only_this_cpu);
  CHECK(sched_setaffinity(0, sizeof(only_this_cpu), &only_this_cpu) == 0, "pinned to CPU %u", cpu);
  CHECK(area->cpu_id == cpu && area->cpu_id_start == cpu,
        "the area names the CPU getcpu(2) names (cpu_id %u, cpu_id_start %u, getcpu %u)",
        area->cpu_id, area->cpu_id_start, cpu);
  int same = 1;
  for (int i = 0; i < 100000; ++i)
    same &= sched_getcpu() == (int)cpu;
  CHECK(same, "100000 sched_getcpu() read CPU %u from the area", cpu);

  /* Registration as Linux answers it (glibc's area is registered). */
  errno = 0;
  CHECK(raw_rseq(area, 32, 0, RSEQ_SIGNATURE) == -1 && errno == EBUSY,
        "registering the same area again is EBUSY (errno %d)", errno);
  errno = 0;
  CHECK(raw_rseq(area, 32, 0, RSEQ_SIGNATURE + 1) == -1 && errno == EPERM,
        "the same area with another signature is EPERM (errno %d)", errno);
  static struct rseq other __attribute__((aligned(32)));
  errno = 0;
  CHECK(raw_rseq(&other, 32, 0, RSEQ_SIGNATURE) == -1 && errno == EINVAL,
        "a second area for the thread is EINVAL (errno %d)", errno);
  errno = 0;
  CHECK(raw_rseq(area, 32, 2, RSEQ_SIGNATURE) == -1 && errno == EINVAL,
        "an unknown flag is EINVAL (errno %d)", errno);
  errno = 0;
  CHECK(raw_rseq(area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIGNATURE + 1) == -1 && errno == EPERM,
        "unregistering with another signature is EPERM (errno %d)", errno);

  /* A signal inside a critical section (or a preemption before it, as
   * Linux may have): the thread resumes at the abort handler, not inside
   * the loop, and the area no longer names the section. */
  struct sigaction action = {0};
  action.sa_handler = on_alarm;
  sigaction(SIGALRM, &action, NULL);
  arm_alarm_ms(20);
  const int aborted = spin_in_critical_section(area, 1);
  arm_alarm_ms(0);
  CHECK(aborted && area->rseq_cs == 0,
        "a signal in a critical section resumes at its abort handler (alarms %d, rseq_cs %llu)",
        (int)alarms, (unsigned long long)area->rseq_cs);

  /* An abort handler without the signature: the kernel refuses to jump
   * there and ends the process with SIGSEGV. */
  const pid_t child = fork();
  if (child == 0) {
    sigaction(SIGALRM, &action, NULL);
    arm_alarm_ms(20);
    spin_in_critical_section(thread_area(), 0);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
        "an abort handler without the signature is SIGSEGV (wait status %#x)", status);

  /* A child of fork keeps the area registered, and so the CPU. It asks
   * getcpu(2) twice, so that its exit line's count (getcpu=2) cannot be
   * taken for the parent's one. */
  const pid_t forked = fork();
  if (forked == 0) {
    const unsigned before = cpu_by_system_call();
    const int from_area = sched_getcpu();
    _exit(thread_area()->cpu_id == before && from_area == (int)cpu_by_system_call() ? 0 : 1);
  }
  waitpid(forked, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "fork's child keeps its area up to date (wait status %#x)", status);

  /* Every thread has its own area. */
  int thread_ok = 0;
  pthread_t thread;
  pthread_create(&thread, NULL, thread_reads_its_area, &thread_ok);
  pthread_join(thread, NULL);
  CHECK(thread_ok, "a new thread's own area names its CPU");

  /* Unregistered: the kernel marks the area uninitialized, and glibc's
   * sched_getcpu() falls back to the VDSO. Then registered again. */
  CHECK(raw_rseq(area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIGNATURE) == 0 &&
            (int)area->cpu_id == RSEQ_CPU_ID_UNINITIALIZED,
        "unregistering marks the area's cpu_id uninitialized (%d)", (int)area->cpu_id);
  CHECK(sched_getcpu() == (int)cpu, "sched_getcpu() without the area still answers");
  errno = 0;
  CHECK(raw_rseq((char*)area + 8, 32, 0, RSEQ_SIGNATURE) == -1 && errno == EINVAL,
        "a misaligned area is EINVAL (errno %d)", errno);
  CHECK(raw_rseq(area, 32, 0, RSEQ_SIGNATURE) == 0, "the area registers again");
  CHECK(sched_getcpu() == (int)cpu && area->cpu_id == cpu, "and names the CPU again (%u)",
        area->cpu_id);
  return check_done("rseq");
}
