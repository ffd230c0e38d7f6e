#include "console/print.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"

namespace kernel::proc {

bool ignored_by_default(int signal) {
  switch (signal) {
    case kSigChld:
    case kSigCont:
    case kSigUrg:
    case kSigWinch:
    case kSigStop:
    case kSigTstp:
    case kSigTtin:
    case kSigTtou: return true;
    default: return false;
  }
}

const char* signal_name(int signal) {
  static constexpr const char* kNames[] = {
      "0",         "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
      "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
      "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
      "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
  if (signal >= 0 && signal < static_cast<int>(sizeof(kNames) / sizeof(kNames[0])))
    return kNames[signal];
  return "SIGRT";
}

namespace {

constexpr uint64_t kUnblockable = (1ull << (kSigKill - 1)) | (1ull << (kSigStop - 1));

bool disposition_ignores(const Process& p, int signal) {
  if (signal == kSigKill)
    return false;
  const uint64_t handler = p.signals.actions[signal].handler;
  return handler == kSigIgnore || (handler == kSigDefault && ignored_by_default(signal));
}

}  // namespace

void send_signal(Process& target, int signal) {
  if (signal <= 0 || signal > kSignalCount || target.state == State::kZombie)
    return;
  if (disposition_ignores(target, signal))
    return;
  target.signals.pending |= signal_bit(signal);
  if (has_deliverable_signal(target))
    sched::wake(target);
}

bool has_deliverable_signal(const Process& p) {
  return (p.signals.pending & (~p.signals.blocked | kUnblockable)) != 0;
}

void deliver_pending_signals(Process& p) {
  while (has_deliverable_signal(p)) {
    const uint64_t deliverable = p.signals.pending & (~p.signals.blocked | kUnblockable);
    const int signal = __builtin_ctzll(deliverable) + 1;
    p.signals.pending &= ~signal_bit(signal);
    if (disposition_ignores(p, signal))
      continue;
    const uint64_t handler = p.signals.actions[signal].handler;
    if (handler == kSigDefault || signal == kSigKill)
      exit_current(signal);
    // FIXME: run the handler (signal frame + rt_sigreturn). Until then a
    // caught signal is dropped, and logged.
    kprint("signal: pid %d: %s has a handler; handlers are not supported yet, dropped\n", p.pid,
           signal_name(signal));
  }
}

}  // namespace kernel::proc
