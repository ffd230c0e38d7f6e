#include "boot/multiboot.h"

#include "console/print.h"
#include "lib/panic.h"

namespace kernel::multiboot {
namespace {

// Multiboot Specification 0.6.96, section 3.3.
struct [[gnu::packed]] Info {
  uint32_t flags;
  uint32_t mem_lower, mem_upper;
  uint32_t boot_device;
  uint32_t cmdline;
  uint32_t mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
};
struct [[gnu::packed]] MmapEntry {
  uint32_t size;  // of the rest of the entry
  uint64_t base_addr;
  uint64_t length;
  uint32_t type;
};
constexpr uint32_t kInfoCommandLine = 1u << 2;
constexpr uint32_t kInfoModules = 1u << 3;
constexpr uint32_t kInfoMemoryMap = 1u << 6;
struct [[gnu::packed]] ModuleEntry {
  uint32_t mod_start, mod_end;
  uint32_t string;
  uint32_t reserved;
};

// Until paging::init the boot page tables identity-map the first GiB, which
// is where a multiboot loader puts its structures.
constexpr uint64_t kIdentityMappedBytes = 1ull << 30;

BootInfo boot_info;

template <typename T>
const T* boot_pointer(uint64_t phys, uint64_t size) {
  if (phys + size > kIdentityMappedBytes) {
    PANIC("multiboot structure at 0x%lx is not below 1 GiB", phys);
  }
  return reinterpret_cast<const T*>(phys);
}

}  // namespace

const BootInfo& parse(uint32_t magic, uint64_t info_phys) {
  if (magic != kBootMagic)
    PANIC("bad multiboot magic 0x%x", magic);
  const Info& info = *boot_pointer<Info>(info_phys, sizeof(Info));

  if (info.flags & kInfoCommandLine) {
    const char* line = boot_pointer<char>(info.cmdline, 1);
    int i = 0;
    for (; i < BootInfo::kCommandLineSize - 1 && line[i] != '\0'; ++i) {
      boot_info.command_line[i] = line[i];
    }
    boot_info.command_line[i] = '\0';
  }

  if (info.flags & kInfoModules) {
    for (uint32_t i = 0; i < info.mods_count; ++i) {
      if (boot_info.module_count == BootInfo::kMaxModules) {
        kprint("multiboot: more than %d modules; ignoring the rest\n", BootInfo::kMaxModules);
        break;
      }
      const auto& entry =
          *boot_pointer<ModuleEntry>(info.mods_addr + i * sizeof(ModuleEntry), sizeof(ModuleEntry));
      if (entry.mod_end < entry.mod_start)
        PANIC("multiboot module %u ends before it starts", i);
      boot_info.modules[boot_info.module_count++] = {entry.mod_start, entry.mod_end};
    }
  }

  if ((info.flags & kInfoMemoryMap) == 0)
    PANIC("the loader gave no memory map");
  uint64_t offset = 0;
  while (offset + sizeof(MmapEntry) <= info.mmap_length) {
    const auto& entry = *boot_pointer<MmapEntry>(info.mmap_addr + offset, sizeof(MmapEntry));
    if (boot_info.region_count == BootInfo::kMaxRegions) {
      kprint("multiboot: memory map has more than %d regions; ignoring the rest\n",
             BootInfo::kMaxRegions);
      break;
    }
    boot_info.regions[boot_info.region_count++] = {entry.base_addr, entry.length, entry.type};
    offset += entry.size + sizeof(entry.size);
  }
  return boot_info;
}

}  // namespace kernel::multiboot
