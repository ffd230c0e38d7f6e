#include <stddef.h>

#include "proc/user_memory.h"

#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/mappings.h"
#include "proc/process.h"
#include "vdso/abi/linux.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" void* memset(void*, int, size_t);

namespace abi = vdso::abi;
namespace kernel::proc {
namespace {

using layout::kPageSize;

// The kernel address of user page `virt` if it allows the access.
uint8_t* kernel_view(uint64_t virt, bool write) {
  const paging::AddressSpace space = current().space;
  paging::Translation t = paging::translate(space, virt);
  if (!t.present && resolve_user_fault(virt, write, false) == FaultResolution::kResolved)
    t = paging::translate(space, virt);
  if (!t.present || !t.user || (write && !t.writable))
    return nullptr;
  return layout::phys_to_virt<uint8_t>(t.phys);
}

template <bool kWrite>
int copy(uint8_t* kernel, uint64_t user, size_t bytes) {
  if (!user_range_ok(user, bytes))
    return -abi::kEFAULT;
  while (bytes > 0) {
    const size_t in_page = kPageSize - (user & (kPageSize - 1));
    const size_t chunk = bytes < in_page ? bytes : in_page;
    uint8_t* mapped = kernel_view(user, kWrite);
    if (mapped == nullptr)
      return -abi::kEFAULT;
    if (kWrite) {
      memcpy(mapped, kernel, chunk);
    } else {
      memcpy(kernel, mapped, chunk);
    }
    kernel += chunk;
    user += chunk;
    bytes -= chunk;
  }
  return 0;
}

}  // namespace

bool user_writable(uint64_t user_to, size_t bytes) {
  if (!user_range_ok(user_to, bytes))
    return false;
  for (uint64_t page = layout::page_round_down(user_to); page < user_to + bytes;
       page += kPageSize) {
    if (kernel_view(page, true) == nullptr)
      return false;
  }
  return true;
}

bool user_range_ok(uint64_t begin, uint64_t bytes) {
  return begin <= layout::kUserTop && bytes <= layout::kUserTop - begin;
}

int copy_from_user(void* to, uint64_t user_from, size_t bytes) {
  return copy<false>(static_cast<uint8_t*>(to), user_from, bytes);
}

int copy_to_user(uint64_t user_to, const void* from, size_t bytes) {
  return copy<true>(static_cast<uint8_t*>(const_cast<void*>(from)), user_to, bytes);
}

int64_t copy_string_from_user(char* to, size_t capacity, uint64_t user_from) {
  for (size_t i = 0; i < capacity; ++i) {
    if (!user_range_ok(user_from + i, 1) || user_from + i < user_from)
      return -abi::kEFAULT;
    const uint8_t* mapped = kernel_view(layout::page_round_down(user_from + i), false);
    if (mapped == nullptr)
      return -abi::kEFAULT;
    to[i] = static_cast<char>(mapped[(user_from + i) & (kPageSize - 1)]);
    if (to[i] == '\0')
      return static_cast<int64_t>(i);
  }
  return -abi::kENAMETOOLONG;
}

bool map_zeroed_page(paging::AddressSpace space, uint64_t virt, uint64_t flags) {
  // Keep a reserve so that page tables never run out (their allocation
  // panics): a process that wants more is refused, not the kernel.
  if (!may_allocate_user_frames(1))
    return false;
  const uint64_t frame = frames::allocate();
  if (frame == frames::kNoFrame)
    return false;
  memset(layout::phys_to_virt<void>(frame), 0, kPageSize);
  paging::map_page(space, virt, frame, flags);
  return true;
}

}  // namespace kernel::proc
