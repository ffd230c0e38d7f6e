// The seccomp filter every process of the tree inherits: which system calls
// become notifications for the listener (seccomp_listener.h), which stop for
// the tracer (deadlines.h, timed_waits.h), and which the host runs untouched (for those it
// returns ALLOW, which the kernel caches, so they cost nothing). It cannot
// change once the tree starts, so it decides from the start what the tree
// may ask of the supervisor.
#pragma once

#include <linux/filter.h>
#include <stdint.h>

#include <vector>

#include "timed_waits.h"

namespace vdso::run {

// The filter's program. `cookie_low`: the low half of the cookie the
// supervisor's own host reads and the stub's fd request pass;
// `virtual_time`: whether the tree runs on virtual time; `moved_waits`:
// which timed waits its time moves (none without virtual time);
// `file_times`: whether file times are the tree's (file_times.h). Empty if
// the program outgrew the assembler's 8-bit jumps.
std::vector<sock_filter> build_seccomp_filter(uint32_t cookie_low, bool virtual_time,
                                              const MovedWaits& moved_waits, bool file_times);

// Installs that filter on the calling thread with a new listener: the
// listener's fd, or -1 with errno set.
int install_seccomp_filter(uint32_t cookie_low, bool virtual_time, const MovedWaits& moved_waits,
                           bool file_times);

}  // namespace vdso::run
