// Access to the current process's memory from a system call. Every user
// pointer is checked against the page tables before it is touched (present,
// user, and writable for writes), and the bytes are moved through the
// direct map: a bad pointer is an -EFAULT, never a kernel page fault. A page
// of a mapping not touched yet is faulted in here as the CPU would
// (resolve_user_fault).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/paging.h"

namespace kernel::proc {

// 0 or -EFAULT. Nothing is written on -EFAULT from copy_to_user only if
// the first page is bad: like Linux, a partial copy may have happened.
int copy_from_user(void* to, uint64_t user_from, size_t bytes);
int copy_to_user(uint64_t user_to, const void* from, size_t bytes);

// A NUL-terminated string of at most `capacity - 1` bytes: its length, or
// -EFAULT, or -ENAMETOOLONG when it does not fit.
int64_t copy_string_from_user(char* to, size_t capacity, uint64_t user_from);

template <typename T>
int read_user(uint64_t user_from, T& value) {
  return copy_from_user(&value, user_from, sizeof(T));
}
template <typename T>
int write_user(uint64_t user_to, const T& value) {
  return copy_to_user(user_to, &value, sizeof(T));
}

// Whether the current process may write [user_to, user_to + bytes) (the
// stack's on-demand pages faulted in): checked before consuming data that
// would be lost if the copy failed (a pipe read).
bool user_writable(uint64_t user_to, size_t bytes);

// Whether [begin, begin + bytes) lies in the user half (no overflow).
bool user_range_ok(uint64_t begin, uint64_t bytes);

// Maps a fresh zeroed frame at `virt` in `space` (not mapped yet) with
// `flags`; false when memory is short (may_allocate_user_frames).
bool map_zeroed_page(paging::AddressSpace space, uint64_t virt, uint64_t flags);

}  // namespace kernel::proc
