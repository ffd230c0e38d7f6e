// The kernel heap: explicit allocate/free (no operator new, so allocation is
// never hidden), 16-byte aligned, first fit over a free list with boundary
// tags so that a freed block merges with free neighbours at once. Grows by
// mapping frames at its end, up to layout::kHeapMaxBytes.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::heap {

inline constexpr size_t kAlignment = 16;

void init();
// Null when the heap cannot grow. Contents are not zeroed.
void* allocate(size_t bytes);
// Panics on a pointer the heap did not hand out or already freed.
void free(void* pointer);

struct Stats {
  uint64_t mapped_bytes;
  uint64_t free_bytes;
  uint64_t free_blocks;
};
Stats stats();

}  // namespace kernel::heap
