// Physical memory: a bitmap of 4 KiB frames built from the boot memory
// map. Frames below 1 MiB (firmware, legacy devices) and those of the
// kernel image and of the boot modules (the initramfs) are never handed out. Covers the first
// kMaxPhysicalBytes of RAM; memory above is reported at boot and left unused.
#pragma once

#include <stdint.h>

#include "boot/multiboot.h"

namespace kernel::frames {

inline constexpr uint64_t kMaxPhysicalBytes = 4ull << 30;
// Never a valid frame: frame 0 is below 1 MiB and so never handed out.
inline constexpr uint64_t kNoFrame = 0;

void init(const multiboot::BootInfo& boot_info);

// A free frame's physical address (not zeroed), or kNoFrame when memory is
// exhausted. Lowest-address frames first, so that the boot page tables
// (which only map the first GiB) can reach the first allocations.
uint64_t allocate();
// Panics on a frame that is not allocated (double free, or never ours).
void free(uint64_t phys);

uint64_t free_count();
uint64_t usable_count();  // frames that were free at boot
// End of the highest RAM region the allocator covers.
uint64_t physical_end();
// The RAM the allocator covers: one range of whole frames per available
// region of the boot memory map (below kMaxPhysicalBytes).
struct PhysicalRange {
  uint64_t begin, end;
};
int ram_range_count();
PhysicalRange ram_range(int index);
// True for frames inside one of those ranges.
bool is_ram(uint64_t phys);

}  // namespace kernel::frames
