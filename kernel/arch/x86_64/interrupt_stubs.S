/*
 * One entry stub per vector. Each pushes a zero error code when the CPU
 * pushes none (so every frame has the same shape), the vector number, and
 * jumps to the common path, which saves the general registers and calls
 * interrupt_dispatch(InterruptFrame*). The frame is 16-byte aligned at the
 * call: the CPU aligns rsp before pushing its 5 words, and we push 17 more.
 * An entry from user mode (the saved CS's RPL is 3) swaps in the CPU's own
 * GS base (smp.h) and the way back to user mode swaps the user's back; an
 * entry from kernel mode already has the kernel's.
 */
#include "arch/x86_64/frame_macros.inc"
        .text

#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

        .macro STUB vector
        .balign 16
stub_\vector:
        .if HAS_ERROR_CODE(\vector)
        .else
        pushq $0
        .endif
        pushq $\vector
        jmp interrupt_common
        .endm

        .altmacro
        .set vector, 0
        .rept 256
        STUB %vector
        .set vector, vector + 1
        .endr

/* The saved CS in an InterruptFrame once the general registers are pushed. */
#define FRAME_CS 144

interrupt_common:
        cld
        PUSH_GENERAL_REGISTERS
        testb $3, FRAME_CS(%rsp)
        jz 1f
        swapgs
1:      movq %rsp, %rdi
        call interrupt_dispatch
        /* Also the way into user mode for a new process: its kernel stack
         * starts with an InterruptFrame (proc/scheduler.cpp). */
        .globl interrupt_return
interrupt_return:
        testb $3, FRAME_CS(%rsp)
        jz 2f
        swapgs
2:      POP_GENERAL_REGISTERS
        addq $16, %rsp                /* vector and error code */
        iretq

        .macro STUB_ADDRESS vector
        .quad stub_\vector
        .endm

        .section .rodata
        .balign 8
        .globl interrupt_stub_table
interrupt_stub_table:
        .set vector, 0
        .rept 256
        STUB_ADDRESS %vector
        .set vector, vector + 1
        .endr

        .section .note.GNU-stack, "", @progbits
