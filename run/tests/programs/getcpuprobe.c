/* getcpu under vdso-run: pinned to each CPU in turn, sched_getcpu() (libc,
 * which binds __vdso_getcpu@LINUX_2.6 from AT_SYSINFO_EHDR) equals
 * getcpu(2); then, with a seccomp filter that makes getcpu(2) fail,
 * sched_getcpu() still answers: the libc bound the VDSO and it made no
 * system call. Prints key=value lines for run/tests/getcpu.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The few seccomp/BPF numbers needed (musl-gcc has no linux/ headers). */
struct bpf_instruction {
  uint16_t code;
  uint8_t jt, jf;
  uint32_t k;
};
struct bpf_program {
  unsigned short len;
  struct bpf_instruction* filter;
};
#define BPF_LD_W_ABS 0x20
#define BPF_JEQ_K 0x15
#define BPF_RET_K 0x06
#define SECCOMP_MODE_FILTER_ 2
#define SECCOMP_RET_ALLOW_ 0x7fff0000u
#define SECCOMP_RET_ERRNO_ 0x00050000u
#define AUDIT_ARCH_X86_64_ 0xc000003eu

static int forbid_getcpu_syscall(void) {
  struct bpf_instruction filter[] = {
      {BPF_LD_W_ABS, 0, 0, 4}, /* arch */
      {BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64_},
      {BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW_},
      {BPF_LD_W_ABS, 0, 0, 0}, /* nr */
      {BPF_JEQ_K, 0, 1, SYS_getcpu},
      {BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO_ | EPERM},
      {BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW_},
  };
  struct bpf_program program = {sizeof filter / sizeof filter[0], filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER_, &program, 0, 0);
}

int main(void) {
  cpu_set_t original, one;
  int cpu, checked = 0, mismatches = 0, vdso_answers = 0, cpus = 0;
  unsigned kernel_cpu;
  if (sched_getaffinity(0, sizeof original, &original) != 0)
    return 2;
  for (cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &original))
      continue;
    ++cpus;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
      return 2;
    kernel_cpu = ~0u;
    syscall(SYS_getcpu, &kernel_cpu, NULL, NULL);
    mismatches += sched_getcpu() != (int)kernel_cpu || kernel_cpu != (unsigned)cpu;
    ++checked;
  }
  if (forbid_getcpu_syscall() != 0) {
    perror("getcpuprobe: seccomp");
    return 2;
  }
  printf("syscall_forbidden=%s\n",
         syscall(SYS_getcpu, &kernel_cpu, NULL, NULL) == -1 ? "yes" : "no");
  for (cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &original))
      continue;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
    vdso_answers += sched_getcpu() == cpu;
  }
  printf("cpus=%d\nchecked=%d\nmismatches=%d\nanswered_without_syscall=%d\n", cpus, checked,
         mismatches, vdso_answers);
  return 0;
}
