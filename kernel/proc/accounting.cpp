#include "proc/accounting.h"

#include "proc/process.h"
#include "time/clocksource.h"
#include "time/tick.h"

namespace kernel::proc {
namespace {

uint64_t read_tsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

// kernel/sched/loadavg.c's constants: 1 / exp(5 s / 1, 5, 15 min) in
// fixed point.
constexpr uint64_t kFixed1 = 1u << kLoadFractionBits;
constexpr uint64_t kDecay[3] = {1884, 2014, 2037};
constexpr int64_t kLoadIntervalNs = 5'000'000'000;
uint64_t loads[3] = {};
int64_t next_sample_ns = 0;

// A thread's system time, with the stretch it is in now if it is the
// caller, in a system call.
uint64_t system_tsc_of(const Thread& t) {
  uint64_t cycles = t.accounting.system_tsc;
  if (&t == &current_thread() && t.accounting.in_system_call)
    cycles += read_tsc() - t.accounting.entered_kernel_tsc;
  return cycles;
}

bool is_live(const Thread& t) {
  return t.state != State::kFree && t.state != State::kDead;
}

}  // namespace

void start_accounting(Process& p) {
  p.accounting = CpuAccounting{};
  p.accounting.started_ns = tick::monotonic_ns();
}

void entered_system_call(Thread& t) {
  t.accounting.in_system_call = true;
  t.accounting.entered_kernel_tsc = read_tsc();
}

void left_system_call(Thread& t) {
  const uint64_t spent = read_tsc() - t.accounting.entered_kernel_tsc;
  t.accounting.system_tsc += spent;
  this_cpu().system_tsc += spent;
  t.accounting.in_system_call = false;
}

void retire_accounting(Thread& t) {
  t.process->accounting.exited_system_tsc += system_tsc_of(t);
  t.accounting = ThreadAccounting{};
}

void accounted_switch(Thread& prev, Thread& next, int64_t ran_ns) {
  const uint64_t now = read_tsc();
  if (prev.tid != 0) {
    Cpu& cpu = this_cpu();
    cpu.busy_ns += ran_ns;
    if (prev.accounting.in_system_call) {
      const uint64_t spent = now - prev.accounting.entered_kernel_tsc;
      prev.accounting.system_tsc += spent;
      cpu.system_tsc += spent;
    }
  }
  next.accounting.entered_kernel_tsc = now;
}

CpuTimes times_of(const Process& p) {
  const int64_t cpu_ns = process_cpu_time_ns(p);
  uint64_t system_tsc = p.accounting.exited_system_tsc;
  for (int i = 1; i < kMaxThreads; ++i) {
    const Thread& t = *thread_slot(i);
    if (t.process == &p && is_live(t))
      system_tsc += system_tsc_of(t);
  }
  int64_t system_ns = clocksource::ns_from_tsc(system_tsc);
  if (system_ns > cpu_ns)
    system_ns = cpu_ns;  // two clocks' rounding
  return {cpu_ns - system_ns, system_ns, p.accounting.children_user_ns,
          p.accounting.children_system_ns};
}

CpuTimes times_of_thread(const Thread& t) {
  const int64_t cpu_ns = thread_cpu_time_ns(t);
  int64_t system_ns = clocksource::ns_from_tsc(system_tsc_of(t));
  if (system_ns > cpu_ns)
    system_ns = cpu_ns;
  return {cpu_ns - system_ns, system_ns, 0, 0};
}

void add_child_times(Process& parent, const Process& child) {
  const CpuTimes t = times_of(child);
  parent.accounting.children_user_ns += t.user_ns + t.children_user_ns;
  parent.accounting.children_system_ns += t.system_ns + t.children_system_ns;
}

MachineTimes cpu_times(int index) {
  // The running thread adds its current run; the idle task's time is the
  // CPU's idle time.
  const Cpu& c = cpu(index);
  const Thread& running = *c.current;
  const int64_t running_ns = tick::monotonic_ns() - running.ran_since_ns;
  const int64_t busy_ns = c.busy_ns + (running.tid != 0 ? running_ns : 0);
  const int64_t idle_ns = c.idle->cpu_time_ns + (running.tid == 0 ? running_ns : 0);
  uint64_t system_tsc = c.system_tsc;
  if (running.tid != 0 && running.accounting.in_system_call)
    system_tsc += read_tsc() - running.accounting.entered_kernel_tsc;
  int64_t system_ns = clocksource::ns_from_tsc(system_tsc);
  if (system_ns > busy_ns)
    system_ns = busy_ns;
  return {busy_ns - system_ns, system_ns, idle_ns};
}

MachineTimes machine_times() {
  MachineTimes total{0, 0, 0};
  for (int i = 0; i < cpu_count(); ++i) {
    const MachineTimes one = cpu_times(i);
    total.user_ns += one.user_ns;
    total.system_ns += one.system_ns;
    total.idle_ns += one.idle_ns;
  }
  return total;
}

int runnable_count() {
  int n = 0;
  for (int i = 1; i < kMaxThreads; ++i) {
    if (thread_slot(i)->state == State::kRunnable)
      ++n;
  }
  return n;
}

void sample_load(int64_t now_ns) {
  if (now_ns < next_sample_ns)
    return;
  next_sample_ns = (next_sample_ns == 0 ? now_ns : next_sample_ns) + kLoadIntervalNs;
  const uint64_t active = static_cast<uint64_t>(runnable_count()) * kFixed1;
  for (int i = 0; i < 3; ++i) {
    // calc_load: load = load * e + active * (1 - e), rounded up when rising.
    uint64_t next = loads[i] * kDecay[i] + active * (kFixed1 - kDecay[i]);
    if (active >= loads[i])
      next += kFixed1 - 1;
    loads[i] = next / kFixed1;
  }
}

void load_averages(uint64_t (&out)[3]) {
  for (int i = 0; i < 3; ++i)
    out[i] = loads[i];
}

}  // namespace kernel::proc
