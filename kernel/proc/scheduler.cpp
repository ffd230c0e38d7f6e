#include "proc/scheduler.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "lib/panic.h"
#include "proc/kernel_lock.h"
#include "proc/timers.h"
#include "proc/user_return.h"
#include "time/tick.h"

extern "C" void switch_context(uint64_t* save_rsp, uint64_t next_rsp);

namespace kernel::sched {
namespace {

using proc::Cpu;

uint32_t slice = 1;
uint64_t switches = 0;
bool scheduler_running = false;  // the boot CPU's idle loop has started
// CPUs that still owe a TLB flush to the CPU shooting down (one bit each).
proc::CpuMask tlb_flush_pending = 0;

void send_reschedule_ipi(const Cpu& cpu) {
  smp::send_ipi(static_cast<uint32_t>(cpu.index), interrupts::kRescheduleVector);
}
void send_tlb_shootdown_ipi(const Cpu& cpu) {
  smp::send_ipi(static_cast<uint32_t>(cpu.index), interrupts::kTlbShootdownVector);
}

bool allowed_on(const proc::Thread& t, const Cpu& cpu) {
  return (t.allowed_cpus >> cpu.index) & 1;
}

// Makes `cpu` enter the kernel from whatever it runs (a signal for its
// thread is delivered on its way back), and reschedule if asked.
void interrupt_cpu(Cpu& cpu, bool reschedule) {
  if (reschedule)
    cpu.reschedule = true;
  send_reschedule_ipi(cpu);
}

// An idle CPU (other than this one) that `t` may run on takes it at once;
// one already sent a reschedule (a burst of wakes) is left to the thread it
// was sent for.
void kick_idle_cpu_for(const proc::Thread& t) {
  const Cpu& self = proc::this_cpu();
  for (int i = 0; i < proc::cpu_count(); ++i) {
    Cpu& other = proc::cpu(i);
    if (&other != &self && other.current == other.idle && !other.reschedule &&
        allowed_on(t, other)) {
      interrupt_cpu(other, true);
      return;
    }
  }
}

proc::Thread* pick_next(Cpu& cpu) {
  // Slots after the current one first, then from the start: round robin,
  // woken threads before the others. A thread another CPU runs is not
  // runnable here; the current one is picked again only if nothing else
  // is (its own slot comes last).
  proc::Thread& from = *cpu.current;
  const int start = from.tid == 0 ? 0 : static_cast<int>(&from - proc::thread_slot(0));
  proc::Thread* first_runnable = nullptr;
  for (int step = 1; step <= proc::kMaxThreads; ++step) {
    const int slot = (start + step) % proc::kMaxThreads;
    if (slot == 0)
      continue;
    proc::Thread* t = proc::thread_slot(slot);
    if (t->state != proc::State::kRunnable || !allowed_on(*t, cpu))
      continue;
    if (t != &from && proc::cpu_running(*t) != nullptr)
      continue;
    if (t->woken)
      return t;
    if (first_runnable == nullptr)
      first_runnable = t;
  }
  return first_runnable != nullptr ? first_runnable : cpu.idle;
}

void switch_to(Cpu& cpu, proc::Thread& next) {
  proc::Thread& prev = *cpu.current;
  cpu.slice_ticks_left = slice;
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
  // The kernel lock stays held across the switch: `next` gives it up on
  // its own way out of the kernel.
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

// The machine's timed work, once per tick on the boot CPU (whose tick
// keeps the time): sleepers, timers, the load average. True if it woke
// anyone.
bool run_timed_work() {
  const int64_t now = tick::monotonic_ns();
  const bool woke_sleeper = wake_sleepers(now);
  const bool woke = proc::timers::expire_due(now) || woke_sleeper;
  proc::sample_load(tick::last_interrupt_ns());
  return woke;
}

// Every CPU's tick, after the boot CPU's has published the page (tick.cpp:
// the timekeeping never waits for the kernel lock).
void on_tick(interrupts::InterruptFrame& frame) {
  Cpu& cpu = proc::this_cpu();
  const bool boot_cpu = cpu.index == 0;
  if (!interrupts::from_user_mode(frame)) {
    // Kernel mode: the boot context with interrupts on holds the lock (as
    // on one CPU, the tick's work runs beside it); otherwise this CPU is
    // idle or waiting for the lock, and must not wait for it here (the
    // idle loop and the waiter run the scheduler themselves).
    const bool held = kernel_lock::held_here();
    if (!boot_cpu || (!held && !kernel_lock::try_acquire()))
      return;
    run_timed_work();
    if (!held)
      kernel_lock::release();
    return;
  }
  enter_from_user();
  const bool woke = boot_cpu && run_timed_work();
  // Only a thread interrupted in user mode is preempted: the kernel is
  // not preemptible, and the idle task reschedules after its hlt anyway.
  if (cpu.slice_ticks_left > 1 && !woke) {
    --cpu.slice_ticks_left;
  } else {
    cpu.reschedule = true;
  }
  return_to_user();
}

// A reschedule IPI (a wake for this CPU, a signal for its thread, a stop):
// only an interrupted user thread has anything to do here; an idle CPU
// schedules after its hlt, and one waiting for the kernel lock on its way
// into the kernel acts on `reschedule` on its way out.
void on_reschedule_ipi(interrupts::InterruptFrame& frame) {
  lapic::end_of_interrupt();
  if (!interrupts::from_user_mode(frame))
    return;
  enter_from_user();
  return_to_user();
}

// A TLB shootdown: flush, and say so. Never takes the kernel lock: the
// CPU that sent it holds it and waits.
void on_tlb_shootdown_ipi(interrupts::InterruptFrame&) {
  cpu::write_cr3(cpu::read_cr3());
  __atomic_and_fetch(&tlb_flush_pending, ~(proc::CpuMask{1} << proc::this_cpu().index),
                     __ATOMIC_RELEASE);
  lapic::end_of_interrupt();
}

}  // namespace

void init(uint32_t slice_ticks) {
  slice = slice_ticks == 0 ? 1 : slice_ticks;
  for (int i = 0; i < proc::kMaxCpus; ++i)
    proc::cpu(i).slice_ticks_left = slice;
  interrupts::set_handler(interrupts::kRescheduleVector, on_reschedule_ipi);
  interrupts::set_handler(interrupts::kTlbShootdownVector, on_tlb_shootdown_ipi);
  tick::set_listener(on_tick);
  tick::set_other_cpu_listener(on_tick);
}

void schedule() {
  KASSERT(!cpu::interrupts_enabled());
  KASSERT(kernel_lock::held_here());
  Cpu& cpu = proc::this_cpu();
  cpu.reschedule = false;
  switch_to(cpu, *pick_next(cpu));
}

void start(proc::Thread& t) {
  t.state = proc::State::kRunnable;
  kick_idle_cpu_for(t);
}

void wake(proc::Thread& t) {
  if (t.state == proc::State::kSleeping || t.state == proc::State::kWaiting) {
    t.state = proc::State::kRunnable;
    t.woken = true;
    t.wake_at_ns = 0;
    kick_idle_cpu_for(t);
  } else if (t.state == proc::State::kRunnable) {
    // Running elsewhere: make it enter the kernel, where its signals wait.
    if (Cpu* running = proc::cpu_running(t); running != nullptr && running != &proc::this_cpu())
      interrupt_cpu(*running, false);
  }
}

void wake_waiting(proc::Process& p) {
  for (int i = 1; i < proc::kMaxThreads; ++i) {
    proc::Thread* t = proc::thread_slot(i);
    if (t->process == &p && t->state == proc::State::kWaiting)
      wake(*t);
  }
}

void leave_dead_thread() {
  schedule();
  PANIC("a dead thread was scheduled");
}

void affinity_changed(proc::Thread& t) {
  Cpu* running = proc::cpu_running(t);
  if (running != nullptr && running != &proc::this_cpu()) {
    if (!allowed_on(t, *running))
      interrupt_cpu(*running, true);
    return;
  }
  // The caller itself (return_to_user moves it if it must), or a thread
  // that waits for a CPU: an idle one it may now run on takes it.
  if (t.state == proc::State::kRunnable)
    kick_idle_cpu_for(t);
}

void stop_other_cpus_running(proc::Process& p) {
  const auto runs_a_thread_of_p = [&p](const Cpu& cpu) {
    return cpu.current->tid != 0 && cpu.current->process == &p && &cpu != &proc::this_cpu();
  };
  bool any = false;
  for (int i = 0; i < proc::cpu_count(); ++i) {
    Cpu& other = proc::cpu(i);
    if (runs_a_thread_of_p(other)) {
      interrupt_cpu(other, true);
      any = true;
    }
  }
  if (!any)
    return;
  // They need the kernel lock to leave (enter_from_user finds their thread
  // dead): give it up until none runs a thread of p. Nothing of p changes
  // meanwhile: its other threads are dead, the caller is the only live one.
  kernel_lock::release();
  cpu::enable_interrupts();
  for (;;) {
    bool running = false;
    for (int i = 0; i < proc::cpu_count(); ++i)
      running = running || runs_a_thread_of_p(proc::cpu(i));
    if (!running)
      break;
    cpu::pause();
  }
  cpu::disable_interrupts();
  kernel_lock::acquire();
}

void shoot_down_tlb(const proc::Process& p) {
  const Cpu& self = proc::this_cpu();
  proc::CpuMask targets = 0;
  for (int i = 0; i < proc::cpu_count(); ++i) {
    const Cpu& other = proc::cpu(i);
    if (&other != &self && other.current->tid != 0 && other.current->process == &p)
      targets |= proc::CpuMask{1} << i;
  }
  if (targets == 0)
    return;
  __atomic_store_n(&tlb_flush_pending, targets, __ATOMIC_RELAXED);
  for (int i = 0; i < proc::cpu_count(); ++i) {
    if ((targets >> i) & 1)
      send_tlb_shootdown_ipi(proc::cpu(i));
  }
  // Every CPU takes an IPI while it runs user code, waits for the kernel
  // lock or idles, so the acknowledgements come.
  while (__atomic_load_n(&tlb_flush_pending, __ATOMIC_ACQUIRE) != 0)
    cpu::pause();
}

void run_idle() {
  Cpu& cpu = proc::this_cpu();
  KASSERT(cpu.current == cpu.idle);
  // The boot CPU comes here holding the kernel lock (it took it to build
  // user space); every other CPU without it, and sleeps until the boot
  // CPU's idle loop runs (the in-kernel tests and the hand-run mode keep
  // the lock: no CPU spins for it meanwhile).
  if (cpu.index == 0) {
    __atomic_store_n(&scheduler_running, true, __ATOMIC_RELEASE);
  } else {
    while (!__atomic_load_n(&scheduler_running, __ATOMIC_ACQUIRE))
      cpu::wait_for_interrupt();
    cpu::disable_interrupts();
    kernel_lock::acquire();
  }
  for (;;) {
    cpu::disable_interrupts();
    if (cpu.index == 0)
      wake_sleepers(tick::monotonic_ns());
    schedule();
    // Nothing runnable: sleep until the next interrupt (a tick, or a
    // reschedule IPI for a wake). A wake sent after the release finds this
    // CPU still idle and its IPI pending; sti;hlt cannot miss it.
    kernel_lock::release();
    cpu::wait_for_interrupt();
    cpu::disable_interrupts();
    kernel_lock::acquire();
  }
}

uint64_t switch_count() {
  return switches;
}

}  // namespace kernel::sched

// A new thread's first way into user mode (prepare_first_entry points its
// kernel stack here): the way back of any entry (its rseq area, a signal
// already pending, the kernel lock the switch to it kept), then the
// interrupt return.
extern "C" void first_return_to_user() {
  kernel::sched::return_to_user();
}
asm(R"(
        .text
        .globl first_entry_to_user
first_entry_to_user:
        call first_return_to_user
        jmp interrupt_return
)");
