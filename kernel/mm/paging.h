// 4-level paging. paging::init replaces the boot tables with the kernel's
// own: the image mapped page by page with W^X (text R+X, rodata R+NX, data
// and bss RW+NX, a guard page under the boot stack), a direct map of RAM
// (RW+NX, without the image's frames), and no identity map.
//
// An AddressSpace is one PML4. Every address space shares the kernel half
// (the upper 256 entries, created once at init so they never change), and
// has its own user half.
#pragma once

#include <stdint.h>

namespace kernel::paging {

// Page-table entry bits (Intel SDM vol. 3, 4.5).
inline constexpr uint64_t kPresent = 1ull << 0;
inline constexpr uint64_t kWritable = 1ull << 1;
inline constexpr uint64_t kUser = 1ull << 2;
inline constexpr uint64_t kWriteThrough = 1ull << 3;
inline constexpr uint64_t kCacheDisable = 1ull << 4;
inline constexpr uint64_t kHuge = 1ull << 7;
inline constexpr uint64_t kGlobal = 1ull << 8;
inline constexpr uint64_t kNoExecute = 1ull << 63;
inline constexpr uint64_t kAddressMask = 0x000f'ffff'ffff'f000;

struct AddressSpace {
  uint64_t pml4_phys;
};

// What the tables say about one virtual address: the permissions are the
// combination along the walk (writable/user only if every level allows it,
// no-execute if any level forbids it).
struct Translation {
  bool present;
  uint64_t phys;
  bool writable;
  bool user;
  bool executable;
};

void init();
AddressSpace kernel_space();

// A new address space: empty user half, the kernel half shared.
AddressSpace create_address_space();
void activate(AddressSpace space);

// Maps one 4 KiB page; panics if `virt` is already mapped (a double mapping
// is a bug, never a request). Page tables come from the frame allocator.
void map_page(AddressSpace space, uint64_t virt, uint64_t phys, uint64_t flags);
void unmap_page(AddressSpace space, uint64_t virt);
Translation translate(AddressSpace space, uint64_t virt);

// Calls `visit` for every leaf mapping of [begin, end) (4 KiB or 2 MiB),
// with the permissions combined along the walk. For invariant checks.
struct Leaf {
  uint64_t virt;
  uint64_t size;
  Translation translation;
};
void for_each_leaf(AddressSpace space, uint64_t begin, uint64_t end,
                   void (*visit)(const Leaf&, void*), void* cookie);

// The first mapped 4 KiB page in [begin, end) (page aligned), or `end`.
// Skips absent tables whole, so a walk over a huge range costs what is
// mapped in it, not its size.
uint64_t next_mapped(AddressSpace space, uint64_t begin, uint64_t end);

// Changes the flags of a mapped 4 KiB user page; false if not mapped.
bool protect_page(AddressSpace space, uint64_t virt, uint64_t flags);

// Frees the user page tables that no longer map anything and cover part
// of [begin, end) (after an unmap), so that mapping and unmapping leave
// the frame count where it was.
void release_empty_tables(AddressSpace space, uint64_t begin, uint64_t end);

// Frames shared by every address space (the VDSO's data page and image):
// never freed or copied with a user half, only their mapping is.
using IsSharedFrame = bool (*)(uint64_t phys);

// Frees the user half: every leaf frame except shared ones, and every
// page table; then the PML4. `space` must not be the active one.
void destroy_address_space(AddressSpace space, IsSharedFrame shared);

// A copy of `source`'s user half (fork): each private page copied into a
// fresh frame with the same flags, shared frames mapped again. False when
// memory runs out (the partial copy is destroyed).
bool copy_user_half(AddressSpace source, AddressSpace destination, IsSharedFrame shared);

// Device registers: mapped uncached, RW, NX, in the kernel's MMIO window.
uint64_t map_mmio(uint64_t phys, uint64_t size);

}  // namespace kernel::paging
