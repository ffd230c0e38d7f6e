// CPU-time accounting and the load average. A thread's time on the CPU
// (the scheduler's cpu_time_ns) is split at the kernel's edge: the
// system-call entry and exit (and a switch away while blocked in a call)
// stamp the TSC, so system time is the time spent in system calls and user
// time the rest. A process's times are its threads', live and exited. The
// tick cannot tell them apart here: system calls run with interrupts off,
// so every tick lands in user mode or in the idle task.
//
// One source for every reader: times(2), getrusage(2), wait4's rusage,
// /proc/PID/stat and /proc/stat all answer from these counters. A thread's
// are written only by the CPU running it; each CPU's totals (proc/cpus.h) by
// that CPU under the kernel lock, summed for the machine.
#pragma once

#include <stdint.h>

namespace kernel::proc {

struct Process;
struct Thread;

struct ThreadAccounting {
  bool in_system_call;
  uint64_t entered_kernel_tsc;  // when the current stretch in the kernel began
  uint64_t system_tsc;          // TSC cycles spent in system calls
};

struct CpuAccounting {
  uint64_t exited_system_tsc;  // of its threads that have exited
  int64_t children_user_ns;    // of reaped children (and theirs)
  int64_t children_system_ns;
  int64_t started_ns;  // MONOTONIC at fork
};

struct CpuTimes {
  int64_t user_ns, system_ns, children_user_ns, children_system_ns;
};

void start_accounting(Process& p);  // at fork: zero, started now
void entered_system_call(Thread& t);
void left_system_call(Thread& t);
// The scheduler's switch: `ran_ns` is the run it has just added to prev's
// cpu_time_ns.
void accounted_switch(Thread& prev, Thread& next, int64_t ran_ns);
// A thread's end: its system time stays with its process.
void retire_accounting(Thread& t);
// A zombie's times go to its parent's children's times (wait4).
void add_child_times(Process& parent, const Process& child);

CpuTimes times_of(const Process& p);
CpuTimes times_of_thread(const Thread& t);  // its own user and system time

// The machine since boot: time in processes' user mode and system calls,
// and the idle tasks' time, of one CPU or of every CPU together (as
// /proc/stat's lines).
struct MachineTimes {
  int64_t user_ns, system_ns, idle_ns;
};
MachineTimes cpu_times(int cpu_index);
MachineTimes machine_times();

// Linux's load average (kernel/sched/loadavg.c): the number of runnable
// threads, sampled every 5 s into exponential averages over 1, 5 and
// 15 minutes, in fixed point with 11 fractional bits (sysinfo's loads
// shift them to 16). The tick calls sample_load.
inline constexpr int kLoadFractionBits = 11;
void sample_load(int64_t now_ns);
void load_averages(uint64_t (&loads)[3]);
int runnable_count();

// USER_HZ clock ticks (times(2), /proc): 100 a second, as AT_CLKTCK says.
inline constexpr int64_t kUserHz = 100;
inline int64_t clock_ticks(int64_t ns) {
  return ns / (1'000'000'000 / kUserHz);
}

}  // namespace kernel::proc
