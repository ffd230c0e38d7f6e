// The work done on every return to user mode that can follow a reschedule
// or a signal (Linux's exit_to_user_mode_prepare): the rseq area first, so
// that a signal handler's frame saves the abort handler's address rather
// than a point inside an interrupted critical section, then the signals.
#pragma once

#include "proc/rseq.h"
#include "proc/signal_delivery.h"

namespace kernel::proc {

inline void prepare_user_return(Thread& t) {
  rseq_before_user_return(t, has_deliverable_signal(t));
  deliver_pending_signals(t);
}

}  // namespace kernel::proc
