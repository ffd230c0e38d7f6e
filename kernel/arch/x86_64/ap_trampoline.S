/*
 * The first code an application processor runs: a STARTUP IPI starts it
 * in real mode at a page below 1 MiB (smp.cpp copies these bytes to
 * AP_TRAMPOLINE_PHYS, which must agree with kTrampolinePhys there). It
 * goes to protected mode, turns on PAE, the kernel's page tables (which
 * map this page at its physical address while CPUs start), long mode and
 * NX, then jumps to the C++ entry on its own stack. The bytes live in
 * .rodata: they are copied, never run where they are linked.
 */
#define AP_TRAMPOLINE_PHYS 0x8000
/* A label's address once the trampoline is copied. */
#define AT(label) (AP_TRAMPOLINE_PHYS + (label) - ap_trampoline_start)

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

        .section .rodata
        .balign 16
        .globl ap_trampoline_start, ap_trampoline_end
        .globl ap_trampoline_cr3, ap_trampoline_stack, ap_trampoline_entry

        .code16
ap_trampoline_start:
        cli
        cld
        xorw %ax, %ax
        movw %ax, %ds
        lgdtl AT(trampoline_gdt_pointer)
        movl %cr0, %eax
        orl $CR0_PE, %eax
        movl %eax, %cr0
        ljmpl $0x08, $AT(protected_mode)

        .code32
protected_mode:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl %cr4, %eax
        orl $(CR4_PAE | CR4_PGE), %eax
        movl %eax, %cr4
        movl AT(ap_trampoline_cr3), %eax
        movl %eax, %cr3
        movl $MSR_EFER, %ecx
        rdmsr
        orl $(EFER_LME | EFER_NXE), %eax
        wrmsr
        movl %cr0, %eax
        orl $(CR0_PG | CR0_WP), %eax
        movl %eax, %cr0
        ljmpl $0x18, $AT(long_mode)

        .code64
long_mode:
        movq AT(ap_trampoline_stack), %rsp
        movq AT(ap_trampoline_entry), %rax
        xorl %ebp, %ebp               /* the backtrace stops here */
        pushq $0                      /* as if called: rsp + 8 is 16-byte aligned */
        jmpq *%rax

        .balign 8
trampoline_gdt:
        .quad 0
        .quad 0x00cf9a000000ffff      /* 0x08: 32-bit code */
        .quad 0x00cf92000000ffff      /* 0x10: data */
        .quad 0x00af9a000000ffff      /* 0x18: 64-bit code */
trampoline_gdt_end:
trampoline_gdt_pointer:
        .word trampoline_gdt_end - trampoline_gdt - 1
        .long AT(trampoline_gdt)

        /* Filled in by smp.cpp before each STARTUP. */
        .balign 8
ap_trampoline_cr3:   .quad 0          /* below 4 GiB: loaded in 32-bit mode */
ap_trampoline_stack: .quad 0
ap_trampoline_entry: .quad 0
ap_trampoline_end:

        .section .note.GNU-stack, "", @progbits
