// vdso.so as bytes inside the binary that links vdso_image_embedded: the
// seed's "code page stored in the system image". The bytes were checked by
// vdso-check before they were embedded, and their size and fingerprint are
// recorded in vdso/image/image_identity.h (generated) so that a kernel can
// refuse a corrupted copy at boot.
#pragma once

#include <stdint.h>

#include "vdso/image/fingerprint.h"

extern "C" {
// Page-aligned, so a host can map the image's pages directly.
extern const uint8_t vdso_image_start[];
extern const uint8_t vdso_image_end[];
}

namespace vdso::image {

inline const uint8_t* embedded_image() {
  return vdso_image_start;
}
inline uint64_t embedded_image_size() {
  return static_cast<uint64_t>(vdso_image_end - vdso_image_start);
}

}  // namespace vdso::image
