// Sending and acting on signals (see signal.h for what is supported).
#pragma once

#include "proc/process.h"
#include "proc/user_memory.h"
#include "vdso/abi/linux.h"

namespace kernel::proc {

// Marks `signal` pending for the process `target` (kill) unless its
// disposition ignores it, and wakes a thread that does not block it if
// that thread is blocked in a sleep or a wait.
void send_signal(Process& target, int signal, const SignalInfo& info = SignalInfo{});
// The same for one thread (tgkill, tkill): only that thread takes it.
void send_thread_signal(Thread& target, int signal, const SignalInfo& info = SignalInfo{});

// Acts on the pending, unblocked signals of `t` (the current thread, on
// its way back to user mode through `t.user_frame`): its own first, then
// its process's. A terminating signal does not return; a caught one
// rewrites the frame to enter its handler.
void deliver_pending_signals(Thread& t);

// A fault's signal (SIGSEGV, SIGILL, ...): delivered to a handler if one
// is installed and the signal is not blocked, otherwise the process ends
// (Linux's force_sig: a fault cannot be ignored into an endless loop).
void force_fault_signal(Thread& t, int signal, const SignalInfo& info);

// rt_sigreturn: restores the state saved in the frame at `user_rsp` - 8.
// Returns the restored rax, or ends the process if the frame is bad.
int64_t return_from_handler(Thread& t);

// Whether `t` has a pending signal (its own or its process's) that would
// interrupt a blocking call. Inline: every return to user mode asks.
inline bool has_deliverable_signal(const Thread& t) {
  const uint64_t pending = t.signals.pending | t.process->signals.pending;
  return (pending & (~t.signals.blocked | kUnblockable)) != 0;
}

// sigsuspend, ppoll, pselect6, epoll_pwait: `t` waits with `mask` in place of its
// blocked set (SIGKILL and SIGSTOP stay open). end_wait_with_mask puts the
// old set back at once, unless the wait ended with -EINTR for a signal
// still to be delivered: then the handler's frame saves the old set, and
// delivery puts it back if no handler runs.
void begin_wait_with_mask(Thread& t, uint64_t mask);
void end_wait_with_mask(Thread& t, int64_t result);

// ppoll, pselect6, epoll_pwait: runs `wait` with the signal mask at
// `user_mask` (null: the thread's own) in place for its duration.
template <typename Wait>
int64_t wait_with_signal_mask(uint64_t user_mask, uint64_t mask_bytes, Wait wait) {
  if (user_mask == 0)
    return wait();
  if (mask_bytes != kSigsetBytes)
    return -vdso::abi::kEINVAL;
  uint64_t mask = 0;
  if (read_user(user_mask, mask) != 0)
    return -vdso::abi::kEFAULT;
  Thread& self = current_thread();
  begin_wait_with_mask(self, mask);
  const int64_t result = wait();
  end_wait_with_mask(self, result);
  return result;
}

// Blocks `t` until a signal it does not block is pending (pause,
// sigsuspend): always -EINTR.
int64_t wait_for_signal(Thread& t);

// sigaltstack's view of `t` at `user_rsp`: SS_DISABLE when it has no
// alternate stack, SS_ONSTACK when running on it, else 0.
int32_t alternate_stack_flags(const Thread& t, uint64_t user_rsp);

const char* signal_name(int signal);

}  // namespace kernel::proc
