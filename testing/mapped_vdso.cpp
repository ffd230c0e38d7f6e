#include "mapped_vdso.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "vdso/elf/loaded_image.h"
#include "vdso/image/embedded_image.h"

namespace vdso::testing {

std::unique_ptr<MappedVdso> MappedVdso::map(std::span<const uint8_t> image) {
  const uint64_t page = abi::kPageSize;
  const uint64_t image_pages = (image.size() + page - 1) / page;
  const uint64_t total = (abi::kPagesBeforeImage + image_pages) * page;
  void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    std::perror("MappedVdso: mmap");
    std::abort();
  }
  std::unique_ptr<MappedVdso> vdso(new MappedVdso);
  vdso->mapping_ = static_cast<uint8_t*>(base);
  vdso->mapping_size_ = total;
  uint8_t* image_base = vdso->mapping_ + abi::kPagesBeforeImage * page;
  std::memcpy(image_base, image.data(), image.size());
  if (mprotect(image_base, image_pages * page, PROT_READ | PROT_EXEC) != 0) {
    std::perror("MappedVdso: mprotect");
    std::abort();
  }
  vdso->image_ = image_base;
  vdso->image_size_ = image.size();
  vdso->data_page_ = reinterpret_cast<abi::DataPage*>(image_base + abi::kDataPageOffsetFromImage);
  vdso->chain_page_ =
      reinterpret_cast<abi::ChainPage*>(image_base + abi::kChainPageOffsetFromImage);
  vdso->chain_page_->magic = abi::kChainPageMagic;
  vdso->chain_page_->layout_version = abi::kLayoutVersion;
  return vdso;
}

std::unique_ptr<MappedVdso> MappedVdso::map_embedded() {
  return map({image::embedded_image(), image::embedded_image_size()});
}

MappedVdso::~MappedVdso() {
  munmap(mapping_, mapping_size_);
}

const void* MappedVdso::symbol(const char* name) const {
  return elf::resolve_vdso_symbol(image_, image_size_, name, "LINUX_2.6");
}

}  // namespace vdso::testing
