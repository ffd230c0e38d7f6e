/*
 * Multiboot (v1) entry and the 32-to-64-bit trampoline.
 *
 * The loader enters boot_entry32 in 32-bit protected mode, paging off, with
 * eax = 0x2BADB002 and ebx = the physical address of the multiboot info.
 * We check the CPU (long mode, NX), zero .bss, build boot page tables that
 * map the first GiB twice (identity, for the instruction that turns paging
 * on, and at -2 GiB, where the kernel is linked), enter long mode and call
 * kernel_main(magic, info_phys) on the boot stack. paging::init later
 * replaces these tables with the real ones (4 KiB pages, W^X).
 */
#define KERNEL_VMA 0xffffffff80000000
#define PHYS(sym) ((sym) - KERNEL_VMA)

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, give the memory map */

#define COM1 0x3f8

        .section .multiboot, "a"
        .balign 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .section .boot.rodata, "a"
msg_no_multiboot:  .asciz "boot: not loaded by a multiboot loader\r\n"
msg_no_long_mode:  .asciz "boot: this CPU has no long mode (x86_64)\r\n"
msg_no_nx:         .asciz "boot: this CPU has no NX bit\r\n"

        .balign 8
gdt64:
        .quad 0                       /* null */
        .quad 0x00af9a000000ffff      /* 0x08: kernel code, 64-bit */
        .quad 0x00cf92000000ffff      /* 0x10: kernel data */
gdt64_end:
gdt64_pointer:
        .word gdt64_end - gdt64 - 1
        .long gdt64

        .section .boot.text, "ax"
        .code32
        .globl boot_entry32
boot_entry32:
        cli
        cld
        movl %eax, %ebp               /* multiboot magic (cpuid clobbers eax..edx) */
        movl %ebx, %esi               /* multiboot info, physical */

        cmpl $0x2BADB002, %ebp
        movl $msg_no_multiboot, %eax
        jne boot_fail

        /* Long mode and NX: CPUID 0x80000001 edx bits 29 and 20. */
        movl $0x80000000, %eax
        cpuid
        cmpl $0x80000001, %eax
        movl $msg_no_long_mode, %eax
        jb boot_fail
        movl $0x80000001, %eax
        cpuid
        movl $msg_no_long_mode, %eax
        btl $29, %edx
        jnc boot_fail
        movl $msg_no_nx, %eax
        btl $20, %edx
        jnc boot_fail

        /* Zero .bss: the boot page tables and the stack live there, and a
         * loader need not clear it. The multiboot info lies above it. */
        movl $PHYS(bss_start), %edi
        movl $PHYS(bss_end), %ecx
        subl %edi, %ecx
        shrl $2, %ecx
        xorl %eax, %eax
        rep stosl
        movl $PHYS(boot_stack_top), %esp

        /* pd: 512 x 2 MiB = the first GiB; reached from pml4[0] (identity)
         * and pml4[511] -> pdpt_high[510] (-2 GiB). */
        movl $PHYS(boot_pd), %edi
        movl $0x83, %eax              /* present, writable, 2 MiB */
        movl $512, %ecx
1:      movl %eax, (%edi)
        addl $0x200000, %eax
        addl $8, %edi
        loop 1b
        movl $(PHYS(boot_pd) + 3), PHYS(boot_pdpt_low)
        movl $(PHYS(boot_pd) + 3), PHYS(boot_pdpt_high) + 510 * 8
        movl $(PHYS(boot_pdpt_low) + 3), PHYS(boot_pml4)
        movl $(PHYS(boot_pdpt_high) + 3), PHYS(boot_pml4) + 511 * 8

        movl %cr4, %eax
        orl $(1 << 5), %eax           /* PAE */
        movl %eax, %cr4
        movl $PHYS(boot_pml4), %eax
        movl %eax, %cr3
        movl $0xc0000080, %ecx        /* EFER: long mode + no-execute */
        rdmsr
        orl $((1 << 8) | (1 << 11)), %eax
        wrmsr
        movl %cr0, %eax
        orl $((1 << 31) | (1 << 16) | 1), %eax   /* paging, write-protect, protected mode */
        movl %eax, %cr0

        lgdt gdt64_pointer
        ljmp $0x08, $boot_entry64_low

boot_fail:                            /* eax: message; COM1 works without setup in QEMU */
        movl %eax, %ebx
2:      movb (%ebx), %al
        testb %al, %al
        jz 3f
        movw $COM1, %dx
        outb %al, %dx
        incl %ebx
        jmp 2b
3:      cli
        hlt
        jmp 3b

        .code64
boot_entry64_low:
        movabsq $boot_entry64, %rax
        jmp *%rax

        .section .text.entry, "ax"
boot_entry64:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorl %eax, %eax
        movw %ax, %fs
        movw %ax, %gs
        movabsq $boot_stack_top, %rsp
        movl %ebp, %edi               /* kernel_main(magic, info_phys) */
        movl %esi, %esi
        xorl %ebp, %ebp               /* ends the frame-pointer chain for backtraces */
        call kernel_main
        cli
4:      hlt
        jmp 4b

        .section .bss
        .balign 4096
        .globl boot_pml4
boot_pml4:       .skip 4096
boot_pdpt_low:   .skip 4096
boot_pdpt_high:  .skip 4096
boot_pd:         .skip 4096
        .globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:                     /* left unmapped by paging::init */
        .skip 4096
boot_stack_bottom:
        .skip 16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
