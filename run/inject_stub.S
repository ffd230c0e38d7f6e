/* The injection stub: copied into a freshly exec'd program (into the unused
 * tail of its entry segment's last page, else over the start of the entry
 * page) and run once, before any instruction of the program, to map the
 * VDSO the way a kernel's exec path would:
 *
 *   base          ChainPage   private, filled from the parameters, read-only
 *   base + 4096   DataPage    the sealed memfd at offset 0, shared read-only
 *   base + 8192   vdso.so     the memfd from offset 4096, shared read+exec
 *
 * then stores base + 8192 into the auxv's AT_SYSINFO_EHDR and either traps
 * or starts the program (see VDSO_RUN_MODE_* in stub_abi.h). It touches no
 * stack and no memory but its own parameters and the new pages. Every
 * signal is blocked while it runs (PTRACE_SETSIGMASK), so interrupted calls
 * restart; the EINTR/ERESTART* checks are a belt.
 *
 * Assembled into .rodata: the supervisor only copies these bytes. */
#include "stub_abi.h"

/* SYS_mmap and the others: Linux's numbers (<asm/unistd_64.h>), which
 * syscall_table_test checks the project's one list against; the assembler
 * cannot read that list, an X-macro. */
#include <sys/syscall.h>

#define PR_SET_MM 35
#define PR_SET_MM_AUXV 12
#define SIG_SETMASK 2
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define PAGE 4096

/* Jumps to \fail if rax holds an error (-4095..-1). */
.macro check_error fail
  cmp $-4095, %rax
  jae \fail
.endm

  .section .rodata.vdso_run_stub, "a"
  .balign 16
  .globl vdso_run_stub_start
  .globl vdso_run_stub_params
  .globl vdso_run_stub_end
vdso_run_stub_start:
  mov $-1, %r12                    /* fd: none yet */
  xor %r13d, %r13d                 /* base: none yet */

  /* 1. The data memfd, installed into this process by the supervisor. */
  mov $VDSO_RUN_STEP_FD, %r15d
1:
  mov $VDSO_RUN_FD_SYSCALL, %eax
  mov params_cookie(%rip), %rdi
  syscall
  cmp $-4, %rax                    /* EINTR */
  je 1b
  cmp $-516, %rax                  /* ERESTARTSYS .. ERESTART_RESTARTBLOCK */
  jl 2f
  cmp $-512, %rax
  jle 1b
2:
  check_error fail
  mov %rax, %r12

  /* 2. Reserve the whole range so the three mappings are contiguous. */
  mov $VDSO_RUN_STEP_RESERVE, %r15d
  mov $SYS_mmap, %eax
  xor %edi, %edi
  mov params_total_size(%rip), %rsi
  xor %edx, %edx
  mov $(MAP_PRIVATE | MAP_ANONYMOUS), %r10d
  mov $-1, %r8
  xor %r9d, %r9d
  syscall
  check_error fail
  mov %rax, %r13

  /* 3. The chain page: private, written here, then read-only. */
  mov $VDSO_RUN_STEP_CHAIN, %r15d
  mov $SYS_mmap, %eax
  mov %r13, %rdi
  mov $PAGE, %esi
  mov $(PROT_READ | PROT_WRITE), %edx
  mov $(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), %r10d
  mov $-1, %r8
  xor %r9d, %r9d
  syscall
  check_error fail
  lea params_chain(%rip), %rsi
  xor %ecx, %ecx
