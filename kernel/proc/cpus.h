// The CPUs as processes and the scheduler see them: what each one runs,
// its idle thread, its time slice and whether it must reschedule before it
// returns to user mode. `this_cpu()` is the one place that asks the
// hardware which CPU runs the caller (a per-CPU read through GS); nothing
// else keeps a CPU's index, because a thread that blocks may resume on
// another CPU.
#pragma once

#include <stdint.h>

#include "arch/x86_64/smp.h"

namespace kernel::proc {

struct Thread;

inline constexpr int kMaxCpus = 16;
static_assert(kMaxCpus == smp::kMaxCpus);
// A thread's allowed CPUs, one bit each (sched_setaffinity).
using CpuMask = uint64_t;
static_assert(kMaxCpus <= 64, "a CpuMask holds every CPU");

struct Cpu {
  int index;
  Thread* current;  // written only by this CPU's switch, under the kernel lock
  Thread* idle;     // its idle task (tid 0); CPU 0's is thread slot 0
  uint32_t slice_ticks_left;
  // Set by a wake aimed at this CPU (reschedule IPI) or the end of its
  // slice: schedule() before the return to user mode.
  bool reschedule;
  // Its threads' time on it (not its idle task's), user and system, and
  // the system part in TSC cycles: /proc/stat's per-CPU lines.
  int64_t busy_ns;
  uint64_t system_tsc;
};

namespace detail {
extern Cpu cpus[kMaxCpus];
}  // namespace detail

// The CPUs that are up: cpu(0) is the boot CPU (the page's only writer).
int cpu_count();
CpuMask online_cpus();
inline Cpu& cpu(int index) {
  return detail::cpus[index];
}
// Inline, as every kernel entry asks (one %gs load).
inline Cpu& this_cpu() {
  return detail::cpus[smp::this_cpu_index()];
}

// The CPU running `t`, or null (it is not on any CPU's stack).
Cpu* cpu_running(const Thread& t);

}  // namespace kernel::proc
