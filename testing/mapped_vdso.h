// The VDSO mapped into the calling process at its real layout (ChainPage,
// DataPage, then the image, read+execute), for tests and benchmarks that
// call the image's functions directly. The pages stay writable for the
// caller (a Timekeeper on data_page(), a chain target on chain_page()); the
// image is executable and not writable.
#pragma once

#include <stdint.h>

#include <memory>
#include <span>

#include "vdso/abi/data_page.h"

namespace vdso::testing {

using ClockGettimeFn = int (*)(int, abi::Timespec*);
using ClockGetresFn = int (*)(int, abi::Timespec*);
using GettimeofdayFn = int (*)(abi::Timeval*, abi::Timezone*);
using TimeFn = int64_t (*)(int64_t*);

class MappedVdso {
 public:
  // Maps a copy of `image` (default: the embedded vdso.so). Aborts the test
  // program with a message if mapping fails.
  static std::unique_ptr<MappedVdso> map(std::span<const uint8_t> image);
  static std::unique_ptr<MappedVdso> map_embedded();
  ~MappedVdso();

  abi::DataPage& data_page() { return *data_page_; }
  abi::ChainPage& chain_page() { return *chain_page_; }
  const uint8_t* image() const { return image_; }
  uint64_t image_size() const { return image_size_; }

  // name@LINUX_2.6 in the mapped image through our resolver, or null.
  const void* symbol(const char* name) const;
  template <typename Fn>
  Fn function(const char* name) const {
    return reinterpret_cast<Fn>(const_cast<void*>(symbol(name)));
  }

 private:
  MappedVdso() = default;
  uint8_t* mapping_ = nullptr;
  uint64_t mapping_size_ = 0;
  abi::ChainPage* chain_page_ = nullptr;
  abi::DataPage* data_page_ = nullptr;
  const uint8_t* image_ = nullptr;
  uint64_t image_size_ = 0;
};

}  // namespace vdso::testing
