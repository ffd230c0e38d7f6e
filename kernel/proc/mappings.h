// A process's mappings (VMAs): the ranges of its address space that may
// get memory on demand, each with its protection. The break, the stack
// and anonymous mmap memory are mappings; their pages get frames on first
// touch (proc::resolve_user_fault), so a reservation costs nothing until
// used.
// The program's segments and the VDSO are not: they are mapped at exec,
// whole, and the page tables alone describe them.
//
// Locking: `lock` guards the list and the user half of the process's page
// tables (the demand-paging fault and every memory system call take it).
// A user copy must not run while it is held (a copy may fault a page in).
#pragma once

#include <stdint.h>

#include "lib/spinlock.h"
#include "mm/paging.h"
#include "proc/fault.h"

namespace kernel::proc {

// Linux's PROT_* bits.
inline constexpr uint32_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;

struct Mapping {
  uint64_t begin, end;  // page aligned, begin < end
  uint32_t prot;
  // MAP_NORESERVE (and PROT_NONE): was not counted against free memory
  // when made. Kept so that neighbours with different promises stay apart.
  bool no_reserve;
};

// Linux's default max_map_count is 65530; ours is a fixed table per
// process, so that a mapping never allocates kernel memory.
inline constexpr int kMaxMappings = 256;

class Mappings {
 public:
  Spinlock lock;

  // The mapping holding `virt`, or null.
  const Mapping* find(uint64_t virt) const;
  // Whether any mapping overlaps [begin, end).
  bool overlaps(uint64_t begin, uint64_t end) const;
  // The lowest begin of a mapping overlapping [begin, end), or `end`.
  uint64_t first_overlap(uint64_t begin, uint64_t end) const;
  // Whether every page of [begin, end) is in some mapping.
  bool covers(uint64_t begin, uint64_t end) const;

  // Whether the table has room for any one change below (each may split
  // a mapping in two at both ends). Ask before changing page tables, so
  // that a full table is ENOMEM with nothing changed.
  bool has_room() const { return count_ + 2 <= kMaxMappings; }

  // Each needs has_room(). Neighbours with the same protection are merged.
  void add(uint64_t begin, uint64_t end, uint32_t prot, bool no_reserve);  // replaces overlaps
  void remove(uint64_t begin, uint64_t end);
  void protect(uint64_t begin, uint64_t end, uint32_t prot);

  void clear() { count_ = 0; }
  void copy_from(const Mappings& other);  // fork
  int count() const { return count_; }
  const Mapping& at(int index) const { return entries_[index]; }

 private:
  void insert_at(int index, const Mapping& m);
  void erase_at(int index);
  void merge_around(int index);

  Mapping entries_[kMaxMappings];  // sorted by begin, disjoint
  int count_ = 0;
};

// The page-table flags for a protection (PROT_NONE: present to nobody).
uint64_t page_flags_for(uint32_t prot);

// Gives the current process's page at `virt` its frame if it is a page of
// a mapping not touched yet and the mapping allows the access: the demand
// paging behind resolve_user_fault (proc/fault.h), its only caller.
FaultResolution map_on_first_touch(uint64_t virt, bool write, bool execute);

}  // namespace kernel::proc
