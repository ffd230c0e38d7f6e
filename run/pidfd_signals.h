// pidfd_send_signal() from the tree, answered so that it never reaches the
// supervisor (the reach filter, seccomp_filter.h, refuses the calls that
// name it by pid; a pidfd hides the pid from a filter).
//
// The filter hands every pidfd_send_signal to the listener, which reads
// which process the caller's descriptor names: /proc/CALLER/fdinfo/FD's
// "Pid:" line for a pidfd (pidfd_open, clone's CLONE_PIDFD; a thread's
// pidfd names the thread), else the /proc/CALLER/fd/FD link ("/proc/N")
// for a /proc/PID directory. A descriptor that names the supervisor's
// process or one of its threads gets EPERM; every other call runs on the
// host unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
//
// What remains: the host runs the call after the check, so another thread
// of the caller that swaps the descriptor in between (dup2 of a pidfd of
// the supervisor over FD) still signals the supervisor. Closing it would
// take the supervisor sending the signal itself, which loses the caller's
// credentials and siginfo (the kernel checks them against the target).
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <functional>

#include "result.h"
#include "vdso/abi/linux.h"

namespace vdso::run {

using abi::kSysPidfdSendSignal;

// The process or thread that descriptor `fd` of thread `caller` names; 0
// for none (not a process descriptor, no such descriptor: the host answers
// those as it would). An error when the caller's descriptors are not ours
// to read (a non-dumpable caller). `still_waiting` is asked after the
// caller's /proc entry is opened, so that a caller gone meanwhile (its id
// perhaps reused) is not read: 0 then.
Result<long> process_named_by(pid_t caller, uint64_t fd,
                              const std::function<bool()>& still_waiting);

// Whether `id` is the supervisor's process or one of its threads.
bool names_supervisor(long id);

}  // namespace vdso::run
