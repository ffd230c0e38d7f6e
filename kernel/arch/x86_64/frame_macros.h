/*
 * The general registers of an InterruptFrame (interrupts.h), pushed and
 * popped in its field order. Included by the two assembly entry paths
 * (interrupt_stubs.S, syscall_entry.S) so that both build the same frame.
 */
#ifndef KERNEL_ARCH_X86_64_FRAME_MACROS_H
#define KERNEL_ARCH_X86_64_FRAME_MACROS_H

        .macro PUSH_GENERAL_REGISTERS
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        .endm

        .macro POP_GENERAL_REGISTERS
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        .endm

#endif
