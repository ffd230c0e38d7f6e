// How the host tools choose QEMU's accelerator: KVM only when the device
// really opens and answers the KVM API (it may exist without permission,
// or be absent, as on the machine this was written on); TCG otherwise.
// VDSO_KERNEL_ACCEL=tcg forces TCG. Shared by kernel-qemu-run and
// vdso-kernel-run.
#pragma once

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace vdso_kernel_tools {

inline bool kvm_usable(std::string& why_not) {
  const char* forced = std::getenv("VDSO_KERNEL_ACCEL");
  if (forced != nullptr && std::strcmp(forced, "tcg") == 0) {
    why_not = "VDSO_KERNEL_ACCEL=tcg";
    return false;
  }
  const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    why_not = std::string("/dev/kvm: ") + std::strerror(errno);
    return false;
  }
  const int version = ioctl(fd, KVM_GET_API_VERSION, 0);
  close(fd);
  if (version != KVM_API_VERSION) {
    why_not = "/dev/kvm does not answer KVM_GET_API_VERSION";
    return false;
  }
  return true;
}

}  // namespace vdso_kernel_tools