3:
  mov (%rsi, %rcx, 8), %rax
  mov %rax, (%r13, %rcx, 8)
  inc %ecx
  cmp $VDSO_RUN_PARAM_CHAIN_WORDS, %ecx
  jb 3b
  mov $SYS_mprotect, %eax
  mov %r13, %rdi
  mov $PAGE, %esi
  mov $PROT_READ, %edx
  syscall
  check_error fail

  /* 4. The data page: shared, read-only, never executable. */
  mov $VDSO_RUN_STEP_DATA, %r15d
  mov $SYS_mmap, %eax
  lea PAGE(%r13), %rdi
  mov $PAGE, %esi
  mov $PROT_READ, %edx
  mov $(MAP_SHARED | MAP_FIXED), %r10d
  mov %r12, %r8
  xor %r9d, %r9d
  syscall
  check_error fail

  /* 5. The image: shared, read+execute. */
  mov $VDSO_RUN_STEP_IMAGE, %r15d
  mov $SYS_mmap, %eax
  lea 2*PAGE(%r13), %rdi
  mov params_image_size(%rip), %rsi
  mov $(PROT_READ | PROT_EXEC), %edx
  mov $(MAP_SHARED | MAP_FIXED), %r10d
  mov %r12, %r8
  mov $PAGE, %r9d
  syscall
  check_error fail

  /* 6. The mappings keep the memfd alive: the program gets no new fd. */
  mov $SYS_close, %eax
  mov %r12, %rdi
  syscall

  /* 7. Point the program at the image. */
  lea 2*PAGE(%r13), %rax
  mov params_auxv_slot(%rip), %rdi
  mov %rax, (%rdi)
  /* And the kernel's copy (/proc/PID/auxv), where the program may set it
   * (CAP_SYS_RESOURCE); elsewhere that file keeps naming the host's vDSO. */
  mov $SYS_prctl, %eax
  mov $PR_SET_MM, %edi
  mov $PR_SET_MM_AUXV, %esi
  mov params_auxv(%rip), %rdx
  mov params_auxv_size(%rip), %r10
  xor %r8d, %r8d
  syscall
  cmpq $VDSO_RUN_MODE_JUMP, params_mode(%rip)
  je 6f
  lea 2*PAGE(%r13), %rax           /* trap mode reports the image's address */
  int3

  /* 8. Jump mode: the program's signal mask back (pending signals are
   * delivered here, with exec's default actions: no handler of the program
   * exists yet), its registers as exec left them, and its first
   * instruction. */
6:
  mov $SYS_rt_sigprocmask, %eax
  mov $SIG_SETMASK, %edi
  lea params_sigmask(%rip), %rsi
  xor %edx, %edx
  mov $8, %r10d
  syscall
  xor %eax, %eax
  xor %ebx, %ebx
  xor %ecx, %ecx
  xor %edx, %edx
  xor %esi, %esi
  xor %edi, %edi
  xor %ebp, %ebp
  xor %r8d, %r8d
  xor %r9d, %r9d
  xor %r10d, %r10d
  xor %r11d, %r11d
  xor %r12d, %r12d
  xor %r13d, %r13d
  xor %r14d, %r14d
  xor %r15d, %r15d
  jmp *params_entry(%rip)

fail:
  mov %rax, %r14
  test %r12, %r12
  js 4f
  mov $SYS_close, %eax
  mov %r12, %rdi
  syscall
4:
  test %r13, %r13
  jz 5f
  mov $SYS_munmap, %eax
  mov %r13, %rdi
  mov params_total_size(%rip), %rsi
  syscall
5:
  mov %r14, %rax
  int3

  .balign 8
vdso_run_stub_params:
params_cookie:      .quad 0
params_total_size:  .quad 0
params_image_size:  .quad 0
params_auxv_slot:   .quad 0
params_chain:       .fill VDSO_RUN_PARAM_CHAIN_WORDS, 8, 0
params_mode:        .quad 0
params_sigmask:     .quad 0
params_entry:       .quad 0
params_auxv:        .quad 0
params_auxv_size:   .quad 0
vdso_run_stub_end:

/* The parameter block must match stub_abi.h, which the supervisor uses. */
.macro check_param label, offset
  .if \label - params_cookie != \offset
  .error "stub parameter layout does not match stub_abi.h"
  .endif
.endm
  check_param params_total_size, VDSO_RUN_PARAM_TOTAL_SIZE
  check_param params_image_size, VDSO_RUN_PARAM_IMAGE_SIZE
  check_param params_auxv_slot, VDSO_RUN_PARAM_AUXV_SLOT
  check_param params_chain, VDSO_RUN_PARAM_CHAIN
  check_param params_mode, VDSO_RUN_PARAM_MODE
  check_param params_sigmask, VDSO_RUN_PARAM_SIGMASK
  check_param params_entry, VDSO_RUN_PARAM_ENTRY
  check_param params_auxv, VDSO_RUN_PARAM_AUXV
  check_param params_auxv_size, VDSO_RUN_PARAM_AUXV_SIZE
  check_param vdso_run_stub_end, VDSO_RUN_PARAM_SIZE

  .section .note.GNU-stack, "", @progbits
