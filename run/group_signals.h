// kill(0, sig), kill(-pgrp, sig) and kill(-1, sig) from the tree, answered
// so that they never reach the supervisor: a process-group or broadcast
// signal from inside must not stop or end the clock of the whole tree
// (seccomp_filter.h refuses the calls that name the supervisor itself).
//
// The filter hands every kill() whose pid is 0 or negative to the listener.
// When the supervisor is not among the targets (another process group, or
// signal 0, which only tests), the host runs the call as it is. Otherwise
// the supervisor sends the signal itself to every target but itself, with
// the kernel's permission rule (the caller's real or effective uid equals
// the target's real or saved one, or the caller has CAP_KILL; SIGCONT
// within the caller's session), and answers as kill() would: 0 if any
// target got it, else EPERM, or ESRCH if there was none. A handler that
// reads the sender sees the supervisor's pid (si_pid) instead of the
// caller's.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <vector>

#include "vdso/abi/linux.h"

namespace vdso::run {

using abi::kSysKill;

// Whether the filter hands this kill() to the listener: pid 0 or negative.
bool is_group_signal(uint64_t nr, uint64_t arg0);

struct GroupSignalAnswer {
  bool host_answers = true;  // the supervisor is not a target: run the call as it is
  int return_value = 0;      // else: what kill() returns, 0 or -errno
  int signal = 0;
  std::vector<pid_t> targets;  // to signal once the caller has its answer
};
// The answer to kill(`pid_arg`, `signal`) from thread `caller`. The caller
// is answered first, then the targets are signalled (send_group_signal):
// a caller that stops itself before its kill() returned would make the
// call again once continued, and stop again.
GroupSignalAnswer answer_group_signal(pid_t caller, uint64_t pid_arg, uint64_t signal);
void send_group_signal(const GroupSignalAnswer& answer);

}  // namespace vdso::run
