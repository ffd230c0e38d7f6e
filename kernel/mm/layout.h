// The kernel's virtual address map, in one place.
//
//   0x0000'0000'0000'0000 .. 0x0000'7fff'ffff'ffff  user (per address space)
//   0xffff'8000'0000'0000  direct map of physical RAM (supervisor, RW, NX);
//                          the frames of the kernel image are left out, so
//                          its text and the embedded vdso.so are mapped only
//                          read-only
//   0xffff'c000'0000'0000  kernel heap (grows on demand)
//   0xffff'e000'0000'0000  device MMIO (LAPIC), uncached
//   0xffff'ffff'8000'0000  the kernel image (-mcmodel=kernel): text R+X,
//                          rodata R, data and bss RW+NX
#pragma once

#include <stdint.h>

namespace kernel::layout {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kDirectMapBase = 0xffff'8000'0000'0000;
inline constexpr uint64_t kHeapBase = 0xffff'c000'0000'0000;
inline constexpr uint64_t kHeapMaxBytes = 1ull << 30;
inline constexpr uint64_t kMmioBase = 0xffff'e000'0000'0000;
inline constexpr uint64_t kKernelBase = 0xffff'ffff'8000'0000;
inline constexpr uint64_t kUserTop = 0x0000'8000'0000'0000;

inline uint64_t page_round_down(uint64_t v) {
  return v & ~(kPageSize - 1);
}
inline uint64_t page_round_up(uint64_t v) {
  return (v + kPageSize - 1) & ~(kPageSize - 1);
}

// Physical address of a symbol of the kernel image (linked at kKernelBase).
inline uint64_t image_phys(const void* p) {
  return reinterpret_cast<uint64_t>(p) - kKernelBase;
}
// The direct map: valid for RAM outside the kernel image once paging::init
// has run.
template <typename T = void>
inline T* phys_to_virt(uint64_t phys) {
  return reinterpret_cast<T*>(phys + kDirectMapBase);
}

}  // namespace kernel::layout

// Bounds of the image's parts, from linker.ld (page aligned).
extern "C" {
extern char kernel_image_start[];
extern char kernel_text_start[], kernel_text_end[];
extern char kernel_rodata_start[], kernel_rodata_end[];
extern char kernel_data_start[], kernel_image_end[];
extern char boot_section_start[], boot_section_end[];
}
