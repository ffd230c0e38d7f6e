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

uint64_t machine_system_tsc = 0;
int64_t machine_busy_ns = 0;  // processes' CPU time, user and system

// kernel/sched/loadavg.c's constants: 1 / exp(5 s / 1, 5, 15 min) in
// fixed point.
constexpr uint64_t kFixed1 = 1u << kLoadFractionBits;
constexpr uint64_t kDecay[3] = {1884, 2014, 2037};
constexpr int64_t kLoadIntervalNs = 5'000'000'000;
uint64_t loads[3] = {};
int64_t next_sample_ns = 0;

int64_t running_ns(const Process& p) {
  return &p == &current() ? tick::monotonic_ns() - p.ran_since_ns : 0;
}

}  // namespace

void start_accounting(Process& p) {
  p.accounting = CpuAccounting{};
  p.accounting.started_ns = tick::monotonic_ns();
}

void entered_system_call(Process& p) {
  p.accounting.in_system_call = true;
  p.accounting.entered_kernel_tsc = read_tsc();
}

void left_system_call(Process& p) {
  const uint64_t spent = read_tsc() - p.accounting.entered_kernel_tsc;
  p.accounting.system_tsc += spent;
  machine_system_tsc += spent;
  p.accounting.in_system_call = false;
}

void accounted_switch(Process& prev, Process& next, int64_t, int64_t ran_ns) {
  const uint64_t now = read_tsc();
  if (prev.pid != 0) {
    machine_busy_ns += ran_ns;
    if (prev.accounting.in_system_call) {
      const uint64_t spent = now - prev.accounting.entered_kernel_tsc;
      prev.accounting.system_tsc += spent;
      machine_system_tsc += spent;
    }
  }
  next.accounting.entered_kernel_tsc = now;
}

CpuTimes times_of(const Process& p) {
  const int64_t cpu_ns = p.cpu_time_ns + running_ns(p);
  int64_t system_ns = clocksource::ns_from_tsc(p.accounting.system_tsc);
  if (system_ns > cpu_ns)
    system_ns = cpu_ns;  // two clocks' rounding
  return {cpu_ns - system_ns, system_ns, p.accounting.children_user_ns,
          p.accounting.children_system_ns};
}

void add_child_times(Process& parent, const Process& child) {
  const CpuTimes t = times_of(child);
  parent.accounting.children_user_ns += t.user_ns + t.children_user_ns;
  parent.accounting.children_system_ns += t.system_ns + t.children_system_ns;
}

MachineTimes machine_times() {
  const Process& running = current();
  const int64_t busy_ns = machine_busy_ns + (running.pid != 0 ? running_ns(running) : 0);
  const Process& idle = *slot(0);
  const int64_t idle_ns = idle.cpu_time_ns + (running.pid == 0 ? running_ns(idle) : 0);
  int64_t system_ns = clocksource::ns_from_tsc(machine_system_tsc);
  if (system_ns > busy_ns)
    system_ns = busy_ns;
  return {busy_ns - system_ns, system_ns, idle_ns};
}

int runnable_count() {
  int n = 0;
  for (int i = 1; i < kMaxProcesses; ++i) {
    if (slot(i)->state == State::kRunnable)
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
