// brk and anonymous mmap/munmap/mprotect. Pages are allocated when mapped
// (no demand paging except the stack), and a reserve of free frames is
// kept for the kernel: a process that asks for too much gets ENOMEM.
// The VDSO's shared pages can be unmapped from a process but never made
// writable (EACCES, as Linux refuses for its vvar).
#include <stddef.h>

#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/process.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "vdso/abi/linux.h"
#include "vdso/vdso_pages.h"

extern "C" void* memset(void*, int, size_t);

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

using layout::kPageSize;

constexpr uint64_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;
constexpr uint64_t kMapShared = 0x01, kMapPrivate = 0x02, kMapFixed = 0x10, kMapAnonymous = 0x20,
                   kMapFixedNoreplace = 0x100000;
constexpr uint64_t kLowestMapping = 0x10000;  // mmap_min_addr

uint64_t page_flags(uint64_t prot) {
  // PROT_NONE keeps the page (the range stays reserved) but takes it away
  // from user mode.
  if ((prot & (kProtRead | kProtWrite | kProtExec)) == 0)
    return paging::kNoExecute;
  return paging::kUser | ((prot & kProtWrite) ? paging::kWritable : 0) |
         ((prot & kProtExec) ? 0 : paging::kNoExecute);
}

void unmap_range(paging::AddressSpace space, uint64_t begin, uint64_t end) {
  for (uint64_t page = paging::next_mapped(space, begin, end); page < end;
       page = paging::next_mapped(space, page + kPageSize, end)) {
    const paging::Translation t = paging::translate(space, page);
    paging::unmap_page(space, page);
    if (!proc::is_shared_frame(t.phys))
      frames::free(layout::page_round_down(t.phys));
  }
}

// Maps zeroed pages over [begin, end); on failure unmaps what it mapped.
bool map_zeroed_range(paging::AddressSpace space, uint64_t begin, uint64_t end, uint64_t flags) {
  const uint64_t pages = (end - begin) / kPageSize;
  if (!proc::may_allocate_user_frames(pages))
    return false;
  for (uint64_t page = begin; page < end; page += kPageSize) {
    if (!proc::map_zeroed_page(space, page, flags)) {
      unmap_range(space, begin, page);
      return false;
    }
  }
  return true;
}

bool range_free(paging::AddressSpace space, uint64_t begin, uint64_t end) {
  return paging::next_mapped(space, begin, end) == end;
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
  if (new_end > old_end) {
    if (!range_free(p.space, old_end, new_end) ||
        !map_zeroed_range(p.space, old_end, new_end,
                          paging::kUser | paging::kWritable | paging::kNoExecute)) {
      return static_cast<int64_t>(l.brk);
    }
  } else if (new_end < old_end) {
    unmap_range(p.space, new_end, old_end);
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
  if (!proc::may_allocate_user_frames(size / kPageSize))
    return -abi::kENOMEM;  // before any search or unmapping: pages are not lazy
  uint64_t begin;
  if (flags & (kMapFixed | kMapFixedNoreplace)) {
    if (hint % kPageSize != 0 || hint < kLowestMapping || !proc::user_range_ok(hint, size))
      return -abi::kEINVAL;
    begin = hint;
    if (flags & kMapFixed) {
      unmap_range(p.space, begin, begin + size);
    } else if (!range_free(p.space, begin, begin + size)) {
      return -abi::kEEXIST;
    }
  } else {
    // Top down below the VDSO; skip over anything already there.
    uint64_t top = p.layout.mmap_next;
    for (;;) {
      if (top < p.layout.mmap_floor + size)
        return -abi::kENOMEM;
      begin = top - size;
      const uint64_t in_the_way = paging::next_mapped(p.space, begin, top);
      if (in_the_way == top)
        break;
      top = in_the_way;  // below whatever is there
    }
    p.layout.mmap_next = begin;
  }
  if (!map_zeroed_range(p.space, begin, begin + size, page_flags(prot)))
    return -abi::kENOMEM;
  return static_cast<int64_t>(begin);
}

int64_t sys_munmap(Frame& f) {
  const uint64_t begin = arg0(f), length = arg1(f);
  if (begin % kPageSize != 0 || length == 0 || !proc::user_range_ok(begin, length))
    return -abi::kEINVAL;
  unmap_range(proc::current().space, begin, begin + layout::page_round_up(length));
  return 0;
}

int64_t sys_mprotect(Frame& f) {
  const uint64_t begin = arg0(f), length = arg1(f), prot = arg2(f);
  if (begin % kPageSize != 0 || !proc::user_range_ok(begin, layout::page_round_up(length)))
    return -abi::kEINVAL;
  const paging::AddressSpace space = proc::current().space;
  const uint64_t end = begin + layout::page_round_up(length);
  for (uint64_t page = begin; page < end; page += kPageSize) {
    const paging::Translation t = paging::translate(space, page);
    if (!t.present)
      return -abi::kENOMEM;
    const bool data_page = layout::page_round_down(t.phys) == vdso_pages::data_page_phys();
    if (proc::is_shared_frame(t.phys) && ((prot & kProtWrite) || (data_page && (prot & kProtExec))))
      return -abi::kEACCES;
  }
  for (uint64_t page = begin; page < end; page += kPageSize)
    paging::protect_page(space, page, page_flags(prot));
  return 0;
}

int64_t sys_madvise(Frame&) {
  return 0;  // advice only
}

}  // namespace kernel::syscall
