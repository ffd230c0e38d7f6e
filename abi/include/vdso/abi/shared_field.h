// Access to a field the writer and readers share: every load and store is
// an __atomic builtin, so that a concurrent read is never a data race (the
// seqcount then decides whether the copy is consistent). Freestanding.
#pragma once

#include <stdint.h>

namespace vdso::abi {

template <typename T>
inline T load_relaxed(const T& field) {
  return __atomic_load_n(&field, __ATOMIC_RELAXED);
}
template <typename T>
inline void store_relaxed(T& field, T value) {
  __atomic_store_n(&field, value, __ATOMIC_RELAXED);
}

// Copies of a shared character field (the configuration's strings), each
// access atomic.
inline void store_bytes_relaxed(void* to, const void* from, uint64_t size) {
  auto* d = static_cast<uint8_t*>(to);
  const auto* s = static_cast<const uint8_t*>(from);
  for (uint64_t i = 0; i < size; ++i)
    __atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
}
// A reader copies whole words where the field is word-aligned (the page's
// strings are): an eighth of the loads of a byte loop.
inline void load_bytes_relaxed(void* to, const void* from, uint64_t size) {
  auto* d = static_cast<uint8_t*>(to);
  const auto* s = static_cast<const uint8_t*>(from);
  uint64_t i = 0;
  if (reinterpret_cast<uintptr_t>(s) % 8 == 0) {
    for (; i + 8 <= size; i += 8) {
      const uint64_t word =
          __atomic_load_n(reinterpret_cast<const uint64_t*>(s + i), __ATOMIC_RELAXED);
      __builtin_memcpy(d + i, &word, 8);
    }
  }
  for (; i < size; ++i)
    d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

}  // namespace vdso::abi
