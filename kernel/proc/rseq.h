// Restartable sequences (rseq(2)): a thread registers a small area of its
// own memory; the kernel keeps the number of the CPU the thread runs on in
// it, and moves a thread that was preempted, migrated or signalled inside a
// registered critical section to that section's abort handler. glibc
// registers every thread and answers sched_getcpu() from the area with no
// call at all, which is how Linux beats a VDSO getcpu.
#pragma once

#include <stdint.h>

namespace kernel::proc {

struct Thread;

// What a thread registered (all zero when nothing is).
struct RseqRegistration {
  uint64_t area;  // user address of its struct rseq
  uint32_t length;
  uint32_t signature;
  // Set when the thread is scheduled in: the area's CPU must be written and
  // a critical section the thread was in must abort, before user mode runs.
  bool needs_update;
};

// rseq(area, length, flags, signature): register (flags 0) or unregister
// (RSEQ_FLAG_UNREGISTER) for the current thread `t`. 0 or -errno as Linux:
// EINVAL for a bad length, alignment, flag or a mismatched unregister,
// EBUSY for a second registration of the same area, EPERM for a mismatched
// signature, EFAULT when the area cannot be written.
int64_t rseq_register(Thread& t, uint64_t area, uint32_t length, int32_t flags, uint32_t signature);

// The scheduler gave `t` a CPU: its area is brought up to date on its way
// back to user mode.
inline void rseq_scheduled_in(RseqRegistration& registration) {
  registration.needs_update = registration.area != 0;
}

// On the way back to user mode (after a system call, an interrupt that
// rescheduled, or before a signal handler's frame is built): aborts a
// critical section the thread was preempted or signalled in and writes its
// CPU. A bad critical-section descriptor, or an area it can no longer
// write, is SIGSEGV, as Linux.
void rseq_before_user_return(Thread& t, bool delivering_signal);

}  // namespace kernel::proc
