// What vdso-run publishes at start about the host, besides its clocks: the
// system's configuration (as uname(2), sysconf(3) and sysinfo(2) give it)
// and how a program may read its CPU number without a system call.
#pragma once

#include "vdso/abi/data_page.h"
#include "vdso/arch/getcpu.h"

namespace vdso::run {

struct HostConfiguration {
  abi::SystemInfo system;
  abi::GetcpuMode getcpu;
};

// Read once, at start. The node name and domain name stay empty: they can
// change while the tree runs, and the page would not follow.
HostConfiguration read_host_configuration();

// RDPID, else RDTSCP, when the CPU has it and TSC_AUX holds what Linux
// stores there (cpu | node << 12: checked against getcpu(2)); else kNone.
abi::GetcpuMode detect_getcpu_mode();

const char* getcpu_mode_name(abi::GetcpuMode mode);

}  // namespace vdso::run
