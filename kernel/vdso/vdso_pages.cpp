#include "vdso/vdso_pages.h"

#include "console/print.h"
#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "vdso/elf/image_check.h"
#include "vdso/image/embedded_image.h"
#include "vdso/image/fingerprint.h"
#include "vdso/image/image_identity.h"

namespace kernel::vdso_pages {
namespace {

namespace abi = vdso::abi;

uint64_t data_phys = frames::kNoFrame;

uint64_t allocate_zeroed_frame() {
  const uint64_t phys = frames::allocate();
  if (phys == frames::kNoFrame)
    PANIC("out of memory for a VDSO page");
  auto* bytes = layout::phys_to_virt<uint8_t>(phys);
  for (uint64_t i = 0; i < layout::kPageSize; ++i)
    bytes[i] = 0;
  return phys;
}

}  // namespace

const char* describe(ImageStatus status) {
  switch (status) {
    case ImageStatus::kValid: return "valid";
    case ImageStatus::kWrongSize: return "size differs from the one recorded at build time";
    case ImageStatus::kWrongFingerprint:
      return "fingerprint differs from the one recorded at build time";
    case ImageStatus::kBrokenContract: return "breaks the VDSO's ELF contract";
  }
  return "unknown";
}

ImageStatus validate_image(const uint8_t* image, uint64_t size) {
  if (size != vdso::image::kImageSize)
    return ImageStatus::kWrongSize;
  if (vdso::image::fingerprint(image, size) != vdso::image::kImageFingerprint) {
    return ImageStatus::kWrongFingerprint;
  }
  if (!vdso::elf::check_vdso_image(image, size).ok())
    return ImageStatus::kBrokenContract;
  return ImageStatus::kValid;
}

void require_valid_image(const uint8_t* image, uint64_t size) {
  const ImageStatus status = validate_image(image, size);
  if (status == ImageStatus::kValid)
    return;
  const vdso::elf::ImageReport report = vdso::elf::check_vdso_image(image, size);
  for (uint32_t d = 0; d < vdso::elf::kImageDefectCount; ++d) {
    const auto defect = static_cast<vdso::elf::ImageDefect>(d);
    if (report.has(defect))
      kprint("vdso: %s\n", vdso::elf::describe(defect));
  }
  PANIC("embedded vdso.so refused: %s", describe(status));
}

void init() {
  const uint8_t* image = vdso::image::embedded_image();
  const uint64_t size = vdso::image::embedded_image_size();
  require_valid_image(image, size);
  if (reinterpret_cast<uint64_t>(image) % layout::kPageSize != 0) {
    PANIC("embedded vdso.so is not page aligned");
  }
  data_phys = allocate_zeroed_frame();
  kprint("vdso: image %lu bytes, fingerprint %016lx verified; data page at phys 0x%lx\n", size,
         vdso::image::kImageFingerprint, data_phys);
}

abi::DataPage& data_page() {
  return *layout::phys_to_virt<abi::DataPage>(data_phys);
}
uint64_t data_page_phys() {
  return data_phys;
}
uint64_t image_phys() {
  return layout::image_phys(vdso::image::embedded_image());
}
uint64_t image_size() {
  return vdso::image::embedded_image_size();
}

Mapping map_into(paging::AddressSpace space, uint64_t user_base) {
  if (user_base % layout::kPageSize != 0 ||
      user_base + (abi::kPagesBeforeImage * layout::kPageSize) + image_size() > layout::kUserTop) {
    PANIC("VDSO base 0x%lx is not a user page", user_base);
  }
  const Mapping mapping{user_base, user_base + layout::kPageSize,
                        user_base + abi::kPagesBeforeImage * layout::kPageSize};
  static_assert(abi::kDataPageOffsetFromImage == -static_cast<int64_t>(layout::kPageSize));
  static_assert(abi::kChainPageOffsetFromImage == -2 * static_cast<int64_t>(layout::kPageSize));

  const uint64_t chain_phys = allocate_zeroed_frame();
  auto& chain = *layout::phys_to_virt<abi::ChainPage>(chain_phys);
  chain.layout_version = abi::kLayoutVersion;
  chain.magic = abi::kChainPageMagic;

  const uint64_t read_only_data = paging::kUser | paging::kNoExecute;
  const uint64_t read_execute = paging::kUser;
  paging::map_page(space, mapping.chain_page, chain_phys, read_only_data);
  paging::map_page(space, mapping.data_page, data_phys, read_only_data);
  for (uint64_t offset = 0; offset < image_size(); offset += layout::kPageSize) {
    paging::map_page(space, mapping.image + offset, image_phys() + offset, read_execute);
  }
  return mapping;
}

}  // namespace kernel::vdso_pages
