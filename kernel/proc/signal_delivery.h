// Sending and acting on signals (see signal.h for what is supported).
#pragma once

#include "proc/process.h"

namespace kernel::proc {

// Marks `signal` pending for `target` unless its disposition ignores it,
// and wakes the target if it is blocked in nanosleep or wait4.
void send_signal(Process& target, int signal, const SignalInfo& info = SignalInfo{});

// Acts on the pending, unblocked signals of `p` (the current process, on
// its way back to user mode through `p.user_frame`): a terminating signal
// does not return; a caught one rewrites the frame to enter its handler.
void deliver_pending_signals(Process& p);

// A fault's signal (SIGSEGV, SIGILL, ...): delivered to a handler if one
// is installed and the signal is not blocked, otherwise the process ends
// (Linux's force_sig: a fault cannot be ignored into an endless loop).
void force_fault_signal(Process& p, int signal, const SignalInfo& info);

// rt_sigreturn: restores the state saved in the frame at `user_rsp` - 8.
// Returns the restored rax, or ends the process if the frame is bad.
int64_t return_from_handler(Process& p);

// Whether `p` has a pending signal that would interrupt a blocking call.
bool has_deliverable_signal(const Process& p);

const char* signal_name(int signal);

}  // namespace kernel::proc
