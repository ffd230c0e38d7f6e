/* Fault isolation: each child does one forbidden thing and must end with
 * the signal Linux sends for it, in its wait status, while this parent
 * (and the kernel) carry on. Includes the write to the VDSO data page. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static uintptr_t vdso_image(void) {
  return (uintptr_t)getauxval(AT_SYSINFO_EHDR);
}
/* The data page is the page before the image (abi/data_page.h). */
static volatile uint64_t* vdso_data_page(void) {
  return (volatile uint64_t*)(vdso_image() - 4096);
}

static void null_read(void) {
  (void)*(volatile int*)0;
}
static void null_write(void) {
  *(volatile int*)0 = 1;
}
static void write_vdso_data(void) {
  vdso_data_page()[0] = 0;
}
static void write_vdso_code(void) {
  *(volatile uint8_t*)vdso_image() = 0;
}
static void execute_vdso_data(void) {
  ((void (*)(void))(uintptr_t)vdso_data_page())();
}
static void read_kernel(void) {
  (void)*(volatile uint64_t*)0xffffffff80100000ull;
}
static void jump_to_kernel(void) {
  ((void (*)(void))0xffffffff80100000ull)();
}
static void non_canonical(void) {
  (void)*(volatile uint64_t*)0x0000900000000000ull;
}
static void invalid_opcode(void) {
  __asm__ volatile("ud2");
}
static void breakpoint(void) {
  __asm__ volatile("int3");
}
static void privileged_hlt(void) {
  __asm__ volatile("hlt");
}
static void port_io(void) {
  __asm__ volatile("outb %%al, $0xf4" : : "a"(0));
}
static void divide_by_zero(void) {
  __asm__ volatile("xorl %%edx, %%edx; movl $1, %%eax; divl %%ecx" : : "c"(0) : "eax", "edx");
}
static void write_read_only(void) {
  static const int constant = 1;
  *(volatile int*)&constant = 2;
}
static int depth_sink;
static volatile int depth_limit = -1; /* never reached: the stack ends first */
static void recurse(int depth) {
  volatile char frame[4096];
  frame[0] = (char)depth;
  if (depth != depth_limit)
    recurse(depth + 1);
  depth_sink += frame[0]; /* after the call: no tail call to a loop */
}
static void stack_overflow(void) {
  recurse(0);
}
static void call_abort(void) {
  abort();
}
static void kill_self_term(void) {
  kill(getpid(), SIGTERM);
  for (;;) {
  }
}
/* rt_sigreturn from a forged frame whose rip is not canonical: an iretq
 * there would fault inside the kernel, so the kernel must refuse it. */
static void sigreturn_non_canonical(void) {
  static uint64_t frame[64] __attribute__((aligned(16)));
  memset(frame, 0, sizeof(frame));
  frame[(8 + 40 + 8 * 15) / 8] = (uint64_t)(frame + 32);  /* rsp */
  frame[(8 + 40 + 8 * 16) / 8] = 0x8000000000000000ull;  /* rip */
  frame[(8 + 40 + 8 * 17) / 8] = 0x202;                  /* eflags */
  __asm__ volatile("movq %0, %%rsp; movl $15, %%eax; syscall" : : "r"(frame + 1) : "memory");
}
static void sigreturn_garbage(void) {
  syscall(SYS_rt_sigreturn);
}
static void exit_42(void) {
  _exit(42);
}

struct Case {
  const char* name;
  void (*run)(void);
  int signal;  /* 0: exits with status 42 */
  int alternative; /* also accepted (Linux's vvar answers SIGBUS) */
};

int main(void) {
  static const struct Case cases[] = {
      {"null read", null_read, SIGSEGV},
      {"null write", null_write, SIGSEGV},
      {"write to the VDSO data page", write_vdso_data, SIGSEGV},
      {"write to the VDSO code", write_vdso_code, SIGSEGV},
      {"execute the VDSO data page", execute_vdso_data, SIGSEGV, SIGBUS},
      {"read kernel memory", read_kernel, SIGSEGV},
      {"jump into the kernel", jump_to_kernel, SIGSEGV},
      {"non-canonical address", non_canonical, SIGSEGV},
      {"write to read-only data", write_read_only, SIGSEGV},
      {"stack overflow", stack_overflow, SIGSEGV},
      {"invalid opcode (ud2)", invalid_opcode, SIGILL},
      {"breakpoint (int3)", breakpoint, SIGTRAP},
      {"privileged instruction (hlt)", privileged_hlt, SIGSEGV},
      {"port I/O", port_io, SIGSEGV},
      {"divide by zero", divide_by_zero, SIGFPE},
      {"abort()", call_abort, SIGABRT},
      {"kill(self, SIGTERM)", kill_self_term, SIGTERM},
      {"rt_sigreturn, non-canonical rip", sigreturn_non_canonical, SIGSEGV},
      {"rt_sigreturn without a frame", sigreturn_garbage, SIGSEGV},
      {"_exit(42)", exit_42, 0},
  };
  printf("faults (%s): %zu cases\n", LIBC_NAME, sizeof(cases) / sizeof(cases[0]));
  fflush(stdout);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      cases[i].run();
      _exit(100);  /* survived: wrong */
    }
    int status = 0;
    const pid_t waited = waitpid(pid, &status, 0);
    if (cases[i].signal != 0) {
      const int got = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      CHECK(waited == pid && got != 0 && (got == cases[i].signal || got == cases[i].alternative),
            "%-30s -> signal %d (want %d), status %#x", cases[i].name,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, cases[i].signal, status);
    } else {
      CHECK(waited == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42,
            "%-30s -> exit %d, status %#x", cases[i].name, WEXITSTATUS(status), status);
    }
    fflush(stdout);
  }

  /* The data page cannot be made writable either (Linux: EACCES for vvar;
   * a kernel without that mapping kind says EINVAL or ENOMEM). */
  void* data = (void*)(vdso_image() - 4096);
  errno = 0;
  const int r = mprotect(data, 4096, PROT_READ | PROT_WRITE);
  CHECK(r == -1, "mprotect(VDSO data page, RW) refused (errno %d)", errno);
  return check_done("faults");
}
