#include "host_configuration.h"

#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vdso/arch/x86_64/cpu_features.h"

namespace vdso::run {
namespace {

uint32_t sysconf_count(int name) {
  const long value = sysconf(name);
  return value > 0 ? static_cast<uint32_t>(value) : 0;
}

// What `mode` reads (TSC_AUX, or the segment's limit for LSL) is the CPU
// getcpu(2) reports on both sides of it.
bool tsc_aux_holds_the_cpu(abi::GetcpuMode mode) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    unsigned before = 0, after = 0, node = 0;
    syscall(SYS_getcpu, &before, &node, nullptr);
    arch::CpuAndNode read{};
    arch::read_cpu_and_node(static_cast<uint32_t>(mode), &read);
    syscall(SYS_getcpu, &after, nullptr, nullptr);
    if (before != after)
      continue;  // migrated in between: try again
    return read.cpu == before && read.node == node;
  }
  return false;
}

}  // namespace

abi::GetcpuMode detect_getcpu_mode() {
  const arch::TscAuxReaders readers = arch::tsc_aux_readers();
  if (readers.rdpid && tsc_aux_holds_the_cpu(abi::GetcpuMode::kRdpid))
    return abi::GetcpuMode::kRdpid;
  if (arch::cpu_node_segment_readable() && tsc_aux_holds_the_cpu(abi::GetcpuMode::kLsl))
    return abi::GetcpuMode::kLsl;
  if (readers.rdtscp && tsc_aux_holds_the_cpu(abi::GetcpuMode::kRdtscp))
    return abi::GetcpuMode::kRdtscp;
  return abi::GetcpuMode::kNone;
}

const char* getcpu_mode_name(abi::GetcpuMode mode) {
  const char* instruction = arch::getcpu_instruction_name(mode);
  return instruction != nullptr ? instruction : "none (chained to the host vDSO)";
}

HostConfiguration read_host_configuration() {
  HostConfiguration config{};
  abi::SystemInfo& info = config.system;
  info.cpus_configured = sysconf_count(_SC_NPROCESSORS_CONF);
  info.cpus_online = sysconf_count(_SC_NPROCESSORS_ONLN);
  const long page_size = sysconf(_SC_PAGESIZE);
  info.page_size = page_size > 0 ? static_cast<uint64_t>(page_size) : 0;
  struct sysinfo si {};
  if (sysinfo(&si) == 0)
    info.physical_memory_bytes = static_cast<uint64_t>(si.totalram) * si.mem_unit;
  // REALTIME at boot, as Linux derives it: REALTIME less the time since boot.
  timespec realtime, boottime;
  clock_gettime(CLOCK_REALTIME, &realtime);
  clock_gettime(CLOCK_BOOTTIME, &boottime);
  int64_t boot_ns = (realtime.tv_sec - boottime.tv_sec) * abi::kNanosecondsPerSecond +
                    (realtime.tv_nsec - boottime.tv_nsec);
  info.boot_time = {boot_ns / abi::kNanosecondsPerSecond, boot_ns % abi::kNanosecondsPerSecond};
  utsname uts{};
  if (uname(&uts) == 0) {
    abi::set_utsname_field(info.uts.sysname, uts.sysname);
    abi::set_utsname_field(info.uts.release, uts.release);
    abi::set_utsname_field(info.uts.version, uts.version);
    abi::set_utsname_field(info.uts.machine, uts.machine);
  }
  config.getcpu = detect_getcpu_mode();
  return config;
}

}  // namespace vdso::run
