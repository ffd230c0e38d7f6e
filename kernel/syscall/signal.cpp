// kill, tkill, tgkill, rt_sigaction, rt_sigprocmask, rt_sigreturn,
// sigaltstack, pause, rt_sigsuspend (proc/signal.h says what is supported).
#include "mm/layout.h"
#include "proc/process.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr uint64_t kSigBlock = 0, kSigUnblock = 1, kSigSetmask = 2;
constexpr uint64_t kUnblockable =
    proc::signal_bit(proc::kSigKill) | proc::signal_bit(proc::kSigStop);

constexpr int32_t kSiUser = 0, kSiTkill = -6;

int64_t signal_one(int pid, int signal, int32_t code) {
  proc::Process* target = proc::find(pid);
  // As Linux, kill() of a thread's id signals its whole process.
  if (target == nullptr && pid > 0) {
    if (proc::Thread* thread = proc::find_thread(pid))
      target = thread->process;
  }
  if (target == nullptr || pid == 0)
    return -abi::kESRCH;
  if (target->state != proc::ProcessState::kLive)
    return 0;  // a zombie takes no signals, but exists (Linux: 0)
  proc::send_signal(*target, signal, proc::SignalInfo{code, proc::current().pid, 0, 0, 0, 0});
  return 0;
}

// tgkill (tgid > 0) and tkill (tgid 0): one thread; signal 0 only checks.
int64_t signal_thread(int tgid, int tid, int signal) {
  proc::Thread* target = proc::find_thread(tid);
  if (target == nullptr || (tgid != 0 && target->process->pid != tgid))
    return -abi::kESRCH;
  proc::send_thread_signal(*target, signal,
                           proc::SignalInfo{kSiTkill, proc::current().pid, 0, 0, 0, 0});
  return 0;
}

}  // namespace

int64_t sys_kill(Frame& f) {
  const int pid = static_cast<int>(arg0(f));
  const int signal = static_cast<int>(arg1(f));
  if (signal < 0 || signal > proc::kSignalCount)
    return -abi::kEINVAL;
  if (pid > 0)
    return signal_one(pid, signal, kSiUser);
  if (pid == -1) {
    // Everyone but init and the caller, as Linux.
    bool any = false;
    for (int i = 1; i < proc::kMaxProcesses; ++i) {
      proc::Process& p = *proc::slot(i);
      if (p.state != proc::ProcessState::kLive || p.pid == 1 || &p == &proc::current())
        continue;
      any = true;
      proc::send_signal(p, signal, proc::SignalInfo{kSiUser, proc::current().pid, 0, 0, 0, 0});
    }
    return any ? 0 : -abi::kESRCH;
  }
  return -abi::kESRCH;  // FIXME: no process groups (pid 0, pid < -1)
}

int64_t sys_tgkill(Frame& f) {
  const int tgid = static_cast<int>(arg0(f)), tid = static_cast<int>(arg1(f));
  const int signal = static_cast<int>(arg2(f));
  if (tgid <= 0 || tid <= 0 || signal < 0 || signal > proc::kSignalCount)
    return -abi::kEINVAL;
  return signal_thread(tgid, tid, signal);
}

int64_t sys_tkill(Frame& f) {
  const int tid = static_cast<int>(arg0(f)), signal = static_cast<int>(arg1(f));
  if (tid <= 0 || signal < 0 || signal > proc::kSignalCount)
    return -abi::kEINVAL;
  return signal_thread(0, tid, signal);
}

int64_t sys_rt_sigaction(Frame& f) {
  const int signal = static_cast<int>(arg0(f));
  const uint64_t new_action = arg1(f), old_action = arg2(f);
  if (arg3(f) != proc::kSigsetBytes || signal < 1 || signal > proc::kSignalCount)
    return -abi::kEINVAL;
  proc::Process& p = proc::current();
  if (new_action != 0 && (signal == proc::kSigKill || signal == proc::kSigStop))
    return -abi::kEINVAL;
  proc::SignalAction action;
  if (new_action != 0 && proc::read_user(new_action, action) != 0)
    return -abi::kEFAULT;
  if (old_action != 0 && proc::write_user(old_action, p.signals.actions[signal]) != 0)
    return -abi::kEFAULT;
  if (new_action != 0) {
    action.mask &= ~kUnblockable;
    p.signals.actions[signal] = action;
    const bool ignored = action.handler == proc::kSigIgnore ||
                         (action.handler == proc::kSigDefault && proc::ignored_by_default(signal));
    if (ignored) {  // POSIX: discarded, wherever pending
      p.signals.pending &= ~proc::signal_bit(signal);
      for (int i = 1; i < proc::kMaxThreads; ++i) {
        proc::Thread& t = *proc::thread_slot(i);
        if (t.process == &p)
          t.signals.pending &= ~proc::signal_bit(signal);
      }
    }
  }
  return 0;
}

