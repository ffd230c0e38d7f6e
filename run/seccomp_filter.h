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

#include "result.h"
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
// listener's fd (E2BIG: the program outgrew the assembler).
Result<int> install_seccomp_filter(uint32_t cookie_low, bool virtual_time,
                                   const MovedWaits& moved_waits, bool file_times);

// The supervisor out of the tree's reach: a second filter, which the first
// process of the tree installs on itself before its exec (so that the
// supervisor's own threads, which signal each other, never run it), refuses
// with EPERM, as a kernel refuses a process its own threads, the calls that
// would signal, reschedule or limit `supervisor_ids` (the supervisor's
// process id and every thread id): kill, tkill, tgkill, rt_sigqueueinfo,
// rt_tgsigqueueinfo, sched_setscheduler, sched_setparam, sched_setattr,
// sched_setaffinity, setpriority and ioprio_set of one process, and
// prlimit64 with a new limit (reading the limits stays allowed). Every
// other call is allowed here; the first filter still applies.
std::vector<sock_filter> build_reach_filter(const std::vector<uint32_t>& supervisor_ids);
// Installs a program built above on the calling thread (it runs in the
// forked child: only a failure allocates, to say what went wrong).
Result<void> install_reach_filter(const std::vector<sock_filter>& program);

// Every thread id of this process (the main thread's is its pid).
std::vector<uint32_t> own_thread_ids();

}  // namespace vdso::run
