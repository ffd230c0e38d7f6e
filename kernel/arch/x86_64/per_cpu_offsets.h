/*
 * Where the assembly entry paths find their per-CPU fields through %gs
 * (smp::PerCpu, arch/x86_64/smp.h, static_asserts each one). Plain
 * defines: this header is included by the .S files too.
 */
#ifndef KERNEL_ARCH_X86_64_PER_CPU_OFFSETS_H
#define KERNEL_ARCH_X86_64_PER_CPU_OFFSETS_H

#define PER_CPU_SELF 0
#define PER_CPU_SYSCALL_KERNEL_RSP 8
#define PER_CPU_SYSCALL_USER_RSP 16
#define PER_CPU_INDEX 24

#endif
