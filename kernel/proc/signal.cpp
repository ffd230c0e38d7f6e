#include <stddef.h>

#include "console/print.h"
#include "mm/layout.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/timers.h"
#include "proc/user_memory.h"
#include "vdso/abi/linux.h"

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

constexpr uint64_t kRedZoneBytes = 128;
// The flags user code may set through rt_sigreturn (Linux's FIX_EFLAGS):
// CF PF AF ZF SF TF DF OF NT RF AC ID.
constexpr uint64_t kUserFlags =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x10000 | 0x40000 | 0x200000;
constexpr uint64_t kFlagInterrupt = 0x200;
constexpr uint64_t kFlagTrap = 0x100, kFlagDirection = 0x400;

// The x86_64 signal frame as Linux builds it (arch/x86/include/asm/
// sigframe.h, uapi/asm/sigcontext.h, ucontext.h): libcs and debuggers
// read it at these offsets.
struct SigContext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate;  // user address of the FXSAVE area
  uint64_t reserved[8];
};
static_assert(sizeof(SigContext) == 256);
struct UContext {
  uint64_t flags;
  uint64_t link;
  uint64_t stack_sp;
  int32_t stack_flags;
  int32_t stack_pad;
  uint64_t stack_size;
  SigContext mcontext;
  uint64_t sigmask;
};
static_assert(sizeof(UContext) == 304);
struct SigInfo {
  int32_t signo, errno_value, code, pad;
  uint64_t fields[14];  // union: si_pid/si_uid, or si_addr
};
static_assert(sizeof(SigInfo) == 128);
struct RtSigFrame {
  uint64_t return_address;  // the SA_RESTORER trampoline
  UContext uc;
  SigInfo info;
};
static_assert(offsetof(RtSigFrame, uc) == 8 && offsetof(RtSigFrame, info) == 312);

bool disposition_ignores(const Process& p, int signal) {
  if (signal == kSigKill)
    return false;
  const uint64_t handler = p.signals.actions[signal].handler;
  return handler == kSigIgnore || (handler == kSigDefault && ignored_by_default(signal));
}

bool canonical_user(uint64_t address) {
  return address < layout::kUserTop;
}

}  // namespace

int32_t alternate_stack_flags(const Thread& t, uint64_t user_rsp) {
  const AlternateStack& alternate = t.signals.alternate_stack;
  if (alternate.flags & kSsDisable)
    return kSsDisable;
  const bool on = user_rsp > alternate.sp && user_rsp - alternate.sp <= alternate.size;
  return on ? kSsOnstack : 0;
}

