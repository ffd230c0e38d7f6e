#include "mm/frame_allocator.h"

#include "console/print.h"
#include "lib/panic.h"
#include "mm/layout.h"

namespace kernel::frames {
namespace {

using layout::kPageSize;
constexpr uint64_t kFrameCount = kMaxPhysicalBytes / kPageSize;
constexpr uint64_t kLowMemoryEnd = 1ull << 20;

// Bit set: frame in use (or not RAM). 128 KiB of .bss for 4 GiB.
uint64_t used_bitmap[kFrameCount / 64];
uint64_t free_frames = 0;
uint64_t usable_frames = 0;
uint64_t ram_end = 0;
uint64_t search_hint = 0;                 // no free frame below this index
uint64_t image_begin = 0, image_end = 0;  // the kernel image's frames

PhysicalRange ram_ranges[multiboot::BootInfo::kMaxRegions];
int ram_range_total = 0;

bool is_used(uint64_t frame) {
  return (used_bitmap[frame / 64] >> (frame % 64)) & 1;
}
void set_used(uint64_t frame) {
  used_bitmap[frame / 64] |= 1ull << (frame % 64);
}
void set_free(uint64_t frame) {
  used_bitmap[frame / 64] &= ~(1ull << (frame % 64));
}

// Set bits in `x` (SWAR: the kernel has no libgcc for __builtin_popcount,
// and TCG's default CPU model no POPCNT).
uint64_t count_bits(uint64_t x) {
  x -= (x >> 1) & 0x5555'5555'5555'5555;
  x = (x & 0x3333'3333'3333'3333) + ((x >> 2) & 0x3333'3333'3333'3333);
  x = (x + (x >> 4)) & 0x0f0f'0f0f'0f0f'0f0f;
  return (x * 0x0101'0101'0101'0101) >> 56;
}

// Marks the frames of [begin, end) (page-aligned addresses, clipped to the
// bitmap) used or free, a bitmap word at a time: boot costs a few
// operations per region, not one per frame. Returns how many frames
// changed state.
uint64_t mark_range(uint64_t begin, uint64_t end, bool used) {
  uint64_t frame = begin / kPageSize;
  const uint64_t last = (end < kMaxPhysicalBytes ? end : kMaxPhysicalBytes) / kPageSize;
  uint64_t changed = 0;
  while (frame < last) {
    const uint64_t bit = frame % 64;
    const uint64_t count = (last - frame < 64 - bit) ? last - frame : 64 - bit;
    const uint64_t mask = (count == 64 ? ~0ull : (1ull << count) - 1) << bit;
    uint64_t& word = used_bitmap[frame / 64];
    const uint64_t before = word;
    word = used ? before | mask : before & ~mask;
    changed += count_bits(before ^ word);
    frame += count;
  }
  return changed;
}

}  // namespace

void init(const multiboot::BootInfo& boot_info) {
  for (uint64_t& word : used_bitmap)
    word = ~0ull;

  image_begin = layout::page_round_down(reinterpret_cast<uint64_t>(boot_section_start));
  image_end = layout::page_round_up(layout::image_phys(kernel_image_end));
  uint64_t ignored_bytes = 0;

  for (int i = 0; i < boot_info.region_count; ++i) {
    const multiboot::MemoryRegion& region = boot_info.regions[i];
    kprint("memory: %016lx-%016lx %s\n", region.base, region.base + region.length,
           region.type == multiboot::kRegionAvailable ? "ram" : "reserved");
    if (region.type != multiboot::kRegionAvailable)
      continue;
    // Whole frames only.
    uint64_t begin = layout::page_round_up(region.base);
    uint64_t end = layout::page_round_down(region.base + region.length);
    if (end > kMaxPhysicalBytes) {
      ignored_bytes += end - (begin > kMaxPhysicalBytes ? begin : kMaxPhysicalBytes);
      end = kMaxPhysicalBytes;
    }
    if (begin >= end)
      continue;
    if (end > ram_end)
      ram_end = end;
    ram_ranges[ram_range_total++] = {begin, end};
    free_frames += mark_range(begin, end, false);
  }
  // Never handed out: low memory, the kernel image, and the modules (the
  // initramfs is read in place).
  free_frames -= mark_range(0, kLowMemoryEnd, true);
  free_frames -= mark_range(image_begin, image_end, true);
  for (int i = 0; i < boot_info.module_count; ++i) {
    const multiboot::Module& module = boot_info.modules[i];
    free_frames -= mark_range(layout::page_round_down(module.start_phys),
                              layout::page_round_up(module.end_phys), true);
  }
  usable_frames = free_frames;
  if (ignored_bytes != 0) {
    kprint("memory: ignoring %lu MiB above %lu GiB\n", ignored_bytes >> 20,
           kMaxPhysicalBytes >> 30);
  }
  kprint("memory: %lu frames free (%lu MiB)\n", free_frames, (free_frames * kPageSize) >> 20);
  if (free_frames == 0)
    PANIC("no usable memory");
}

uint64_t allocate() {
  for (uint64_t word = search_hint / 64; word < kFrameCount / 64; ++word) {
    if (used_bitmap[word] == ~0ull)
      continue;
    const uint64_t frame = word * 64 + static_cast<uint64_t>(__builtin_ctzll(~used_bitmap[word]));
    set_used(frame);
    --free_frames;
    search_hint = frame + 1;
    return frame * kPageSize;
  }
  return kNoFrame;
}

void free(uint64_t phys) {
  const uint64_t frame = phys / kPageSize;
  if ((phys % kPageSize) != 0 || frame >= kFrameCount || !is_used(frame) || phys < kLowMemoryEnd ||
      (phys >= image_begin && phys < image_end) || !is_ram(phys)) {
    PANIC("freeing frame 0x%lx, which is not an allocated frame", phys);
  }
  set_free(frame);
  ++free_frames;
  if (frame < search_hint)
    search_hint = frame;
}

uint64_t free_count() {
  return free_frames;
}
uint64_t usable_count() {
  return usable_frames;
}
uint64_t physical_end() {
  return ram_end;
}

int ram_range_count() {
  return ram_range_total;
}
PhysicalRange ram_range(int index) {
  return ram_ranges[index];
}

bool is_ram(uint64_t phys) {
  for (int i = 0; i < ram_range_total; ++i) {
    if (phys >= ram_ranges[i].begin && phys + kPageSize <= ram_ranges[i].end)
      return true;
  }
  return false;
}

}  // namespace kernel::frames
