// Access to the current process's memory from a system call, for every
// mapping a process can have. The range is checked to lie in the user half
// (canonical, below the user top); then the CPU copies through the
// process's own page tables with the user address, as user code would
// (arch/x86_64/user_access.h): what the process may read, the kernel reads
// for it, and a write needs a page the process may write. A fault on the
// way is resolved as the process's own would be (proc::resolve_user_fault:
// a mapping's page touched for the first time) or ends the copy with
// -EFAULT; never a
// kernel fault. No page-table walk precedes the copy, so nothing can change
// between a check and the access (kernel/README.md, "User memory").
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/paging.h"

namespace kernel::proc {

// 0 or -EFAULT. Nothing is written on -EFAULT from copy_to_user only if
// the first page is bad: like Linux, a partial copy may have happened.
int copy_from_user(void* to, uint64_t user_from, size_t bytes);
int copy_to_user(uint64_t user_to, const void* from, size_t bytes);

// Copies [user_to, user_to + bytes) in order until a fault stops it: the
// bytes copied. For the calls that answer with a count of what reached
// the process (getrandom), as Linux's do.
size_t copy_to_user_partial(uint64_t user_to, const void* from, size_t bytes);
// The same from the process: the bytes copied from [user_from, ...) before
// a fault stopped the copy (a write to a file, as Linux's, keeps them).
size_t copy_from_user_partial(void* to, uint64_t user_from, size_t bytes);

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

// Whether the current process may write [user_to, user_to + bytes) now:
// one byte of each page is written with its own value, atomically, through
// the same path (a mapping's untouched pages are faulted in). Checked
// before consuming data that would be lost if the copy failed (a pipe
// read, epoll's events); the caller holds the kernel lock until its copy,
// so no other thread can unmap the range in between.
bool user_writable(uint64_t user_to, size_t bytes);

// Whether [begin, begin + bytes) lies in the user half (no overflow).
bool user_range_ok(uint64_t begin, uint64_t bytes);

// Maps a fresh zeroed frame at `virt` in `space` (not mapped yet) with
// `flags`; false when memory is short (may_allocate_user_frames).
bool map_zeroed_page(paging::AddressSpace space, uint64_t virt, uint64_t flags);

}  // namespace kernel::proc
