/* clock32: a 32-bit program (int 0x80, i386 numbers) under vdso-run, whose
 * seccomp filter answers x86_64 clock calls only. It makes i386 201
 * (geteuid32, x86_64's time number) and clock_gettime (265) of
 * CLOCK_MONOTONIC_COARSE; both must reach the host kernel. Exit status: 0
 * when geteuid32 equals getuid32 (199) and clock_gettime succeeds; 1 or 3
 * names the check that failed. No libc: built with -m32 -nostdlib. */
.globl _start
.text
_start:
  mov $199, %eax        /* getuid32 */
  int $0x80
  mov %eax, %esi
  mov $201, %eax        /* geteuid32: x86_64's time */
  int $0x80
  mov $1, %ebx
  cmp %eax, %esi
  jne exit
  mov $265, %eax        /* clock_gettime */
  mov $6, %ebx
  mov $ts, %ecx
  int $0x80
  mov $3, %ebx
  test %eax, %eax
  jne exit
  cmpl $0, ts
  je exit
  xor %ebx, %ebx
exit:
  mov $1, %eax
  int $0x80
.bss
ts: .space 8
