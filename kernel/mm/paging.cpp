#include "mm/paging.h"

#include "arch/x86_64/cpu.h"
#include "console/print.h"
#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"

extern "C" char boot_stack_guard[];

namespace kernel::paging {
namespace {

using layout::kPageSize;
constexpr uint64_t kLargePageSize = 2ull << 20;
// Intermediate entries allow everything the half allows; the leaves decide.
uint64_t table_flags(uint64_t virt) {
  return kPresent | kWritable | (virt < layout::kUserTop ? kUser : 0);
}
constexpr uint64_t kCr4Pge = 1ull << 7;

AddressSpace kernel_address_space;
uint64_t mmio_next = layout::kMmioBase;

// Until the new tables are live, table frames are reached through the boot
// identity map (first GiB); afterwards through the direct map.
bool direct_map_live = false;

uint64_t* table_at(uint64_t phys) {
  if (direct_map_live)
    return layout::phys_to_virt<uint64_t>(phys);
  if (phys >= (1ull << 30))
    PANIC("page table frame 0x%lx beyond the boot identity map", phys);
  return reinterpret_cast<uint64_t*>(phys);
}

uint64_t allocate_table() {
  const uint64_t phys = frames::allocate();
  if (phys == frames::kNoFrame)
    PANIC("out of memory for page tables");
  uint64_t* table = table_at(phys);
  for (int i = 0; i < 512; ++i)
    table[i] = 0;
  return phys;
}

unsigned index_at(uint64_t virt, int level) {  // level 4 = PML4 .. 1 = PT
  return static_cast<unsigned>((virt >> (12 + 9 * (level - 1))) & 511);
}

// The entry for `virt` at `target_level`, creating tables on the way.
uint64_t& entry_for(AddressSpace space, uint64_t virt, int target_level) {
  uint64_t* table = table_at(space.pml4_phys);
  for (int level = 4; level > target_level; --level) {
    uint64_t& entry = table[index_at(virt, level)];
    if ((entry & kPresent) == 0) {
      entry = allocate_table() | table_flags(virt);
    } else if (entry & kHuge) {
      PANIC("mapping 0x%lx inside a large page", virt);
    }
    table = table_at(entry & kAddressMask);
  }
  return table[index_at(virt, target_level)];
}

void map_large_page(AddressSpace space, uint64_t virt, uint64_t phys, uint64_t flags) {
  uint64_t& entry = entry_for(space, virt, 2);
  if (entry & kPresent)
    PANIC("0x%lx is already mapped", virt);
  entry = phys | flags | kPresent | kHuge;
}

// Maps [begin, end) of physical memory into the direct map: 2 MiB pages
// wherever a whole aligned one fits, 4 KiB pages at the ragged ends.
void map_direct_range(AddressSpace space, uint64_t begin, uint64_t end, uint64_t flags) {
  uint64_t phys = begin;
  while (phys < end) {
    if (phys % kLargePageSize == 0 && end - phys >= kLargePageSize) {
      map_large_page(space, layout::kDirectMapBase + phys, phys, flags);
      phys += kLargePageSize;
    } else {
      map_page(space, layout::kDirectMapBase + phys, phys, flags);
      phys += kPageSize;
    }
  }
}

// Every RAM range except the kernel image's frames, which only
// map_kernel_image maps (read-only where they hold code or constants,
// including vdso.so). Costs a few steps per memory-map region.
void map_direct_map(AddressSpace space) {
  const uint64_t flags = kWritable | kNoExecute | kGlobal;
  const uint64_t image_begin = layout::page_round_down(layout::image_phys(kernel_image_start));
  const uint64_t image_end = layout::page_round_up(layout::image_phys(kernel_image_end));
  for (int i = 0; i < frames::ram_range_count(); ++i) {
    const frames::PhysicalRange ram = frames::ram_range(i);
    map_direct_range(space, ram.begin, ram.end < image_begin ? ram.end : image_begin, flags);
    map_direct_range(space, ram.begin > image_end ? ram.begin : image_end, ram.end, flags);
  }
}

void map_range(AddressSpace space, const char* begin, const char* end, uint64_t flags) {
  for (auto virt = reinterpret_cast<uint64_t>(begin); virt < reinterpret_cast<uint64_t>(end);
       virt += kPageSize) {
    if (virt == reinterpret_cast<uint64_t>(boot_stack_guard))
      continue;  // overflow faults
    map_page(space, virt, virt - layout::kKernelBase, flags | kGlobal);
  }
}

}  // namespace

void init() {
  kernel_address_space.pml4_phys = allocate_table();
  const AddressSpace space = kernel_address_space;

  map_range(space, kernel_text_start, kernel_text_end, 0);
  map_range(space, kernel_rodata_start, kernel_rodata_end, kNoExecute);
  map_range(space, kernel_data_start, kernel_image_end, kWritable | kNoExecute);
  map_direct_map(space);
  // Every kernel-half PML4 entry a mapping may ever use exists now, so
  // address spaces made later (which copy these entries) see all of them.
  constexpr uint64_t kSharedRegions[] = {layout::kHeapBase, layout::kMmioBase};
  for (const uint64_t base : kSharedRegions) {
    uint64_t& entry = table_at(space.pml4_phys)[index_at(base, 4)];
    if ((entry & kPresent) == 0)
      entry = allocate_table() | table_flags(base);
  }

  cpu::write_cr4(cpu::read_cr4() | kCr4Pge);
  cpu::write_cr3(space.pml4_phys);
  direct_map_live = true;
  kprint("paging: kernel W^X, direct map of %lu MiB, boot identity map gone\n",
         frames::physical_end() >> 20);
}

AddressSpace kernel_space() {
  return kernel_address_space;
}

AddressSpace create_address_space() {
  const AddressSpace space{allocate_table()};
  const uint64_t* kernel_pml4 = table_at(kernel_address_space.pml4_phys);
  uint64_t* pml4 = table_at(space.pml4_phys);
  for (int i = 256; i < 512; ++i)
    pml4[i] = kernel_pml4[i];
  return space;
}

void activate(AddressSpace space) {
  cpu::write_cr3(space.pml4_phys);
}

void map_page(AddressSpace space, uint64_t virt, uint64_t phys, uint64_t flags) {
  if ((virt | phys) & (kPageSize - 1))
    PANIC("unaligned mapping 0x%lx -> 0x%lx", virt, phys);
  uint64_t& entry = entry_for(space, virt, 1);
  if (entry & kPresent)
    PANIC("0x%lx is already mapped", virt);
  entry = phys | flags | kPresent;
}

void unmap_page(AddressSpace space, uint64_t virt) {
  // Walks without creating tables: unmapping what is not mapped is a no-op.
  uint64_t* table = table_at(space.pml4_phys);
  for (int level = 4; level > 1; --level) {
    const uint64_t entry = table[index_at(virt, level)];
    if ((entry & kPresent) == 0)
      return;
    if (entry & kHuge)
      PANIC("unmapping 0x%lx inside a large page", virt);
    table = table_at(entry & kAddressMask);
  }
  table[index_at(virt, 1)] = 0;
  // Kernel-half entries are global and shared by every address space; a
  // user entry can be cached only if its space is the current one (a CR3
  // switch flushes non-global entries; one CPU so far).
  if (virt >= layout::kUserTop || cpu::read_cr3() == space.pml4_phys)
    cpu::invlpg(virt);
}

Translation translate(AddressSpace space, uint64_t virt) {
  Translation result{false, 0, true, true, true};
  const uint64_t* table = table_at(space.pml4_phys);
  for (int level = 4; level >= 1; --level) {
    const uint64_t entry = table[index_at(virt, level)];
    if ((entry & kPresent) == 0)
      return {false, 0, false, false, false};
    result.writable = result.writable && (entry & kWritable);
    result.user = result.user && (entry & kUser);
    result.executable = result.executable && !(entry & kNoExecute);
    if (level == 1 || (level == 2 && (entry & kHuge))) {
      const uint64_t page_mask = (level == 1 ? kPageSize : kLargePageSize) - 1;
      result.present = true;
      result.phys = (entry & kAddressMask & ~page_mask) | (virt & page_mask);
      return result;
    }
    table = table_at(entry & kAddressMask);
  }
  return result;
}

namespace {

void walk(const uint64_t* table, int level, uint64_t table_base, const Translation& above,
          uint64_t begin, uint64_t end, void (*visit)(const Leaf&, void*), void* cookie) {
  const uint64_t entry_span = 1ull << (12 + 9 * (level - 1));
  for (unsigned i = 0; i < 512; ++i) {
    uint64_t virt = table_base + i * entry_span;
    if (level == 4 && i >= 256)
      virt |= 0xffff'0000'0000'0000;  // canonical upper half
    if (virt + entry_span - 1 < begin || virt >= end)
      continue;
    const uint64_t entry = table[i];
    if ((entry & kPresent) == 0)
      continue;
    const Translation here{true, entry & kAddressMask, above.writable && (entry & kWritable),
                           above.user && (entry & kUser),
                           above.executable && !(entry & kNoExecute)};
    if (level == 1 || (level == 2 && (entry & kHuge))) {
      visit(Leaf{virt, entry_span, here}, cookie);
    } else {
      walk(table_at(entry & kAddressMask), level - 1, virt, here, begin, end, visit, cookie);
    }
  }
}

}  // namespace

void for_each_leaf(AddressSpace space, uint64_t begin, uint64_t end,
                   void (*visit)(const Leaf&, void*), void* cookie) {
  walk(table_at(space.pml4_phys), 4, 0, Translation{true, 0, true, true, true}, begin, end, visit,
       cookie);
}

uint64_t next_mapped(AddressSpace space, uint64_t begin, uint64_t end) {
  uint64_t virt = begin;
  while (virt < end) {
    // Descend as far as the entries exist; at the first absent one, skip
    // the whole span it covers.
    const uint64_t* table = table_at(space.pml4_phys);
    int level = 4;
    for (; level >= 1; --level) {
      const uint64_t entry = table[index_at(virt, level)];
      if ((entry & kPresent) == 0)
        break;
      if (level == 1 || (entry & kHuge))
        return virt;
      table = table_at(entry & kAddressMask);
    }
    const uint64_t span = 1ull << (12 + 9 * (level - 1));
    const uint64_t next = (virt & ~(span - 1)) + span;
    if (next <= virt)
      return end;  // wrapped around the top
    virt = next;
  }
  return end;
}

bool protect_page(AddressSpace space, uint64_t virt, uint64_t flags) {
  uint64_t* table = table_at(space.pml4_phys);
  for (int level = 4; level > 1; --level) {
    const uint64_t entry = table[index_at(virt, level)];
    if ((entry & kPresent) == 0 || (entry & kHuge))
      return false;
    table = table_at(entry & kAddressMask);
  }
  uint64_t& entry = table[index_at(virt, 1)];
  if ((entry & kPresent) == 0)
    return false;
  entry = (entry & kAddressMask) | flags | kPresent;
  if (cpu::read_cr3() == space.pml4_phys)
    cpu::invlpg(virt);
  return true;
}

namespace {

// True when the table at `table_phys` (of `level`, covering from `base`)
// maps nothing any more; frees its empty sub-tables within [begin, end).
bool release_empty_below(uint64_t table_phys, int level, uint64_t base, uint64_t begin,
                         uint64_t end) {
  uint64_t* table = table_at(table_phys);
  const uint64_t entry_span = 1ull << (12 + 9 * (level - 1));
  bool empty = true;
  for (unsigned i = 0; i < 512; ++i) {
    const uint64_t entry = table[i];
    if ((entry & kPresent) == 0)
      continue;
    const uint64_t virt = base + i * entry_span;
    const bool in_range = virt < end && virt + entry_span > begin;
    if (level > 1 && !(entry & kHuge) && in_range &&
        release_empty_below(entry & kAddressMask, level - 1, virt, begin, end)) {
      frames::free(entry & kAddressMask);
      table[i] = 0;
      continue;
    }
    empty = false;
  }
  return empty;
}

}  // namespace

void release_empty_tables(AddressSpace space, uint64_t begin, uint64_t end) {
  uint64_t* pml4 = table_at(space.pml4_phys);
  const uint64_t pml4_span = 1ull << 39;
  for (unsigned i = 0; i < 256; ++i) {
    const uint64_t virt = i * pml4_span;
    if ((pml4[i] & kPresent) == 0 || virt >= end || virt + pml4_span <= begin)
      continue;
    if (release_empty_below(pml4[i] & kAddressMask, 3, virt, begin, end)) {
      frames::free(pml4[i] & kAddressMask);
      pml4[i] = 0;
    }
  }
  // The CPU may cache paging-structure entries of the freed tables; a CR3
  // reload drops them (user entries are never global).
  if (cpu::read_cr3() == space.pml4_phys)
    cpu::write_cr3(space.pml4_phys);
}

namespace {

// Frees the tables (and unshared leaves) below a user-half entry.
void free_user_table(uint64_t table_phys, int level, IsSharedFrame shared) {
  uint64_t* table = table_at(table_phys);
  for (int i = 0; i < 512; ++i) {
    const uint64_t entry = table[i];
    if ((entry & kPresent) == 0)
      continue;
    if (level == 1) {
      if (!shared(entry & kAddressMask))
        frames::free(entry & kAddressMask);
    } else {
      free_user_table(entry & kAddressMask, level - 1, shared);
    }
  }
  frames::free(table_phys);
}

}  // namespace

void destroy_address_space(AddressSpace space, IsSharedFrame shared) {
  KASSERT(cpu::read_cr3() != space.pml4_phys);
  uint64_t* pml4 = table_at(space.pml4_phys);
  for (int i = 0; i < 256; ++i) {
    if (pml4[i] & kPresent)
      free_user_table(pml4[i] & kAddressMask, 3, shared);
    pml4[i] = 0;
  }
  frames::free(space.pml4_phys);
}

namespace {

struct CopyState {
  AddressSpace destination;
  IsSharedFrame shared;
  bool out_of_memory;
};

void copy_leaf(const Leaf& leaf, void* cookie) {
  auto& state = *static_cast<CopyState*>(cookie);
  if (state.out_of_memory)
    return;
  const Translation& t = leaf.translation;
  const uint64_t flags =
      (t.writable ? kWritable : 0) | (t.user ? kUser : 0) | (t.executable ? 0 : kNoExecute);
  if (state.shared(t.phys)) {
    map_page(state.destination, leaf.virt, t.phys, flags);
    return;
  }
  const uint64_t copy = frames::allocate();
  if (copy == frames::kNoFrame) {
    state.out_of_memory = true;
    return;
  }
  const auto* from = table_at(t.phys);
  auto* to = table_at(copy);
  for (int i = 0; i < 512; ++i)
    to[i] = from[i];
  map_page(state.destination, leaf.virt, copy, flags);
}

}  // namespace

bool copy_user_half(AddressSpace source, AddressSpace destination, IsSharedFrame shared) {
  CopyState state{destination, shared, false};
  for_each_leaf(source, 0, layout::kUserTop, copy_leaf, &state);
  return !state.out_of_memory;
}

uint64_t map_mmio(uint64_t phys, uint64_t size) {
  const uint64_t base = mmio_next;
  const uint64_t offset = phys & (kPageSize - 1);
  const uint64_t pages = layout::page_round_up(offset + size) / kPageSize;
  for (uint64_t i = 0; i < pages; ++i) {
    map_page(kernel_address_space, base + i * kPageSize,
             layout::page_round_down(phys) + i * kPageSize,
             kWritable | kNoExecute | kCacheDisable | kWriteThrough | kGlobal);
  }
  mmio_next += pages * kPageSize;
  return base + offset;
}

}  // namespace kernel::paging
