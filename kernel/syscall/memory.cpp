// brk and anonymous mmap/munmap/mprotect/madvise. The break, the stack
// and anonymous memory are the process's mappings (proc/mappings.h): a
// mapping takes no frame until a page is touched, munmap, mprotect and
// madvise(MADV_DONTNEED) work on any page range of them, and unmapping
// gives back every frame, page tables included. Like Linux's heuristic
// overcommit, a writable private mapping without MAP_NORESERVE is refused
// (ENOMEM) when it is larger than the memory free for user pages at the
// time; PROT_NONE and MAP_NORESERVE reservations are never refused for
// size. The VDSO's shared pages can be unmapped from a process but never
// made writable (EACCES, as Linux refuses for its vvar).
#include <stddef.h>

#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/mappings.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "vdso/abi/linux.h"
#include "vdso/vdso_pages.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

using layout::kPageSize;
using proc::kProtExec;
using proc::kProtRead;
using proc::kProtWrite;

constexpr uint64_t kMapShared = 0x01, kMapPrivate = 0x02, kMapFixed = 0x10, kMapAnonymous = 0x20,
                   kMapNoreserve = 0x4000, kMapFixedNoreplace = 0x100000;
constexpr uint64_t kMadvDontneed = 4, kMadvFree = 8;
constexpr uint64_t kLowestMapping = 0x10000;  // mmap_min_addr

// Unmaps every present page of [begin, end) (mapping or not), frees its
// frame unless shared, and the page tables left empty. The caller shoots
// the TLBs of the process's other CPUs down before it returns to user
// mode: until then no other CPU runs kernel code (the kernel lock), so no
// freed frame is handed out while a stale translation may still reach it.
void unmap_range(paging::AddressSpace space, uint64_t begin, uint64_t end) {
  for (uint64_t page = paging::next_mapped(space, begin, end); page < end;
       page = paging::next_mapped(space, page + kPageSize, end)) {
    const paging::Translation t = paging::translate(space, page);
    paging::unmap_page(space, page);
    if (!proc::is_shared_frame(t.phys))
      frames::free(layout::page_round_down(t.phys));
  }
  paging::release_empty_tables(space, begin, end);
}

// Nothing there: no mapping and no page (the program's segments and the
// VDSO are pages without a mapping).
bool range_free(const proc::Process& p, uint64_t begin, uint64_t end) {
  return !p.mappings.overlaps(begin, end) && paging::next_mapped(p.space, begin, end) == end;
}

// Every page of [begin, end) is in a mapping or present (Linux: ENOMEM
// for a range with holes).
bool range_in_use(const proc::Process& p, uint64_t begin, uint64_t end) {
  uint64_t cursor = begin;
  while (cursor < end) {
    if (const proc::Mapping* m = p.mappings.find(cursor)) {
      cursor = m->end;
      continue;
    }
    const uint64_t gap_end = p.mappings.first_overlap(cursor, end);
    for (; cursor < gap_end; cursor += kPageSize) {
      if (!paging::translate(p.space, cursor).present)
        return false;
    }
  }
  return true;
}

// The heuristic overcommit check for a mapping of `pages` (see the top).
bool may_reserve(uint64_t prot, uint64_t flags, uint64_t pages) {
  if ((prot & kProtWrite) == 0 || (flags & kMapNoreserve) != 0)
    return true;
  return proc::may_allocate_user_frames(pages);
}

// The highest free range of `size` bytes below the layout's mmap top, or 0.
uint64_t find_free_range(const proc::Process& p, uint64_t size) {
  uint64_t top = p.layout.mmap_top;
  for (;;) {
    if (top < p.layout.mmap_floor + size)
      return 0;
    const uint64_t begin = top - size;
    const uint64_t mapped = paging::next_mapped(p.space, begin, top);
    const uint64_t reserved = p.mappings.first_overlap(begin, top);
    const uint64_t in_the_way = mapped < reserved ? mapped : reserved;
    if (in_the_way == top)
      return begin;
    top = layout::page_round_down(in_the_way);  // below whatever is there
  }
}

}  // namespace

int64_t sys_brk(Frame& f) {
  proc::Process& p = proc::current();
  const uint64_t requested = arg0(f);
  proc::UserLayout& l = p.layout;
  // Out of range (including 0, the query): the current break, as Linux.
  if (requested < l.brk_start || requested >= l.mmap_floor)
    return static_cast<int64_t>(l.brk);
  const uint64_t old_end = layout::page_round_up(l.brk);
  const uint64_t new_end = layout::page_round_up(requested);
  LockGuard guard(p.mappings.lock);
  if (!p.mappings.has_room())
    return static_cast<int64_t>(l.brk);
  if (new_end > old_end) {
    if (!range_free(p, old_end, new_end) ||
        !may_reserve(kProtWrite, 0, (new_end - old_end) / kPageSize)) {
      return static_cast<int64_t>(l.brk);
    }
    p.mappings.add(old_end, new_end, kProtRead | kProtWrite, false);
  } else if (new_end < old_end) {
    unmap_range(p.space, new_end, old_end);
    p.mappings.remove(new_end, old_end);
    sched::shoot_down_tlb(p);
  }
  l.brk = requested;
  return static_cast<int64_t>(l.brk);
}

