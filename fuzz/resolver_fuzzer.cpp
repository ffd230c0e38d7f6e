// libFuzzer target: the resolver and the image checker on arbitrary bytes.
// Built with clang, AddressSanitizer and UBSan; any out-of-bounds read,
// misaligned access or overflow is a crash. A symbol found must lie inside
// the buffer.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <initializer_list>

#include "vdso/elf/image_check.h"
#include "vdso/elf/loaded_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size, suitably aligned copy: reads past `size` hit ASan's
  // redzone, as they would hit an unmapped page after a real image.
  uint8_t* image = static_cast<uint8_t*>(aligned_alloc(16, size == 0 ? 16 : (size + 15) & ~15ul));
  memcpy(image, data, size);

  for (const auto& symbol : vdso::elf::kRequiredSymbols) {
    for (auto table : {vdso::elf::HashTable::kGnu, vdso::elf::HashTable::kSysv}) {
      vdso::elf::LoadedImage loaded;
      if (!vdso::elf::LoadedImage::parse(image, size, &loaded))
        break;
      const void* found = loaded.lookup(symbol.name, symbol.version, table);
      if (found != nullptr && (found < static_cast<const void*>(image) ||
                               found >= static_cast<const void*>(image + size))) {
        abort();
      }
    }
  }
  (void)vdso::elf::check_vdso_image(image, size);
  free(image);
  return 0;
}
