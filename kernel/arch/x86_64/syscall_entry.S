/*
 * The SYSCALL entry (Linux x86_64 ABI: number in rax, arguments in rdi,
 * rsi, rdx, r10, r8, r9; rcx and r11 are clobbered by the CPU) and the
 * kernel-stack switch between processes.
 *
 * SYSCALL leaves rsp on the user stack and clears IF (SFMASK), so the
 * first instructions run with the user's rsp and no interrupt can come:
 * swapgs makes GS the CPU's own area (smp::PerCpu, per_cpu_offsets.h),
 * which holds the user rsp while we move to the running thread's kernel
 * stack; the way out swaps the user's GS base back last. The saved state has the InterruptFrame
 * shape (interrupts.h), so fork, exec and the fault path deal with one
 * frame type. System calls run with interrupts off: the kernel is not
 * preemptible; it gives the CPU away only in schedule().
 */
#include "arch/x86_64/frame_macros.inc"
#include "arch/x86_64/per_cpu_offsets.h"
#define USER_CS 0x23
#define USER_SS 0x1b
#define SYSCALL_VECTOR 0x80

        .text
        .globl syscall_entry
        .balign 16
syscall_entry:
        swapgs
        movq %rsp, %gs:PER_CPU_SYSCALL_USER_RSP
        movq %gs:PER_CPU_SYSCALL_KERNEL_RSP, %rsp
        pushq $USER_SS
        pushq %gs:PER_CPU_SYSCALL_USER_RSP
        pushq %r11                    /* rflags */
        pushq $USER_CS
        pushq %rcx                    /* rip */
        pushq $0                      /* error code */
        pushq $SYSCALL_VECTOR
        cld
        PUSH_GENERAL_REGISTERS
        xorl %ebp, %ebp               /* the backtrace stops here */
        movq %rsp, %rdi
        call syscall_dispatch
        POP_GENERAL_REGISTERS
        addq $16, %rsp                /* vector and error code */
        /* SYSRET returns to rcx with rflags from r11, so it can only be
         * used when the saved rcx and r11 are those values (a plain system
         * call; not after exec or rt_sigreturn, which restore every
         * register), and never to a non-canonical rip, which would fault in
         * ring 0 on the user's stack (the Intel SYSRET hazard). */
        cmpq (%rsp), %rcx
        jne 1f
        cmpq 16(%rsp), %r11
        jne 1f
        cmpq user_top(%rip), %rcx
        jae 1f
        popq %rcx                     /* rip */
        addq $8, %rsp                 /* cs */
        popq %r11                     /* rflags */
        popq %rsp                     /* user rsp; ss is implied */
        swapgs
        sysretq
        /* Always to user mode: exec and rt_sigreturn build user frames
         * (rt_sigreturn refuses a non-canonical rip, so iretq cannot fault
         * here with the user's GS base loaded). */
1:      swapgs
        iretq

/*
 * switch_context(uint64_t* save_rsp, uint64_t next_rsp): saves the
 * callee-saved registers on this stack, stores rsp in *save_rsp, loads
 * next_rsp and returns into whatever that stack was doing (a previous
 * switch_context, or interrupt_return for a new process).
 */
        .globl switch_context
switch_context:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, (%rdi)
        movq %rsi, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret

        .section .rodata
        .balign 8
user_top:           .quad 0x0000800000000000

        .section .note.GNU-stack, "", @progbits
