#include "proc/scheduler.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "lib/panic.h"
#include "proc/signal_delivery.h"
#include "proc/timers.h"
#include "time/tick.h"

extern "C" void switch_context(uint64_t* save_rsp, uint64_t next_rsp);
extern "C" uint64_t syscall_kernel_rsp;

namespace kernel::sched {
namespace {

uint32_t slice = 1;
uint32_t ticks_left = 1;
uint64_t switches = 0;

proc::Process* pick_next(proc::Process& from) {
  // Slots after the current one first, then from the start: round robin,
  // woken processes before the others.
  const int start = static_cast<int>(&from - proc::slot(0));
  proc::Process* first_runnable = nullptr;
  for (int step = 1; step <= proc::kMaxProcesses; ++step) {
    const int slot = (start + step) % proc::kMaxProcesses;
    if (slot == 0)
      continue;
    proc::Process* p = proc::slot(slot);
    if (p->state != proc::State::kRunnable)
      continue;
    if (p->woken)
      return p;
    if (first_runnable == nullptr)
      first_runnable = p;
  }
  return first_runnable != nullptr ? first_runnable : proc::slot(0);
}

void switch_to(proc::Process& next) {
  proc::Process& prev = proc::current();
  if (&next == &prev)
    return;
  ++switches;
  proc::check_kernel_stack(prev);
  next.woken = false;
  const int64_t now = tick::monotonic_ns();
  prev.cpu_time_ns += now - prev.ran_since_ns;
  next.ran_since_ns = now;
  if (prev.pid != 0)
    fpu::save(prev.fpu);
  proc::set_current(next);
  if (next.pid != 0) {
    const uint64_t stack_top =
        reinterpret_cast<uint64_t>(next.kernel_stack + proc::kKernelStackBytes);
    gdt::set_kernel_stack(stack_top);
    syscall_kernel_rsp = stack_top;
    paging::activate(next.space);
    cpu::wrmsr(cpu::kMsrFsBase, next.fs_base);
    fpu::restore(next.fpu);
  } else {
    paging::activate(paging::kernel_space());
  }
  ticks_left = slice;
  switch_context(&prev.saved_kernel_rsp, next.saved_kernel_rsp);
}

// True if it woke anyone whose sleep ended by MONOTONIC `now`.
bool wake_sleepers(int64_t now) {
  bool any = false;
  for (int i = 1; i < proc::kMaxProcesses; ++i) {
    proc::Process* p = proc::slot(i);
    if (p->state == proc::State::kSleeping && p->wake_at_ns <= now) {
      wake(*p);
      any = true;
    }
  }
  return any;
}

void on_tick(interrupts::InterruptFrame& frame) {
  const int64_t now = tick::monotonic_ns();
  const bool woke_sleeper = wake_sleepers(now);
  const bool woke = proc::timers::expire_due(now) || woke_sleeper;
  // Only a process interrupted in user mode is preempted: the kernel is
  // not preemptible, and the idle task reschedules after its hlt anyway.
  if (!interrupts::from_user_mode(frame))
    return;
  if (ticks_left > 1 && !woke) {
    --ticks_left;
    return;
  }
  schedule();
  // Back in this process, about to return to user mode: act on signals
  // that arrived while it was away.
  proc::deliver_pending_signals(proc::current());
}

}  // namespace

void init(uint32_t slice_ticks) {
  slice = slice_ticks == 0 ? 1 : slice_ticks;
  ticks_left = slice;
  tick::set_listener(on_tick);
}

void schedule() {
  KASSERT(!cpu::interrupts_enabled());
  switch_to(*pick_next(proc::current()));
}

void wake(proc::Process& p) {
  if (p.state == proc::State::kSleeping || p.state == proc::State::kWaiting) {
    p.state = proc::State::kRunnable;
    p.woken = true;
  }
}

void run_idle() {
  KASSERT(proc::current().pid == 0);
  for (;;) {
    cpu::disable_interrupts();
    wake_sleepers(tick::monotonic_ns());
    schedule();
    // Nothing runnable: sleep until the next interrupt (the tick wakes
    // sleepers; sti;hlt cannot miss it).
    cpu::wait_for_interrupt();
  }
}

uint64_t switch_count() {
  return switches;
}

}  // namespace kernel::sched
