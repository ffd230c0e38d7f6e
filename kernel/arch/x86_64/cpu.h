// Thin wrappers over the x86_64 instructions the kernel needs: port I/O,
// model-specific and control registers, CPUID, the TSC. Each is one
// instruction; keeping them here keeps inline assembly out of the drivers.
#pragma once

#include <stdint.h>

#include "vdso/arch/x86_64/counter.h"
#include "vdso/arch/x86_64/cpu_features.h"

namespace kernel::cpu {

inline void outb(uint16_t port, uint8_t value) {
  asm volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}
inline void outw(uint16_t port, uint16_t value) {
  asm volatile("outw %0, %1" : : "a"(value), "Nd"(port) : "memory");
}
inline void outl(uint16_t port, uint32_t value) {
  asm volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}
inline uint8_t inb(uint16_t port) {
  uint8_t value;
  asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
  return value;
}

inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t value) {
  asm volatile("wrmsr"
               :
               : "c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32))
               : "memory");
}

inline constexpr uint32_t kMsrApicBase = 0x1b;
inline constexpr uint32_t kMsrEfer = 0xc0000080;
inline constexpr uint64_t kEferNxe = 1u << 11;
inline constexpr uint64_t kEferSyscallEnable = 1u << 0;
// The user's thread pointer (%fs base), per process (arch_prctl).
inline constexpr uint32_t kMsrFsBase = 0xc000'0100;
// GS: the running CPU's own area in the kernel (smp.h); the other one is
// what swapgs exchanges it with.
inline constexpr uint32_t kMsrGsBase = 0xc000'0101;
inline constexpr uint32_t kMsrKernelGsBase = 0xc000'0102;
// SYSCALL's targets and flag mask (syscall/table.cpp sets them).
inline constexpr uint32_t kMsrStar = 0xc000'0081, kMsrLstar = 0xc000'0082, kMsrSfmask = 0xc000'0084;
// Memory types of the page-table PAT index (left at the reset value).
inline constexpr uint32_t kMsrPat = 0x277;

// CPUID: the one wrapper the hosts share.
using vdso::arch::cpuid;
using vdso::arch::CpuidResult;

// The TSC, ordered after earlier loads: the VDSO's own counter read.
inline uint64_t rdtsc_ordered() {
  return vdso::arch::read_counter();
}

inline uint64_t read_cr0() {
  uint64_t v;
  asm volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr2() {
  uint64_t v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr3() {
  uint64_t v;
  asm volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
inline void write_cr0(uint64_t v) {
  asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
inline void write_cr4(uint64_t v) {
  asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
inline void write_cr3(uint64_t v) {
  asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
inline uint64_t read_cr4() {
  uint64_t v;
  asm volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
inline void invlpg(uint64_t virt) {
  asm volatile("invlpg (%0)" : : "r"(virt) : "memory");
}

inline void enable_interrupts() {
  asm volatile("sti" : : : "memory");
}
inline void disable_interrupts() {
  asm volatile("cli" : : : "memory");
}
inline bool interrupts_enabled() {
  uint64_t flags;
  asm volatile("pushfq; popq %0" : "=r"(flags));
  return (flags & (1u << 9)) != 0;
}
// Sleeps until the next interrupt. sti;hlt is atomic: an interrupt that
// arrives between the two still wakes the hlt.
inline void wait_for_interrupt() {
  asm volatile("sti; hlt" : : : "memory");
}
inline void pause() {
  __builtin_ia32_pause();
}

[[noreturn]] inline void halt_forever() {
  for (;;)
    asm volatile("cli; hlt");
}

}  // namespace kernel::cpu
