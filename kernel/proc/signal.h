// Signals, minimal: Linux numbers and default actions, per-process
// dispositions (rt_sigaction) and a blocked mask (rt_sigprocmask). A
// signal whose action is "terminate" ends the process with that signal in
// its wait status, as Linux does. FIXME: user handlers are recorded but
// not yet run (no signal frame, no rt_sigreturn): a caught signal is
// treated as ignored.
#pragma once

#include <stdint.h>

namespace kernel::proc {

inline constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigIll = 4, kSigTrap = 5,
                     kSigAbrt = 6, kSigBus = 7, kSigFpe = 8, kSigKill = 9, kSigUsr1 = 10,
                     kSigSegv = 11, kSigUsr2 = 12, kSigPipe = 13, kSigAlrm = 14, kSigTerm = 15,
                     kSigChld = 17, kSigCont = 18, kSigStop = 19, kSigTstp = 20, kSigTtin = 21,
                     kSigTtou = 22, kSigUrg = 23, kSigWinch = 28;
inline constexpr int kSignalCount = 64;  // 1..64

inline constexpr uint64_t kSigDefault = 0, kSigIgnore = 1;

// struct sigaction as the x86_64 kernel sees it (k_sigaction).
struct SignalAction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};
static_assert(sizeof(SignalAction) == 32);

struct SignalState {
  SignalAction actions[kSignalCount + 1];
  uint64_t blocked;  // bit (n - 1) for signal n
  uint64_t pending;
};

constexpr uint64_t signal_bit(int signal) {
  return 1ull << (signal - 1);
}

// Whether the default action of `signal` is to ignore it (SIGCHLD, SIGCONT,
// SIGURG, SIGWINCH). FIXME: stop signals are ignored too (no job control).
bool ignored_by_default(int signal);

}  // namespace kernel::proc
