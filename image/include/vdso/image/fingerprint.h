// The identity of an image: recorded by vdso-check at build time, checked
// by a kernel against the copy embedded in it. Freestanding.
#pragma once

#include <stdint.h>

namespace vdso::image {

// FNV-1a (64-bit) over the image bytes.
constexpr uint64_t fingerprint(const uint8_t* bytes, uint64_t size) {
  uint64_t hash = 0xcbf29ce484222325;
  for (uint64_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3;
  }
  return hash;
}

}  // namespace vdso::image
