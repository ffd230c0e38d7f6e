// What the kernel keeps from the multiboot (v1) information: the command
// line and the memory map, copied out at once so that the loader's
// structures can be reused as free memory afterwards.
#pragma once

#include <stdint.h>

namespace kernel::multiboot {

inline constexpr uint32_t kBootMagic = 0x2BADB002;

struct MemoryRegion {
  uint64_t base;
  uint64_t length;
  uint32_t type;  // 1: available RAM; anything else: reserved
};
inline constexpr uint32_t kRegionAvailable = 1;

// A module the loader put in memory (QEMU: -initrd FILE): the initramfs.
struct Module {
  uint64_t start_phys;
  uint64_t end_phys;  // exclusive
};

struct BootInfo {
  static constexpr int kMaxRegions = 64;
  static constexpr int kCommandLineSize = 1024;
  static constexpr int kMaxModules = 4;

  char command_line[kCommandLineSize];
  MemoryRegion regions[kMaxRegions];
  int region_count;
  Module modules[kMaxModules];
  int module_count;
};

// Panics when `magic` is not the multiboot one or the map is missing:
// there is nothing sensible to run on without a memory map.
const BootInfo& parse(uint32_t magic, uint64_t info_phys);

}  // namespace kernel::multiboot
