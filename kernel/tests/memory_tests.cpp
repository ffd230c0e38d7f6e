// Tests of the frame allocator, the page tables, the heap and a process's
// mapping list.
#include <initializer_list>

#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/mappings.h"
#include "tests/ktest.h"

extern "C" char boot_stack_guard[];

namespace kernel::ktest {
namespace {

uint64_t address_of(const void* p) {
  return reinterpret_cast<uint64_t>(p);
}

void frames_allocate_and_free(Context& t, const BootOptions&) {
  constexpr int kCount = 64;
  uint64_t got[kCount];
  const uint64_t free_before = frames::free_count();
  const uint64_t image_begin = layout::image_phys(kernel_image_start);
  const uint64_t image_end = layout::image_phys(kernel_image_end);
  for (int i = 0; i < kCount; ++i) {
    got[i] = frames::allocate();
    KEXPECT(t, got[i] != frames::kNoFrame, "allocation %d", i);
    KEXPECT(t, got[i] % layout::kPageSize == 0, "0x%lx", got[i]);
    KEXPECT(t, got[i] >= (1u << 20), "0x%lx is low memory", got[i]);
    KEXPECT(t, got[i] < image_begin || got[i] >= image_end, "0x%lx is the kernel", got[i]);
    KEXPECT(t, frames::is_ram(got[i]), "0x%lx", got[i]);
    for (int j = 0; j < i; ++j)
      KEXPECT(t, got[i] != got[j], "frame 0x%lx twice", got[i]);
  }
  KEXPECT(t, frames::free_count() == free_before - kCount, "%lu", frames::free_count());
  // Writable through the direct map, and each frame is its own memory.
  for (int i = 0; i < kCount; ++i)
    *layout::phys_to_virt<uint64_t>(got[i]) = got[i];
  for (int i = 0; i < kCount; ++i) {
    KEXPECT(t, *layout::phys_to_virt<uint64_t>(got[i]) == got[i], "frame 0x%lx", got[i]);
  }
  for (int i = 0; i < kCount; ++i)
    frames::free(got[i]);
  KEXPECT(t, frames::free_count() == free_before, "%lu != %lu", frames::free_count(), free_before);
  const uint64_t again = frames::allocate();
  KEXPECT(t, again == got[0], "lowest freed frame reused: 0x%lx vs 0x%lx", again, got[0]);
  frames::free(again);
}

struct WxScan {
  uint64_t leaves = 0;
  uint64_t writable_and_executable = 0;
  uint64_t user = 0;
  uint64_t first_bad = 0;
};

void paging_kernel_wx(Context& t, const BootOptions&) {
  const paging::AddressSpace k = paging::kernel_space();
  const paging::Translation text = paging::translate(k, address_of(kernel_text_start));
  KEXPECT(t, text.present && !text.writable && text.executable && !text.user, "text");
  const paging::Translation rodata = paging::translate(k, address_of(kernel_rodata_start));
  KEXPECT(t, rodata.present && !rodata.writable && !rodata.executable, "rodata");
  static uint64_t some_data = 1;
  const paging::Translation data = paging::translate(k, address_of(&some_data));
  KEXPECT(t, data.present && data.writable && !data.executable, "data");
  KEXPECT(t, data.phys == layout::image_phys(&some_data), "data maps its own frame");
  KEXPECT(t, !paging::translate(k, address_of(boot_stack_guard)).present, "stack guard page");
  KEXPECT(t, !paging::translate(k, 0x100000).present, "boot identity map removed");
  KEXPECT(t, !paging::translate(k, 0).present, "page 0 unmapped");
  const uint64_t text_phys = layout::image_phys(kernel_text_start);
  KEXPECT(t, !paging::translate(k, layout::kDirectMapBase + text_phys).present,
          "the kernel image has no writable alias in the direct map");

  // The invariant over the whole kernel half: no leaf both writable and
  // executable, none reachable from user mode.
  WxScan scan;
  paging::for_each_leaf(
      k, layout::kDirectMapBase, ~0ull,
      [](const paging::Leaf& leaf, void* cookie) {
        auto& s = *static_cast<WxScan*>(cookie);
        ++s.leaves;
        if (leaf.translation.writable && leaf.translation.executable) {
          if (s.writable_and_executable++ == 0)
            s.first_bad = leaf.virt;
        }
        if (leaf.translation.user)
          ++s.user;
      },
      &scan);
  KEXPECT(t, scan.leaves > 0, "walked nothing");
  KEXPECT(t, scan.writable_and_executable == 0, "%lu W+X leaves, first at 0x%lx",
          scan.writable_and_executable, scan.first_bad);
  KEXPECT(t, scan.user == 0, "%lu kernel leaves reachable from user mode", scan.user);
}

void paging_address_space(Context& t, const BootOptions&) {
  const paging::AddressSpace space = paging::create_address_space();
  const uint64_t text = address_of(kernel_text_start);
  KEXPECT(
      t,
      paging::translate(space, text).phys == paging::translate(paging::kernel_space(), text).phys,
      "kernel half shared");
  constexpr uint64_t kUserPage = 0x4000'0000;
  KEXPECT(t, !paging::translate(space, kUserPage).present, "user half starts empty");
  const uint64_t frame = frames::allocate();
  paging::map_page(space, kUserPage, frame, paging::kUser | paging::kWritable | paging::kNoExecute);
  const paging::Translation mapped = paging::translate(space, kUserPage + 0x123);
  KEXPECT(t,
          mapped.present && mapped.phys == frame + 0x123 && mapped.user && mapped.writable &&
              !mapped.executable,
          "phys 0x%lx", mapped.phys);
  KEXPECT(t, !paging::translate(paging::kernel_space(), kUserPage).present,
          "other address spaces unaffected");
  paging::unmap_page(space, kUserPage);
  KEXPECT(t, !paging::translate(space, kUserPage).present, "unmapped");
  frames::free(frame);
}

void heap_allocate_and_free(Context& t, const BootOptions&) {
  constexpr int kCount = 9;
  constexpr size_t kSizes[kCount] = {1, 15, 16, 17, 100, 4000, 4096, 100000, 300000};
  uint8_t* blocks[kCount];
  for (int i = 0; i < kCount; ++i) {
    blocks[i] = static_cast<uint8_t*>(heap::allocate(kSizes[i]));
    KEXPECT(t, blocks[i] != nullptr, "allocate(%zu)", kSizes[i]);
    if (blocks[i] == nullptr)
      return;
    KEXPECT(t, address_of(blocks[i]) % heap::kAlignment == 0, "%p", static_cast<void*>(blocks[i]));
    for (size_t b = 0; b < kSizes[i]; ++b)
      blocks[i][b] = static_cast<uint8_t>(i + 1);
  }
  // Every block still holds its own pattern: none overlaps another.
  for (int i = 0; i < kCount; ++i) {
    bool intact = true;
    for (size_t b = 0; b < kSizes[i]; ++b)
      intact = intact && blocks[i][b] == i + 1;
    KEXPECT(t, intact, "block %d (%zu bytes) overwritten", i, kSizes[i]);
  }
  // Free in an order that needs merging on both sides.
  for (int i : {1, 3, 5, 7, 2, 0, 8, 4, 6})
    heap::free(blocks[i]);
  const heap::Stats after = heap::stats();
  KEXPECT(t, after.free_blocks == 1, "%lu free blocks: neighbours not merged", after.free_blocks);
  void* again = heap::allocate(300000);
  KEXPECT(t, again == blocks[0], "merged space reused: %p vs %p", again,
          static_cast<void*>(blocks[0]));
  heap::free(again);
  KEXPECT(t, heap::allocate(layout::kHeapMaxBytes + 1) == nullptr, "oversized request refused");
}

}  // namespace

// The page tables an unmap leaves empty go back to the allocator; those
// still in use stay.
void paging_release_empty_tables(Context& t, const BootOptions&) {
  constexpr uint64_t kFar = 0x0000'4000'0000'0000, kNear = kFar + 0x1000;
  const uint64_t free_before = frames::free_count();
  const paging::AddressSpace space = paging::create_address_space();
  const uint64_t a = frames::allocate(), b = frames::allocate();
  paging::map_page(space, kFar, a, paging::kUser | paging::kNoExecute);
  paging::map_page(space, kNear, b, paging::kUser | paging::kNoExecute);
  const uint64_t mapped = frames::free_count();
  paging::unmap_page(space, kFar);
  paging::release_empty_tables(space, kFar, kFar + 0x1000);
  KEXPECT(t, frames::free_count() == mapped, "a table still in use was freed: %lu != %lu",
          frames::free_count(), mapped);
  KEXPECT(t, paging::translate(space, kNear).present, "the neighbour lost its mapping");
  paging::unmap_page(space, kNear);
  paging::release_empty_tables(space, kFar, kNear + 0x1000);
  KEXPECT(t, frames::free_count() == mapped + 3, "PT, PD and PDPT freed: %lu != %lu",
          frames::free_count(), mapped + 3);
  frames::free(a);
  frames::free(b);
  paging::destroy_address_space(space, [](uint64_t) { return false; });
  KEXPECT(t, frames::free_count() == free_before, "%lu != %lu", frames::free_count(), free_before);
}

// The mapping list: holes split a mapping, protection changes cut it at
// both ends, equal neighbours merge again.
void mappings_split_and_merge(Context& t, const BootOptions&) {
  static proc::Mappings m;  // 6 KiB: not on the kernel stack
  constexpr uint64_t P = layout::kPageSize, kBase = 0x10'0000;
  constexpr uint32_t kRw = proc::kProtRead | proc::kProtWrite;
  m.clear();
  m.add(kBase, kBase + 16 * P, kRw, false);
  m.add(kBase + 16 * P, kBase + 32 * P, kRw, false);
  KEXPECT(t, m.count() == 1 && m.at(0).end == kBase + 32 * P, "touching equal mappings merge: %d",
          m.count());
  m.remove(kBase + 4 * P, kBase + 8 * P);
  KEXPECT(t, m.count() == 2 && m.find(kBase + 5 * P) == nullptr && m.find(kBase + 8 * P) != nullptr,
          "a hole splits: %d", m.count());
  KEXPECT(t, !m.covers(kBase, kBase + 10 * P) && m.covers(kBase + 8 * P, kBase + 32 * P),
          "covers sees the hole");
  m.protect(kBase + 10 * P, kBase + 12 * P, proc::kProtRead);
  KEXPECT(t,
          m.count() == 4 && m.find(kBase + 10 * P)->prot == proc::kProtRead &&
              m.find(kBase + 12 * P)->prot == kRw && m.find(kBase + 9 * P)->prot == kRw,
          "mprotect of the middle cuts at both ends: %d", m.count());
  m.protect(kBase + 10 * P, kBase + 12 * P, kRw);
  KEXPECT(t, m.count() == 2, "restored protection merges again: %d", m.count());
  m.add(kBase + 4 * P, kBase + 8 * P, kRw, false);
  KEXPECT(t, m.count() == 1 && m.first_overlap(0, kBase + 64 * P) == kBase,
          "refilling the hole leaves one mapping: %d", m.count());
  m.add(kBase + 2 * P, kBase + 3 * P, 0, true);
  KEXPECT(t, m.count() == 3 && m.find(kBase + 2 * P)->no_reserve, "an add replaces what it covers");
  m.remove(0, ~uint64_t{0} & ~(P - 1));
  KEXPECT(t, m.count() == 0, "removing everything: %d", m.count());
}

const Test kMemoryTests[] = {
    {"frames.allocate_and_free", frames_allocate_and_free},
    {"paging.kernel_wx", paging_kernel_wx},
    {"paging.address_space", paging_address_space},
    {"heap.allocate_and_free", heap_allocate_and_free},
    {"paging.release_empty_tables", paging_release_empty_tables},
    {"mappings.split_and_merge", mappings_split_and_merge},
};
const int kMemoryTestCount = sizeof(kMemoryTests) / sizeof(kMemoryTests[0]);

}  // namespace kernel::ktest
