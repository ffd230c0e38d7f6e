// The memory functions the compiler may call on its own (struct copies,
// zero-initialisation), which a freestanding kernel must provide. String
// instructions: no SSE in the kernel, and the loops cannot be turned back
// into calls to themselves.
#include <stddef.h>
#include <stdint.h>

extern "C" {

void* memcpy(void* dest, const void* src, size_t n) {
  void* d = dest;
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dest;
}

void* memset(void* dest, int value, size_t n) {
  void* d = dest;
  asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(value) : "memory");
  return dest;
}

void* memmove(void* dest, const void* src, size_t n) {
  if (dest <= src || static_cast<const uint8_t*>(src) + n <= static_cast<uint8_t*>(dest)) {
    return memcpy(dest, src, n);
  }
  // Overlap with dest above src: copy backwards.
  void* d = static_cast<uint8_t*>(dest) + n - 1;
  const void* s = static_cast<const uint8_t*>(src) + n - 1;
  asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return dest;
}

int memcmp(const void* a, const void* b, size_t n) {
  const auto* pa = static_cast<const uint8_t*>(a);
  const auto* pb = static_cast<const uint8_t*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (pa[i] != pb[i])
      return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0')
    ++n;
  return n;
}

}  // extern "C"