namespace {

// Builds the frame on the user stack and points the saved state at the
// handler. False when the stack cannot take it (then the process dies of
// SIGSEGV, as on Linux).
bool enter_handler(Thread& t, int signal, const SignalAction& action, const SignalInfo& info) {
  interrupts::InterruptFrame& f = *t.user_frame;
  if ((action.flags & kSaRestorer) == 0 || !canonical_user(action.restorer))
    return false;  // x86_64 has no kernel-provided return trampoline
  const AlternateStack& alternate = t.signals.alternate_stack;
  const int32_t stack_flags = alternate_stack_flags(t, f.rsp);
  // SA_ONSTACK moves to the alternate stack unless already on it; the
  // red zone is only kept on the interrupted stack.
  const bool to_alternate = (action.flags & kSaOnstack) != 0 && stack_flags == 0;
  const uint64_t base = to_alternate ? alternate.sp + alternate.size : f.rsp - kRedZoneBytes;
  uint64_t sp = base;
  sp = (sp - sizeof(fpu::State)) & ~uint64_t{63};
  const uint64_t fpstate = sp;
  sp -= sizeof(RtSigFrame);
  sp = ((sp + 8) & ~uint64_t{15}) - 8;  // as after a call: rsp + 8 16-aligned
  if (base < 4096 || sp > base || !canonical_user(sp))
    return false;

  fpu::save(t.fpu);
  if (copy_to_user(fpstate, &t.fpu, sizeof(t.fpu)) != 0)
    return false;
  // After a wait with its own mask (sigsuspend), sigreturn restores the
  // set from before the wait.
  const uint64_t mask_to_restore =
      t.signals.blocked_saved ? t.signals.saved_blocked : t.signals.blocked;
  RtSigFrame frame{};
  frame.return_address = action.restorer;
  SigContext& c = frame.uc.mcontext;
  c = SigContext{f.r8,
                 f.r9,
                 f.r10,
                 f.r11,
                 f.r12,
                 f.r13,
                 f.r14,
                 f.r15,
                 f.rdi,
                 f.rsi,
                 f.rbp,
                 f.rbx,
                 f.rdx,
                 f.rax,
                 f.rcx,
                 f.rsp,
                 f.rip,
                 f.rflags,
                 static_cast<uint16_t>(f.cs),
                 0,
                 0,
                 static_cast<uint16_t>(f.ss),
                 f.error_code,
                 f.vector,
                 mask_to_restore,
                 info.address,
                 fpstate,
                 {}};
  frame.uc.sigmask = mask_to_restore;
  frame.uc.stack_sp = alternate.sp;
  frame.uc.stack_flags = stack_flags;
  frame.uc.stack_size = alternate.size;
  frame.info.signo = signal;
  frame.info.code = info.code;
  if (info.code == timers::kSiTimer) {
    // si_timerid, si_overrun, then si_value (union __sifields._timer).
    frame.info.fields[0] = static_cast<uint32_t>(info.timer_id) |
                           static_cast<uint64_t>(static_cast<uint32_t>(info.overrun)) << 32;
    frame.info.fields[1] = info.value;
  } else if (info.address != 0) {
    frame.info.fields[0] = info.address;  // si_addr
  } else {
    frame.info.fields[0] = static_cast<uint32_t>(info.sender);  // si_pid, si_uid = 0
  }
  if (copy_to_user(sp, &frame, sizeof(frame)) != 0)
    return false;

  t.signals.blocked |= action.mask | ((action.flags & kSaNodefer) ? 0 : signal_bit(signal));
  t.signals.blocked &= ~kUnblockable;
  t.signals.blocked_saved = false;
  if (action.flags & kSaResethand)
    t.process->signals.actions[signal].handler = kSigDefault;
  f.rip = action.handler;
  f.rsp = sp;
  f.rdi = static_cast<uint64_t>(signal);
  f.rsi = sp + offsetof(RtSigFrame, info);
  f.rdx = sp + offsetof(RtSigFrame, uc);
  f.rax = 0;
  f.rflags &= ~(kFlagTrap | kFlagDirection);
  return true;
}

}  // namespace

namespace {

// A call that returned -ERESTARTSYS either runs again when the thread
// returns to user mode (the syscall instruction is 2 bytes before rip, the
// number goes back in rax) or fails with EINTR.
void settle_interrupted_call(Thread& t, bool restart) {
  interrupts::InterruptFrame& f = *t.user_frame;
  if (restart) {
    f.rax = static_cast<uint64_t>(t.interrupted_syscall);
    f.rip -= 2;
  } else {
    f.rax = static_cast<uint64_t>(-int64_t{vdso::abi::kEINTR});
  }
  t.interrupted_syscall = -1;
}

bool blocks(const Thread& t, int signal) {
  return (t.signals.blocked & ~kUnblockable & signal_bit(signal)) != 0;
}

bool sleeping(const Thread& t) {
  return t.state == State::kSleeping || t.state == State::kWaiting;
}

}  // namespace

void send_signal(Process& target, int signal, const SignalInfo& info) {
  if (signal <= 0 || signal > kSignalCount || target.state != ProcessState::kLive)
    return;
  if (disposition_ignores(target, signal))
    return;
  target.signals.pending |= signal_bit(signal);
  target.signals.info[signal] = info;
  // Wake one thread that can take it, a blocked one only if none runs.
  Thread* sleeper = nullptr;
  for (int i = 1; i < kMaxThreads; ++i) {
    Thread& t = *thread_slot(i);
    if (t.process != &target || t.state == State::kFree || t.state == State::kDead ||
        blocks(t, signal))
      continue;
    if (!sleeping(t)) {
      // It takes the signal at its next return to user mode (if it runs
      // on another CPU, that CPU is interrupted for it).
      sched::wake(t);
      return;
    }
    if (sleeper == nullptr)
      sleeper = &t;
  }
  if (sleeper != nullptr)
    sched::wake(*sleeper);
}

void send_thread_signal(Thread& target, int signal, const SignalInfo& info) {
  if (signal <= 0 || signal > kSignalCount || target.state == State::kFree ||
      target.state == State::kDead)
    return;
  if (disposition_ignores(*target.process, signal))
    return;
  target.signals.pending |= signal_bit(signal);
  target.signals.info[signal] = info;
  if (!blocks(target, signal))
    sched::wake(target);
}

