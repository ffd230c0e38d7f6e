// The system's configuration as this kernel knows it (CPUs, page size,
// physical memory, its uname identity, the boot time), published once into
// the data page, where the VDSO's VDSO_SYSINFO_1 functions read it. The
// uname(2) and sysinfo(2) system calls answer from the page too, with the
// same reader (abi::read_system_info): one copy of every value.
#pragma once

#include "vdso/abi/data_page.h"
#include "vdso/abi/readers.h"

namespace kernel::system_info {

// Builds the values and publishes them through the tick's timekeeper (the
// page's one writer). Needs the frame allocator and the tick.
void publish();

// The published configuration (a consistent copy from the page).
vdso::abi::SystemInfo read();

}  // namespace kernel::system_info
