#include "vdso_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vdso/image/embedded_image.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: the image pages are mapped executable
#endif

namespace vdso::run {

Result<void> VdsoMemory::create() {
  image_size_ = image::embedded_image_size();
  const uint64_t file_size = abi::kPageSize + image_size_;

  fd_ = memfd_create("vdso-run", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd_ < 0 && errno == EINVAL) {
    // Kernels before 6.3 do not know MFD_EXEC; their memfds are executable.
    fd_ = memfd_create("vdso-run", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  }
  if (fd_ < 0)
    return Error::from_errno("memfd_create");
  if (ftruncate(fd_, static_cast<off_t>(file_size)) != 0)
    return Error::from_errno("ftruncate of the memfd");

  // The image is written once, through a mapping dropped before sealing.
  void* image = mmap(nullptr, image_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                     static_cast<off_t>(abi::kPageSize));
  if (image == MAP_FAILED)
    return Error::from_errno("mmap of the image pages");
  std::memcpy(image, image::embedded_image(), image_size_);
  munmap(image, image_size_);

  void* data = mmap(nullptr, abi::kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (data == MAP_FAILED)
    return Error::from_errno("mmap of the data page");
  data_page_ = static_cast<abi::DataPage*>(data);

  // Our writable mapping exists: from now on no one else can get one.
  const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL;
  if (fcntl(fd_, F_ADD_SEALS, seals) != 0)
    return Error::from_errno("sealing the memfd (F_SEAL_FUTURE_WRITE)");
  return {};
}

VdsoMemory::~VdsoMemory() {
  if (data_page_ != nullptr)
    munmap(data_page_, abi::kPageSize);
  if (fd_ >= 0)
    close(fd_);
}

}  // namespace vdso::run