void deliver_pending_signals(Thread& t) {
  Process& p = *t.process;
  while (has_deliverable_signal(t)) {
    const uint64_t open = ~t.signals.blocked | kUnblockable;
    // The thread's own signals first, as Linux's dequeue_signal.
    const bool own = (t.signals.pending & open) != 0;
    uint64_t& pending = own ? t.signals.pending : p.signals.pending;
    const int signal = __builtin_ctzll(pending & open) + 1;
    pending &= ~signal_bit(signal);
    const SignalInfo info = own ? t.signals.info[signal] : p.signals.info[signal];
    timers::on_signal_delivered(p, info);
    if (disposition_ignores(p, signal))
      continue;
    const SignalAction action = p.signals.actions[signal];
    if (action.handler == kSigDefault || signal == kSigKill)
      exit_current(signal);
    if (t.interrupted_syscall >= 0)
      settle_interrupted_call(t, (action.flags & kSaRestart) != 0);
    if (!enter_handler(t, signal, action, info)) {
      kprint("signal: pid %d tid %d: cannot deliver %s to its handler: SIGSEGV\n", p.pid, t.tid,
             signal_name(signal));
      exit_current(kSigSegv);
    }
    // One handler frame per return to user mode; others stay pending
    // (now blocked by the handler's mask, or delivered at the next entry).
    return;
  }
  // The signal that cut the call short was ignored: the call goes on.
  if (t.interrupted_syscall >= 0)
    settle_interrupted_call(t, true);
  // No handler ran for the signal that ended a wait with its own mask.
  if (t.signals.blocked_saved) {
    t.signals.blocked = t.signals.saved_blocked;
    t.signals.blocked_saved = false;
  }
}

void begin_wait_with_mask(Thread& t, uint64_t mask) {
  t.signals.saved_blocked = t.signals.blocked;
  t.signals.blocked_saved = true;
  t.signals.blocked = mask & ~kUnblockable;
}

void end_wait_with_mask(Thread& t, int64_t result) {
  if (!t.signals.blocked_saved)
    return;
  if (result == -vdso::abi::kEINTR && has_deliverable_signal(t))
    return;  // deliver_pending_signals puts the old set back
  t.signals.blocked = t.signals.saved_blocked;
  t.signals.blocked_saved = false;
}

int64_t wait_for_signal(Thread& t) {
  while (!has_deliverable_signal(t)) {
    t.wake_at_ns = 0;
    t.state = State::kWaiting;
    sched::schedule();
  }
  return -vdso::abi::kEINTR;
}

void force_fault_signal(Thread& t, int signal, const SignalInfo& info) {
  const SignalAction action = t.process->signals.actions[signal];
  const bool catchable = action.handler != kSigDefault && action.handler != kSigIgnore &&
                         (t.signals.blocked & signal_bit(signal)) == 0;
  if (!catchable || !enter_handler(t, signal, action, info))
    exit_current(signal);
}

int64_t return_from_handler(Thread& t) {
  interrupts::InterruptFrame& f = *t.user_frame;
  RtSigFrame frame;
  // The handler's `ret` popped the return address: the frame is 8 below.
  if (copy_from_user(&frame, f.rsp - 8, sizeof(frame)) != 0)
    exit_current(kSigSegv);
  const SigContext& c = frame.uc.mcontext;
  // An iretq to a non-canonical rip would fault in the kernel: refuse.
  if (!canonical_user(c.rip) || !canonical_user(c.rsp))
    exit_current(kSigSegv);
  if (c.fpstate != 0) {
    if (copy_from_user(&t.fpu, c.fpstate, sizeof(t.fpu)) != 0)
      exit_current(kSigSegv);
    fpu::sanitize(t.fpu);
    fpu::restore(t.fpu);
  }
  f.r8 = c.r8, f.r9 = c.r9, f.r10 = c.r10, f.r11 = c.r11, f.r12 = c.r12, f.r13 = c.r13;
  f.r14 = c.r14, f.r15 = c.r15, f.rdi = c.rdi, f.rsi = c.rsi, f.rbp = c.rbp, f.rbx = c.rbx;
  f.rdx = c.rdx, f.rcx = c.rcx, f.rsp = c.rsp, f.rip = c.rip;
  f.rflags = (f.rflags & ~kUserFlags) | (c.eflags & kUserFlags) | kFlagInterrupt;
  t.signals.blocked = frame.uc.sigmask & ~kUnblockable;
  return static_cast<int64_t>(c.rax);
}

}  // namespace kernel::proc
