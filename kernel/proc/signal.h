// Signals: Linux numbers and default actions, per-process dispositions
// (rt_sigaction), per-thread blocked masks (rt_sigprocmask), signals to
// the process (taken by any thread that does not block them) and to one
// thread, and handlers run on a Linux-layout rt_sigframe (siginfo,
// ucontext, FXSAVE area), on the thread's sigaltstack under SA_ONSTACK,
// with the libc's SA_RESTORER trampoline calling rt_sigreturn. A call cut
// short with -ERESTARTSYS resumes after an SA_RESTART handler. A signal
// whose action is "terminate" ends the process with that signal in its
// wait status, as Linux does. FIXME: no queued real-time signals, no
// stop/continue (job control); rt_sigreturn does not restore the
// alternate stack from the frame.
#pragma once

#include <stdint.h>

namespace kernel::proc {

inline constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigIll = 4, kSigTrap = 5,
                     kSigAbrt = 6, kSigBus = 7, kSigFpe = 8, kSigKill = 9, kSigUsr1 = 10,
                     kSigSegv = 11, kSigUsr2 = 12, kSigPipe = 13, kSigAlrm = 14, kSigTerm = 15,
                     kSigChld = 17, kSigCont = 18, kSigStop = 19, kSigTstp = 20, kSigTtin = 21,
                     kSigTtou = 22, kSigUrg = 23, kSigVtalrm = 26, kSigProf = 27, kSigWinch = 28;
inline constexpr int kSignalCount = 64;  // 1..64
// The kernel's sigset_t: a system call given another size says EINVAL.
inline constexpr uint64_t kSigsetBytes = 8;

inline constexpr uint64_t kSigDefault = 0, kSigIgnore = 1;

// struct sigaction as the x86_64 kernel sees it (k_sigaction).
struct SignalAction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};
static_assert(sizeof(SignalAction) == 32);

inline constexpr uint64_t kSaSiginfo = 0x4, kSaOnstack = 0x0800'0000, kSaRestart = 0x1000'0000,
                          kSaNodefer = 0x4000'0000, kSaResethand = 0x8000'0000,
                          kSaRestorer = 0x0400'0000;

// What a handler is told about the signal (the start of siginfo_t).
struct SignalInfo {
  int32_t code;      // si_code: SI_USER 0, SI_TKILL -6, SEGV_MAPERR 1, SI_TIMER -2, ...
  int32_t sender;    // si_pid for kill
  uint64_t address;  // si_addr for faults
  int32_t timer_id;  // SI_TIMER: si_timerid, si_overrun, si_value
  int32_t overrun;
  uint64_t value;
};

// What the threads of a process share: the dispositions and the signals
// sent to the process as a whole (kill), which any thread that does not
// block them may take.
struct ProcessSignals {
  SignalAction actions[kSignalCount + 1];
  uint64_t pending;                   // bit (n - 1) for signal n
  SignalInfo info[kSignalCount + 1];  // of the pending instance
};

// sigaltstack's stack_t.
struct AlternateStack {
  uint64_t sp;
  int32_t flags;  // SS_DISABLE when none
  int32_t pad;
  uint64_t size;
};
static_assert(sizeof(AlternateStack) == 24);
inline constexpr int32_t kSsOnstack = 1, kSsDisable = 2;

// What each thread has of its own: its mask, the signals sent to it
// (tgkill, faults), and its alternate stack.
struct ThreadSignals {
  uint64_t blocked;
  uint64_t pending;
  SignalInfo info[kSignalCount + 1];
  AlternateStack alternate_stack;
  // sigsuspend's, ppoll's or pselect6's mask replaced `blocked` for a wait:
  // the set to put back once the signal that ended it has been delivered
  // (its handler's frame holds this one, so sigreturn restores it).
  bool blocked_saved;
  uint64_t saved_blocked;
};

constexpr uint64_t signal_bit(int signal) {
  return 1ull << (signal - 1);
}
// SIGKILL and SIGSTOP: no mask blocks them.
constexpr uint64_t kUnblockable = signal_bit(kSigKill) | signal_bit(kSigStop);

// Whether the default action of `signal` is to ignore it (SIGCHLD, SIGCONT,
// SIGURG, SIGWINCH). FIXME: stop signals are ignored too (no job control).
bool ignored_by_default(int signal);

}  // namespace kernel::proc
