// The work done on every return to user mode that can follow a reschedule
// or a signal (Linux's exit_to_user_mode_prepare): the rseq area first, so
// that a signal handler's frame saves the abort handler's address rather
// than a point inside an interrupted critical section, then the signals.
#pragma once

#include "proc/rseq.h"
#include "proc/signal_delivery.h"

namespace kernel::proc {

// Inline, and without a call in the common case (no signal, no reschedule
// since the last return, no interrupted call): every system call passes
// here, and under TCG each call and return is an indirect jump QEMU looks
// up.
inline void prepare_user_return(Thread& t) {
  const bool signal = has_deliverable_signal(t);
  if (t.rseq.needs_update || (signal && t.rseq.area != 0)) [[unlikely]]
    rseq_before_user_return(t, signal);
  // deliver_pending_signals also settles a call a signal interrupted.
  if (signal || t.interrupted_syscall >= 0) [[unlikely]]
    deliver_pending_signals(t);
}

}  // namespace kernel::proc
