#include "host_vdso.h"

#include <sys/auxv.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "vdso/elf/loaded_image.h"

namespace vdso::run {
namespace {

// The extent of the [vdso] mapping at `base`, from /proc/self/maps.
uint64_t vdso_mapping_size(uint64_t base) {
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr)
    return 0;
  uint64_t size = 0;
  char line[512];
  while (std::fgets(line, sizeof(line), maps) != nullptr) {
    uint64_t start = 0, end = 0;
    if (std::sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 && start == base) {
      size = end - start;
      break;
    }
  }
  std::fclose(maps);
  return size;
}

}  // namespace

HostVdso HostVdso::resolve() {
  HostVdso host;
  const uint64_t base = getauxval(AT_SYSINFO_EHDR);
  if (base == 0)
    return host;
  const uint64_t size = vdso_mapping_size(base);
  if (size == 0)
    return host;
  const auto offset_of = [&](const char* name) -> uint64_t {
    const void* fn =
        elf::resolve_vdso_symbol(reinterpret_cast<const void*>(base), size, name, "LINUX_2.6");
    return fn == nullptr ? 0 : reinterpret_cast<uint64_t>(fn) - base;
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
