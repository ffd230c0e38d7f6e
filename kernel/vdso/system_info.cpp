#include "vdso/system_info.h"

#include "arch/x86_64/smp.h"
#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "time/tick.h"

namespace kernel::system_info {
namespace {

namespace abi = vdso::abi;

}  // namespace

void publish() {
  abi::SystemInfo info{};
  // Every CPU started (arch/x86_64/smp.h): the kernel runs no others.
  info.cpus_configured = smp::cpu_count();
  info.cpus_online = smp::cpu_count();
  info.page_size = layout::kPageSize;
  info.physical_memory_bytes = frames::usable_count() * layout::kPageSize;
  info.boot_time = vdso::timespec_from_ns(tick::realtime_offset_ns());
  // "Linux": the system-call ABI is Linux's, and libcs check the name.
  abi::set_utsname_field(info.uts.sysname, "Linux");
  abi::set_utsname_field(info.uts.nodename, "vdso-kernel");
  abi::set_utsname_field(info.uts.release, "6.1.0-vdso-kernel");
  abi::set_utsname_field(info.uts.version, "#1 vdso-kernel (Linux x86_64 system-call subset)");
  abi::set_utsname_field(info.uts.machine, "x86_64");
  abi::set_utsname_field(info.uts.domainname, "(none)");
  tick::publish_system_info(info);
}

abi::SystemInfo read() {
  abi::SystemInfo copy{};
  const bool published =
      abi::read_system_info(tick::timekeeper().page(), [&](const abi::SystemInfo& info) {
        copy.present = abi::load_relaxed(info.present);
        copy.cpus_configured = abi::load_relaxed(info.cpus_configured);
        copy.cpus_online = abi::load_relaxed(info.cpus_online);
        copy.page_size = abi::load_relaxed(info.page_size);
        copy.physical_memory_bytes = abi::load_relaxed(info.physical_memory_bytes);
        copy.boot_time.sec = abi::load_relaxed(info.boot_time.sec);
        copy.boot_time.nsec = abi::load_relaxed(info.boot_time.nsec);
        abi::load_bytes_relaxed(&copy.uts, &info.uts, sizeof(copy.uts));
      });
  KASSERT(published);
  return copy;
}

}  // namespace kernel::system_info
