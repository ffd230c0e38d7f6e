// Sending and acting on signals (see signal.h for what is supported).
#pragma once

#include "proc/process.h"

namespace kernel::proc {

// Marks `signal` pending for `target` unless its disposition ignores it,
// and wakes the target if it is blocked in nanosleep or wait4.
void send_signal(Process& target, int signal);

// Acts on the pending, unblocked signals of `p` (the current process, on
// its way back to user mode). A terminating signal does not return.
void deliver_pending_signals(Process& p);

// Whether `p` has a pending signal that would interrupt a blocking call.
bool has_deliverable_signal(const Process& p);

const char* signal_name(int signal);

}  // namespace kernel::proc
