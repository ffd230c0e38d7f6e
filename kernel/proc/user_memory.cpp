#include <stddef.h>

#include "proc/user_memory.h"

#include "arch/x86_64/user_access.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/process.h"
#include "vdso/abi/linux.h"

extern "C" void* memset(void*, int, size_t);

namespace abi = vdso::abi;
namespace kernel::proc {
namespace {

using layout::kPageSize;

const void* user_address(uint64_t user) {
  return reinterpret_cast<const void*>(user);
}

}  // namespace

bool user_writable(uint64_t user_to, size_t bytes) {
  if (!user_range_ok(user_to, bytes))
    return false;
  if (bytes == 0)
    return true;
  // The first byte, then the first byte of every later page of the range.
  for (uint64_t at = user_to; at < user_to + bytes; at = layout::page_round_down(at) + kPageSize) {
    if (user_access_probe_write(at) != 0)
      return false;
  }
  return true;
}

bool user_range_ok(uint64_t begin, uint64_t bytes) {
  return begin <= layout::kUserTop && bytes <= layout::kUserTop - begin;
}

int copy_from_user(void* to, uint64_t user_from, size_t bytes) {
  if (!user_range_ok(user_from, bytes))
    return -abi::kEFAULT;
  return user_access_copy(to, user_address(user_from), bytes) == 0 ? 0 : -abi::kEFAULT;
}

int copy_to_user(uint64_t user_to, const void* from, size_t bytes) {
  if (!user_range_ok(user_to, bytes))
    return -abi::kEFAULT;
  return user_access_copy(const_cast<void*>(user_address(user_to)), from, bytes) == 0
             ? 0
             : -abi::kEFAULT;
}

size_t copy_to_user_partial(uint64_t user_to, const void* from, size_t bytes) {
  if (!user_range_ok(user_to, 1))
    return 0;
  // Up to the user top at most: the byte there would fault anyway.
  const uint64_t in_user_half = layout::kUserTop - user_to;
  const size_t tried = bytes < in_user_half ? bytes : in_user_half;
  return tried - user_access_copy(const_cast<void*>(user_address(user_to)), from, tried);
}

size_t copy_from_user_partial(void* to, uint64_t user_from, size_t bytes) {
  if (!user_range_ok(user_from, 1))
    return 0;
  const uint64_t in_user_half = layout::kUserTop - user_from;
  const size_t tried = bytes < in_user_half ? bytes : in_user_half;
  return tried - user_access_copy(to, user_address(user_from), tried);
}

int64_t copy_string_from_user(char* to, size_t capacity, uint64_t user_from) {
  if (capacity == 0)
    return -abi::kENAMETOOLONG;
  if (!user_range_ok(user_from, 1))
    return -abi::kEFAULT;
  // Never past the user top: a string that runs into it faults, as the
  // next byte would.
  const uint64_t in_user_half = layout::kUserTop - user_from;
  const uint64_t limit = capacity < in_user_half ? capacity : in_user_half;
  const int64_t length =
      user_access_copy_string(to, static_cast<const char*>(user_address(user_from)), limit);
  if (length < 0)
    return -abi::kEFAULT;
  if (static_cast<uint64_t>(length) == limit)
    return limit < capacity ? -abi::kEFAULT : -abi::kENAMETOOLONG;
  return length;
}

bool map_zeroed_page(paging::AddressSpace space, uint64_t virt, uint64_t flags) {
  // Keep a reserve so that page tables never run out (their allocation
  // panics): a process that wants more is refused, not the kernel.
  if (!may_fault_in_user_page())
    return false;
  const uint64_t frame = frames::allocate();
  if (frame == frames::kNoFrame)
    return false;
  memset(layout::phys_to_virt<void>(frame), 0, kPageSize);
  paging::map_page(space, virt, frame, flags);
  return true;
}

}  // namespace kernel::proc
