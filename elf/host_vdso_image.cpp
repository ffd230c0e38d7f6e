#include "vdso/elf/host_vdso_image.h"

#include <sys/auxv.h>
#include <unistd.h>

#include "vdso/elf/elf64.h"
#include "vdso/elf/loaded_image.h"

namespace vdso::elf {
namespace {

// The extent from the image's own program headers rather than from
// /proc/self/maps: no file to open, so it also works in a chroot or a
// sandbox without /proc. The kernel maps its vDSO whole, in pages, with
// the ELF header and program headers in the first one.
HostVdsoImage find_host_vdso() {
  HostVdsoImage host;
  const auto* base = reinterpret_cast<const uint8_t*>(getauxval(AT_SYSINFO_EHDR));
  if (base == nullptr)
    return host;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const auto* header = reinterpret_cast<const Ehdr*>(base);
  // Only the first page is known to be mapped before the headers are read.
  if (header->phentsize != sizeof(Phdr) || header->phoff > page ||
      header->phnum > (page - header->phoff) / sizeof(Phdr)) {
    return host;
  }
  const auto* phdrs = reinterpret_cast<const Phdr*>(base + header->phoff);
  uint64_t end = 0;
  for (uint16_t i = 0; i < header->phnum; ++i) {
    if (phdrs[i].type == kPtLoad && phdrs[i].offset + phdrs[i].filesz > end)
      end = phdrs[i].offset + phdrs[i].filesz;
  }
  if (end == 0)
    return host;
  host.base = base;
  host.size = (end + page - 1) / page * page;
  return host;
}

}  // namespace

const void* HostVdsoImage::symbol(const char* name) const {
  if (!present())
    return nullptr;
  return resolve_vdso_symbol(base, size, name, "LINUX_2.6");
}

const HostVdsoImage& host_vdso_image() {
  static const HostVdsoImage host = find_host_vdso();
  return host;
}

}  // namespace vdso::elf
