// Kernel init for vdso-run (seed steps 1 and 2): the data page and the code
// page, created once at start and shared by every process of the tree.
//
// Both live in one sealed memfd, laid out [DataPage][vdso.so pages], so a
// process maps them from a single fd. The supervisor keeps the only
// writable mapping (of the data page), made before the memfd is sealed with
// F_SEAL_FUTURE_WRITE: from then on nobody, not even root through
// /proc/PID/map_files, can write either page or map it writable.
#pragma once

#include <stdint.h>

#include "result.h"
#include "vdso/abi/data_page.h"

namespace vdso::run {

class VdsoMemory {
 public:
  // Creates, fills and seals the memfd; on failure, an error naming the
  // step.
  Result<void> create();

  VdsoMemory() = default;
  VdsoMemory(const VdsoMemory&) = delete;
  VdsoMemory& operator=(const VdsoMemory&) = delete;
  ~VdsoMemory();

  int fd() const { return fd_; }
  // The supervisor's writable view of the data page: the Timekeeper's page.
  abi::DataPage& data_page() { return *data_page_; }
  // Bytes of the image in the memfd (a page multiple), at offset kPageSize.
  uint64_t image_size() const { return image_size_; }
  // Bytes a process maps: chain page + data page + image.
  uint64_t mapping_size() const { return abi::kPagesBeforeImage * abi::kPageSize + image_size_; }

 private:
  int fd_ = -1;
  abi::DataPage* data_page_ = nullptr;
  uint64_t image_size_ = 0;
};

}  // namespace vdso::run
