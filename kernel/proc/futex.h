// Futexes: threads waiting on a 32-bit word of their process's memory
// until another thread wakes that word. A waiter's state lives in its own
// Thread (futex_address, futex_bitset), so there is no queue to keep
// consistent: a wake scans the thread table, and a thread that ends while
// waiting leaves nothing behind. FIXME: a FUTEX_PRIVATE_FLAG-less futex
// is keyed by the process and the address like a private one, so a word
// shared between processes (MAP_SHARED) does not wake across them.
#pragma once

#include <stdint.h>

#include "proc/process.h"

namespace kernel::proc {

inline constexpr uint32_t kFutexBitsetAny = 0xffff'ffff;
inline constexpr int64_t kNoDeadline = -1;

// Blocks the current thread while the word at `address` holds `expected`,
// until a wake with a matching bitset, a deliverable signal (-EINTR) or
// MONOTONIC reaching `deadline_ns` (-ETIMEDOUT; kNoDeadline: none). The
// word is read once, before blocking (-EAGAIN if it differs, -EFAULT if it
// cannot be read), as Linux does.
int64_t futex_wait(uint64_t address, uint32_t expected, uint32_t bitset, int64_t deadline_ns);

// Wakes up to `count` threads of `p` waiting on `address` whose bitset
// shares a bit with `bitset`; returns how many.
int futex_wake(Process& p, uint64_t address, uint32_t bitset, int count);

// Wakes up to `wake_count` waiters on `address` and moves up to
// `requeue_count` of the rest to wait on `target`; returns both counts'
// sum.
int futex_requeue(Process& p, uint64_t address, int wake_count, uint64_t target, int requeue_count);

}  // namespace kernel::proc
