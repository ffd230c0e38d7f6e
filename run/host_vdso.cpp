#include "host_vdso.h"

#include <cstring>

#include "vdso/elf/host_vdso_image.h"

namespace vdso::run {

HostVdso HostVdso::resolve() {
  HostVdso host;
  const elf::HostVdsoImage& image = elf::host_vdso_image();
  if (!image.present())
    return host;
  const auto offset_of = [&](const char* name) -> uint64_t {
    const void* fn = image.symbol(name);
    return fn == nullptr ? 0
                         : reinterpret_cast<uint64_t>(fn) - reinterpret_cast<uint64_t>(image.base);
  };
  host.clock_gettime_ = offset_of("__vdso_clock_gettime");
  host.gettimeofday_ = offset_of("__vdso_gettimeofday");
  host.clock_getres_ = offset_of("__vdso_clock_getres");
  host.getcpu_ = offset_of("__vdso_getcpu");
  host.present_ = true;
  return host;
}

abi::ChainPage HostVdso::chain_for(uint64_t host_base) const {
  abi::ChainPage chain;
  std::memset(&chain, 0, sizeof(chain));
  chain.magic = abi::kChainPageMagic;
  chain.layout_version = abi::kLayoutVersion;
  const auto target = [&](uint64_t offset) -> uint64_t {
    return host_base != 0 && offset != 0 ? host_base + offset : 0;
  };
  chain.clock_gettime = target(clock_gettime_);
  chain.gettimeofday = target(gettimeofday_);
  chain.clock_getres = target(clock_getres_);
  chain.getcpu = target(getcpu_);
  return chain;
}

}  // namespace vdso::run
