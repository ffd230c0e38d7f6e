#include "mm/heap.h"

#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "mm/paging.h"

namespace kernel::heap {
namespace {

// Every block starts with a header; the heap ends with a zero-size used
// header (the sentinel), so walking forward always stops. prev_size makes
// the block before reachable for merging.
struct Block {
  uint64_t size_and_used;  // total size including header; bit 0: in use
  uint64_t prev_size;      // 0 for the first block
};
static_assert(sizeof(Block) == kAlignment);

// Links of a free block, stored in its payload.
struct FreeLinks {
  Block* next;
  Block* prev;
};

constexpr uint64_t kUsed = 1;
constexpr uint64_t kMinBlock = sizeof(Block) + sizeof(FreeLinks);
constexpr uint64_t kGrowBytes = 64 * 1024;

Block* free_list = nullptr;
Block* sentinel = nullptr;
uint64_t mapped_end = layout::kHeapBase;

uint64_t size_of(const Block* b) {
  return b->size_and_used & ~kUsed;
}
bool used(const Block* b) {
  return b->size_and_used & kUsed;
}
FreeLinks& links(Block* b) {
  return *reinterpret_cast<FreeLinks*>(b + 1);
}
Block* next_of(Block* b) {
  return reinterpret_cast<Block*>(reinterpret_cast<uint8_t*>(b) + size_of(b));
}
Block* prev_of(Block* b) {
  return b->prev_size == 0 ? nullptr
                           : reinterpret_cast<Block*>(reinterpret_cast<uint8_t*>(b) - b->prev_size);
}

void list_insert(Block* b) {
  links(b) = {free_list, nullptr};
  if (free_list != nullptr)
    links(free_list).prev = b;
  free_list = b;
}
void list_remove(Block* b) {
  FreeLinks& l = links(b);
  if (l.prev != nullptr) {
    links(l.prev).next = l.next;
  } else {
    free_list = l.next;
  }
  if (l.next != nullptr)
    links(l.next).prev = l.prev;
}

void set_size(Block* b, uint64_t size, bool in_use) {
  b->size_and_used = size | (in_use ? kUsed : 0);
  next_of(b)->prev_size = size;
}

// Merges `b` (free, not on the list) with free neighbours, then lists it.
void release(Block* b) {
  Block* next = next_of(b);
  if (!used(next)) {
    list_remove(next);
    set_size(b, size_of(b) + size_of(next), false);
  }
  Block* prev = prev_of(b);
  if (prev != nullptr && !used(prev)) {
    list_remove(prev);
    set_size(prev, size_of(prev) + size_of(b), false);
    b = prev;
  }
  list_insert(b);
}

bool map_up_to(uint64_t end) {
  while (mapped_end < end) {
    if (mapped_end >= layout::kHeapBase + layout::kHeapMaxBytes)
      return false;
    const uint64_t frame = frames::allocate();
    if (frame == frames::kNoFrame)
      return false;
    paging::map_page(paging::kernel_space(), mapped_end, frame,
                     paging::kWritable | paging::kNoExecute | paging::kGlobal);
    mapped_end += layout::kPageSize;
  }
  return true;
}

// Turns the sentinel into a free block of at least `bytes` and puts a new
// sentinel after it.
bool grow(uint64_t bytes) {
  const uint64_t add = bytes > kGrowBytes ? layout::page_round_up(bytes) : kGrowBytes;
  const uint64_t new_sentinel = reinterpret_cast<uint64_t>(sentinel) + add;
  if (!map_up_to(new_sentinel + sizeof(Block)))
    return false;
  Block* b = sentinel;
  sentinel = reinterpret_cast<Block*>(new_sentinel);
  sentinel->size_and_used = kUsed;
  set_size(b, add, false);
  release(b);
  return true;
}

}  // namespace

void init() {
  if (!map_up_to(layout::kHeapBase + layout::kPageSize))
    PANIC("no memory for the heap");
  sentinel = reinterpret_cast<Block*>(layout::kHeapBase);
  sentinel->size_and_used = kUsed;
  sentinel->prev_size = 0;
}

void* allocate(size_t bytes) {
  if (bytes > layout::kHeapMaxBytes)
    return nullptr;
  uint64_t need = sizeof(Block) + ((bytes + kAlignment - 1) & ~(kAlignment - 1));
  if (need < kMinBlock)
    need = kMinBlock;
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (Block* b = free_list; b != nullptr; b = links(b).next) {
      if (size_of(b) < need)
        continue;
      list_remove(b);
      const uint64_t rest = size_of(b) - need;
      if (rest >= kMinBlock) {
        set_size(b, need, true);
        Block* tail = next_of(b);
        set_size(tail, rest, false);
        list_insert(tail);
      } else {
        set_size(b, size_of(b), true);
      }
      return b + 1;
    }
    if (!grow(need))
      return nullptr;
  }
  return nullptr;
}

void free(void* pointer) {
  if (pointer == nullptr)
    return;
  const auto address = reinterpret_cast<uint64_t>(pointer);
  Block* b = static_cast<Block*>(pointer) - 1;
  if (address % kAlignment != 0 || address < layout::kHeapBase + sizeof(Block) ||
      address >= reinterpret_cast<uint64_t>(sentinel) || !used(b)) {
    PANIC("heap::free(%p): not a live heap block", pointer);
  }
  set_size(b, size_of(b), false);
  release(b);
}

Stats stats() {
  Stats s{mapped_end - layout::kHeapBase, 0, 0};
  for (Block* b = free_list; b != nullptr; b = links(b).next) {
    s.free_bytes += size_of(b);
    ++s.free_blocks;
  }
  return s;
}

}  // namespace kernel::heap
