// The data page's seqcount: one writer, any number of lock-free readers.
// Every reader takes its copy through read_consistent, which runs the copy
// until it ran under one even, unchanged seq:
//
//   const Timespec t = read_consistent(page, [&] { return copy of fields; });
//
// built on the two steps Linux names vdso_read_begin and vdso_read_retry.
// The writer is write_begin(page); store fields; write_end(page).
#pragma once

#include <stdint.h>

#include "vdso/abi/data_page.h"
#include "vdso/arch/counter.h"

namespace vdso::abi {

// One attempt to begin a read: false while a write is in progress. Reloads
// seq on every call: a reader must never spin on a value it loaded once
// (the compiler may hoist that load and hang).
inline bool read_begin(const DataPage& page, uint32_t* seq) {
  *seq = __atomic_load_n(&page.seq, __ATOMIC_ACQUIRE);
  return (*seq & 1) == 0;
}

// True when the fields copied since read_begin may be torn: copy again.
inline bool read_retry(const DataPage& page, uint32_t begin_seq) {
  // Orders the field loads before the re-check of seq.
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  return __atomic_load_n(&page.seq, __ATOMIC_RELAXED) != begin_seq;
}

// What `copy` returns, from a run under one even, unchanged seq. Shaped so
// that the common case (no write in progress) is a straight line with no
// taken branch: the image's coarse path is this plus two loads.
template <typename Copy>
inline auto read_consistent(const DataPage& page, Copy copy) {
  for (;;) {
    uint32_t seq;
    if (__builtin_expect(read_begin(page, &seq), 1)) {
      const auto value = copy();
      if (__builtin_expect(!read_retry(page, seq), 1))
        return value;
    }
    arch::cpu_relax();
  }
}

inline void write_begin(DataPage& page) {
  const uint32_t seq = __atomic_load_n(&page.seq, __ATOMIC_RELAXED);
  __atomic_store_n(&page.seq, seq + 1, __ATOMIC_RELAXED);
  // Orders the odd seq before the field stores that follow.
  __atomic_thread_fence(__ATOMIC_RELEASE);
}

inline void write_end(DataPage& page) {
  const uint32_t seq = __atomic_load_n(&page.seq, __ATOMIC_RELAXED);
  __atomic_store_n(&page.seq, seq + 1, __ATOMIC_RELEASE);
}

}  // namespace vdso::abi
