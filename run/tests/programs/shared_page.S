/* shared_page: a program whose entry segment ends inside a page that a
 * second PT_LOAD maps too (shared_page.ld packs them), so the "unused"
 * tail of the entry segment's last page is the other segment's bytes.
 * vdso-run must not put its stub there. The entry checks its neighbour and
 * prints "intact" or "CORRUPTED": built plain, the neighbour is 256 bytes
 * of a known pattern; with -DCALL_CODE it is code the entry calls. No
 * libc: built with -nostdlib -static. */
.globl _start
.section .text.entry, "ax"
_start:
#ifdef CALL_CODE
  call neighbour
  cmp $0x5eed, %eax
  jne corrupted
#else
  lea pattern(%rip), %rsi
  mov $256, %ecx
  xor %eax, %eax
1:
  cmpb %al, (%rsi)
  jne corrupted
  inc %rsi
  inc %al
  dec %ecx
  jnz 1b
#endif
  lea intact(%rip), %rsi
  mov $7, %edx
  jmp say
corrupted:
  lea broken(%rip), %rsi
  mov $10, %edx
say:
  mov $1, %eax
  mov $1, %edi
  syscall
  mov $60, %eax
  xor %edi, %edi
  syscall
intact: .ascii "intact\n"
broken: .ascii "CORRUPTED\n"

.section .neighbour, "ax"
#ifdef CALL_CODE
  /* Far enough in that an overwrite lands in the nops or before. */
neighbour:
  .rept 200
  nop
  .endr
  mov $0x5eed, %eax
  ret
#else
pattern:
  .set i, 0
  .rept 256
  .byte i
  .set i, i + 1
  .endr
#endif