int64_t sys_rt_sigprocmask(Frame& f) {
  const uint64_t how = arg0(f), new_set = arg1(f), old_set = arg2(f);
  if (arg3(f) != proc::kSigsetBytes)
    return -abi::kEINVAL;
  proc::Thread& p = proc::current_thread();
  uint64_t set = 0;
  if (new_set != 0 && proc::read_user(new_set, set) != 0)
    return -abi::kEFAULT;
  if (old_set != 0 && proc::write_user(old_set, p.signals.blocked) != 0)
    return -abi::kEFAULT;
  if (new_set == 0)
    return 0;
  switch (how) {
    case kSigBlock: p.signals.blocked |= set; break;
    case kSigUnblock: p.signals.blocked &= ~set; break;
    case kSigSetmask: p.signals.blocked = set; break;
    default: return -abi::kEINVAL;
  }
  p.signals.blocked &= ~kUnblockable;
  return 0;
}

int64_t sys_pause(Frame&) {
  return proc::wait_for_signal(proc::current_thread());
}

int64_t sys_rt_sigsuspend(Frame& f) {
  if (arg1(f) != proc::kSigsetBytes)
    return -abi::kEINVAL;
  uint64_t mask = 0;
  if (proc::read_user(arg0(f), mask) != 0)
    return -abi::kEFAULT;
  proc::Thread& self = proc::current_thread();
  proc::begin_wait_with_mask(self, mask);
  const int64_t result = proc::wait_for_signal(self);
  proc::end_wait_with_mask(self, result);
  return result;
}

int64_t sys_rt_sigreturn(Frame&) {
  return proc::return_from_handler(proc::current_thread());
}

int64_t sys_sigaltstack(Frame& f) {
  constexpr uint64_t kMinSignalStackBytes = 2048;  // MINSIGSTKSZ
  constexpr int32_t kSsAutodisarm = int32_t(1u << 31);
  proc::Thread& t = proc::current_thread();
  const uint64_t new_stack = arg0(f), old_stack = arg1(f);
  const int32_t now = proc::alternate_stack_flags(t, f.rsp);
  proc::AlternateStack requested{};
  if (new_stack != 0 && proc::read_user(new_stack, requested) != 0)
    return -abi::kEFAULT;
  if (old_stack != 0) {
    proc::AlternateStack old = t.signals.alternate_stack;
    old.flags = now;
    if (now == proc::kSsDisable)
      old.sp = 0, old.size = 0;
    old.pad = 0;
    if (proc::write_user(old_stack, old) != 0)
      return -abi::kEFAULT;
  }
  if (new_stack == 0)
    return 0;
  if (now == proc::kSsOnstack)
    return -abi::kEPERM;  // cannot change the stack the handler runs on
  // FIXME: SS_AUTODISARM is accepted and has no effect (handlers here do
  // not nest on the alternate stack unless they unblock their signal).
  const int32_t mode = requested.flags & ~kSsAutodisarm;
  if (mode == proc::kSsDisable) {
    t.signals.alternate_stack = proc::AlternateStack{0, proc::kSsDisable, 0, 0};
    return 0;
  }
  if (mode != 0 && mode != proc::kSsOnstack)
    return -abi::kEINVAL;
  if (requested.size < kMinSignalStackBytes)
    return -abi::kENOMEM;
  if (requested.sp >= layout::kUserTop || requested.size > layout::kUserTop - requested.sp)
    return -abi::kEINVAL;  // FIXME: Linux accepts it and faults at delivery
  t.signals.alternate_stack = proc::AlternateStack{requested.sp, 0, 0, requested.size};
  return 0;
}

}  // namespace kernel::syscall
