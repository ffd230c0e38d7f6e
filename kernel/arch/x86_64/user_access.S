/*
 * The instructions that touch user memory (user_access.h). Each one is
 * listed in .ex_table with its fixup: (address of the instruction, address
 * to resume at), two quads. The SMAP window (stac/clac) is opened only
 * when the CPU has SMAP (stac is #UD otherwise): user_access_smap is set
 * once at boot. The routines trust their arguments: the caller has checked
 * that the user range lies in the user half.
 */
        .macro EXCEPTION_ENTRY instruction, fixup
        .pushsection .ex_table, "a"
        .balign 8
        .quad \instruction, \fixup
        .popsection
        .endm

        .macro OPEN_WINDOW
        testb $1, user_access_smap(%rip)
        jz .Lopen_done\@
        stac
.Lopen_done\@:
        .endm

        .macro CLOSE_WINDOW
        testb $1, user_access_smap(%rip)
        jz .Lclose_done\@
        clac
.Lclose_done\@:
        .endm

        .text

/* uint64_t user_access_copy(void* to, const void* from, uint64_t bytes):
 * the bytes not copied. A fault inside rep movsb leaves rcx at the bytes
 * left, so the fixup is simply the next instruction. */
        .globl user_access_copy
        .type user_access_copy, @function
user_access_copy:
        movq %rdx, %rcx
        OPEN_WINDOW
.Lcopy:
        rep movsb
.Lcopy_end:
        CLOSE_WINDOW
        movq %rcx, %rax
        ret
        .size user_access_copy, . - user_access_copy
        EXCEPTION_ENTRY .Lcopy, .Lcopy_end

/* int64_t user_access_copy_string(char* to, const char* from,
 * uint64_t capacity): the length, capacity if no NUL came, -1 on a fault. */
        .globl user_access_copy_string
        .type user_access_copy_string, @function
user_access_copy_string:
        xorl %eax, %eax
        OPEN_WINDOW
.Lstring_next:
        cmpq %rdx, %rax
        je .Lstring_done
.Lstring_load:
        movb (%rsi,%rax), %cl
        movb %cl, (%rdi,%rax)
        testb %cl, %cl
        je .Lstring_done
        incq %rax
        jmp .Lstring_next
.Lstring_fault:
        movq $-1, %rax
.Lstring_done:
        CLOSE_WINDOW
        ret
        .size user_access_copy_string, . - user_access_copy_string
        EXCEPTION_ENTRY .Lstring_load, .Lstring_fault

/* int64_t user_access_probe_write(uint64_t address): 0 or -1. */
        .globl user_access_probe_write
        .type user_access_probe_write, @function
user_access_probe_write:
        xorl %eax, %eax
        OPEN_WINDOW
.Lprobe:
        lock orb $0, (%rdi)
.Lprobe_done:
        CLOSE_WINDOW
        ret
.Lprobe_fault:
        movq $-1, %rax
        jmp .Lprobe_done
        .size user_access_probe_write, . - user_access_probe_write
        EXCEPTION_ENTRY .Lprobe, .Lprobe_fault

        .bss
        .globl user_access_smap
user_access_smap:   .byte 0

        .section .note.GNU-stack, "", @progbits