int64_t sys_mmap(Frame& f) {
  proc::Process& p = proc::current();
  const uint64_t hint = arg0(f), length = arg1(f), prot = arg2(f), flags = arg3(f);
  if (length == 0 || length > layout::kUserTop)
    return -abi::kEINVAL;
  if ((flags & (kMapShared | kMapPrivate)) == 0)
    return -abi::kEINVAL;
  if ((flags & kMapAnonymous) == 0)
    return -abi::kENODEV;  // FIXME: no file mappings (no open files)
  // FIXME: MAP_SHARED anonymous memory is private here: fork copies it.
  const uint64_t size = layout::page_round_up(length);
  const uint32_t protection = static_cast<uint32_t>(prot & (kProtRead | kProtWrite | kProtExec));
  LockGuard guard(p.mappings.lock);
  if (!p.mappings.has_room() || !may_reserve(prot, flags, size / kPageSize))
    return -abi::kENOMEM;
  uint64_t begin;
  if (flags & (kMapFixed | kMapFixedNoreplace)) {
    if (hint % kPageSize != 0 || hint < kLowestMapping || !proc::user_range_ok(hint, size))
      return -abi::kEINVAL;
    begin = hint;
    if (flags & kMapFixed) {
      unmap_range(p.space, begin, begin + size);
      sched::shoot_down_tlb(p);
    } else if (!range_free(p, begin, begin + size)) {
      return -abi::kEEXIST;
    }
  } else {
    // A hint is taken where it is free, as Linux does; otherwise the
    // highest free range below the VDSO.
    const uint64_t hinted = layout::page_round_down(hint);
    if (hinted >= kLowestMapping && proc::user_range_ok(hinted, size) &&
        range_free(p, hinted, hinted + size)) {
      begin = hinted;
    } else {
      begin = find_free_range(p, size);
      if (begin == 0)
        return -abi::kENOMEM;
    }
  }
  p.mappings.add(begin, begin + size, protection,
                 (flags & kMapNoreserve) != 0 || (protection & kProtWrite) == 0);
  return static_cast<int64_t>(begin);
}

int64_t sys_munmap(Frame& f) {
  const uint64_t begin = arg0(f), length = arg1(f);
  if (begin % kPageSize != 0 || length == 0 || !proc::user_range_ok(begin, length))
    return -abi::kEINVAL;
  proc::Process& p = proc::current();
  const uint64_t end = begin + layout::page_round_up(length);
  LockGuard guard(p.mappings.lock);
  if (!p.mappings.has_room())
    return -abi::kENOMEM;  // a hole in a mapping needs an entry
  unmap_range(p.space, begin, end);
  p.mappings.remove(begin, end);
  sched::shoot_down_tlb(p);
  return 0;
}

int64_t sys_mprotect(Frame& f) {
  const uint64_t begin = arg0(f), length = arg1(f), prot = arg2(f);
  if (begin % kPageSize != 0 || !proc::user_range_ok(begin, layout::page_round_up(length)))
    return -abi::kEINVAL;
  proc::Process& p = proc::current();
  const uint64_t end = begin + layout::page_round_up(length);
  const uint32_t protection = static_cast<uint32_t>(prot & (kProtRead | kProtWrite | kProtExec));
  LockGuard guard(p.mappings.lock);
  if (!range_in_use(p, begin, end))
    return -abi::kENOMEM;
  if (!p.mappings.has_room())
    return -abi::kENOMEM;
  for (uint64_t page = paging::next_mapped(p.space, begin, end); page < end;
       page = paging::next_mapped(p.space, page + kPageSize, end)) {
    const paging::Translation t = paging::translate(p.space, page);
    const bool data_page = layout::page_round_down(t.phys) == vdso_pages::data_page_phys();
    if (proc::is_shared_frame(t.phys) && ((prot & kProtWrite) || (data_page && (prot & kProtExec))))
      return -abi::kEACCES;
  }
  p.mappings.protect(begin, end, protection);
  for (uint64_t page = paging::next_mapped(p.space, begin, end); page < end;
       page = paging::next_mapped(p.space, page + kPageSize, end)) {
    paging::protect_page(p.space, page, proc::page_flags_for(protection));
  }
  sched::shoot_down_tlb(p);
  return 0;
}

// MADV_DONTNEED and MADV_FREE give the frames of a mapping's pages back
// (the next touch reads zeros, as Linux's private anonymous memory). The
// program's own pages are left alone (Linux would reread them from the
// file). Other advice is accepted and ignored.
int64_t sys_madvise(Frame& f) {
  const uint64_t begin = arg0(f), length = arg1(f), advice = arg2(f);
  if (begin % kPageSize != 0 || !proc::user_range_ok(begin, layout::page_round_up(length)))
    return -abi::kEINVAL;
  if (advice != kMadvDontneed && advice != kMadvFree)
    return 0;
  proc::Process& p = proc::current();
  const uint64_t end = begin + layout::page_round_up(length);
  LockGuard guard(p.mappings.lock);
  if (!range_in_use(p, begin, end))
    return -abi::kENOMEM;
  for (int i = 0; i < p.mappings.count(); ++i) {
    const proc::Mapping& m = p.mappings.at(i);
    const uint64_t from = m.begin > begin ? m.begin : begin;
    const uint64_t to = m.end < end ? m.end : end;
    if (from < to)
      unmap_range(p.space, from, to);
  }
  sched::shoot_down_tlb(p);
  return 0;
}

}  // namespace kernel::syscall
