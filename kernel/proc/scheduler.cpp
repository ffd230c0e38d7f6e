#include "proc/scheduler.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "lib/panic.h"
#include "proc/timers.h"
#include "proc/user_return.h"
#include "time/tick.h"

extern "C" void switch_context(uint64_t* save_rsp, uint64_t next_rsp);

namespace kernel::sched {
namespace {

uint32_t slice = 1;
uint32_t ticks_left = 1;
uint64_t switches = 0;

proc::Thread* pick_next(proc::Thread& from) {
  // Slots after the current one first, then from the start: round robin,
  // woken threads before the others.
  const int start = static_cast<int>(&from - proc::thread_slot(0));
  proc::Thread* first_runnable = nullptr;
  for (int step = 1; step <= proc::kMaxThreads; ++step) {
    const int slot = (start + step) % proc::kMaxThreads;
    if (slot == 0)
      continue;
    proc::Thread* t = proc::thread_slot(slot);
    if (t->state != proc::State::kRunnable)
      continue;
    if (t->woken)
      return t;
    if (first_runnable == nullptr)
      first_runnable = t;
  }
  return first_runnable != nullptr ? first_runnable : proc::thread_slot(0);
}

void switch_to(proc::Thread& next) {
  proc::Thread& prev = proc::current_thread();
  if (&next == &prev)
    return;
  ++switches;
  proc::check_kernel_stack(prev);
  next.woken = false;
  const int64_t now = tick::monotonic_ns();
  prev.cpu_time_ns += now - prev.ran_since_ns;
  proc::accounted_switch(prev, next, now - prev.ran_since_ns);
  next.ran_since_ns = now;
  if (prev.tid != 0)
    fpu::save(prev.fpu);
  proc::set_current(next);
  if (next.tid != 0) {
    const uint64_t stack_top =
        reinterpret_cast<uint64_t>(next.kernel_stack + proc::kKernelStackBytes);
    smp::set_kernel_stack(stack_top);
    // Threads of one process share the page tables: no CR3 write (and no
    // TLB flush) between them.
    if (prev.tid == 0 || prev.process != next.process || prev.state == proc::State::kDead)
      paging::activate(next.process->space);
    cpu::wrmsr(cpu::kMsrFsBase, next.fs_base);
    proc::rseq_scheduled_in(next.rseq);
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
  for (int i = 1; i < proc::kMaxThreads; ++i) {
    proc::Thread* t = proc::thread_slot(i);
    // A waiter may have a deadline too (epoll_wait's timeout).
    const bool timed = t->state == proc::State::kSleeping ||
                       (t->state == proc::State::kWaiting && t->wake_at_ns > 0);
    if (timed && t->wake_at_ns <= now) {
      wake(*t);
      any = true;
    }
  }
  return any;
}

void on_tick(interrupts::InterruptFrame& frame) {
  const int64_t now = tick::monotonic_ns();
  const bool woke_sleeper = wake_sleepers(now);
  const bool woke = proc::timers::expire_due(now) || woke_sleeper;
  proc::sample_load(tick::last_interrupt_ns());
  // Only a thread interrupted in user mode is preempted: the kernel is
  // not preemptible, and the idle task reschedules after its hlt anyway.
  if (!interrupts::from_user_mode(frame))
    return;
  if (ticks_left > 1 && !woke) {
    --ticks_left;
    return;
  }
  schedule();
  // Back in this thread, about to return to user mode: act on signals
  // that arrived while it was away.
  proc::prepare_user_return(proc::current_thread());
}

}  // namespace

void init(uint32_t slice_ticks) {
  slice = slice_ticks == 0 ? 1 : slice_ticks;
  ticks_left = slice;
  tick::set_listener(on_tick);
}

void schedule() {
  KASSERT(!cpu::interrupts_enabled());
  switch_to(*pick_next(proc::current_thread()));
}

void wake(proc::Thread& t) {
  if (t.state == proc::State::kSleeping || t.state == proc::State::kWaiting) {
    t.state = proc::State::kRunnable;
    t.woken = true;
    t.wake_at_ns = 0;
  }
}

void wake_waiting(proc::Process& p) {
  for (int i = 1; i < proc::kMaxThreads; ++i) {
    proc::Thread* t = proc::thread_slot(i);
    if (t->process == &p && t->state == proc::State::kWaiting)
      wake(*t);
  }
}

void run_idle() {
  KASSERT(proc::current_thread().tid == 0);
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
