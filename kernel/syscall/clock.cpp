// Clocks and sleeping. The coarse ids are answered by the one Timekeeper
// from the published data page, through the same reader as the VDSO, so
// the system call and the VDSO can never disagree. The other clocks come
// from the TSC clock source: MONOTONIC (also RAW and BOOTTIME: no
// frequency steering, no suspend) and REALTIME = MONOTONIC + the offset
// the page publishes (the coarse pair read from one page snapshot).
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "time/clocksource.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

namespace abi = vdso::abi;
constexpr int64_t kNsPerSecond = abi::kNanosecondsPerSecond;
constexpr uint64_t kTimerAbstime = 1;

// REALTIME - MONOTONIC as the page publishes it.
int64_t realtime_offset_ns() {
  // The two coarse values are published together; read until the
  // monotonic value is the same on both sides of the realtime read.
  for (;;) {
    abi::Timespec mono1, real, mono2;
    tick::timekeeper().clock_gettime(abi::kClockMonotonicCoarse, &mono1);
    tick::timekeeper().clock_gettime(abi::kClockRealtimeCoarse, &real);
    tick::timekeeper().clock_gettime(abi::kClockMonotonicCoarse, &mono2);
    if (mono1.sec == mono2.sec && mono1.nsec == mono2.nsec)
      return vdso::ns_from_timespec(real) - vdso::ns_from_timespec(mono1);
  }
}

int64_t cpu_time_ns(const proc::Process& p) {
  return p.cpu_time_ns + (clocksource::monotonic_ns() - p.ran_since_ns);
}

// 0 and the time, or -EINVAL for an id we do not know.
int read_clock(int id, abi::Timespec& out) {
  switch (id) {
    case abi::kClockRealtimeCoarse:
    case abi::kClockMonotonicCoarse: return tick::timekeeper().clock_gettime(id, &out);
    case abi::kClockMonotonic:
    case abi::kClockMonotonicRaw:
    case abi::kClockBoottime:
    case abi::kClockBoottimeAlarm:
      out = vdso::timespec_from_ns(clocksource::monotonic_ns());
      return 0;
    case abi::kClockRealtime:
    case abi::kClockRealtimeAlarm:
    case abi::kClockTai:  // FIXME: TAI offset 0, as on a Linux nobody told it
      out = vdso::timespec_from_ns(clocksource::monotonic_ns() + realtime_offset_ns());
      return 0;
    case abi::kClockProcessCputimeId:
    case abi::kClockThreadCputimeId:
      out = vdso::timespec_from_ns(cpu_time_ns(proc::current()));
      return 0;
    default: return -abi::kEINVAL;
  }
}

bool valid(const abi::Timespec& ts) {
  return ts.sec >= 0 && ts.nsec >= 0 && ts.nsec < kNsPerSecond;
}

// Sleeps until MONOTONIC reaches `deadline_ns` (rounded up to a tick: the
// tick wakes sleepers). -EINTR if a signal comes first.
int64_t sleep_until(int64_t deadline_ns) {
  proc::Process& p = proc::current();
  while (clocksource::monotonic_ns() < deadline_ns) {
    if (proc::has_deliverable_signal(p))
      return -abi::kEINTR;
    p.wake_at_ns = deadline_ns;
    p.state = proc::State::kSleeping;
    sched::schedule();
  }
  return 0;
}

int64_t relative_sleep(uint64_t request, uint64_t remaining) {
  abi::Timespec ts;
  if (proc::read_user(request, ts) != 0)
    return -abi::kEFAULT;
  if (!valid(ts))
    return -abi::kEINVAL;
  const int64_t deadline = clocksource::monotonic_ns() + vdso::ns_from_timespec(ts);
  const int64_t result = sleep_until(deadline);
  if (result == -abi::kEINTR && remaining != 0) {
    int64_t left = deadline - clocksource::monotonic_ns();
    const abi::Timespec rem = vdso::timespec_from_ns(left > 0 ? left : 0);
    if (proc::write_user(remaining, rem) != 0)
      return -abi::kEFAULT;
  }
  return result;
}

}  // namespace

int64_t sys_clock_gettime(Frame& f) {
  abi::Timespec ts;
  const int result = read_clock(static_cast<int>(arg0(f)), ts);
  if (result != 0)
    return result;
  return proc::write_user(arg1(f), ts) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_clock_getres(Frame& f) {
  const int id = static_cast<int>(arg0(f));
  abi::Timespec ts;
  if (id == abi::kClockRealtimeCoarse || id == abi::kClockMonotonicCoarse) {
    tick::timekeeper().clock_getres(id, &ts);
  } else {
    if (read_clock(id, ts) != 0)
      return -abi::kEINVAL;
    ts = abi::Timespec{0, 1};  // the TSC: nanosecond resolution
  }
  if (arg1(f) == 0)
    return 0;
  return proc::write_user(arg1(f), ts) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_gettimeofday(Frame& f) {
  if (arg0(f) != 0) {
    abi::Timespec ts;
    read_clock(abi::kClockRealtime, ts);
    const abi::Timeval tv{ts.sec, ts.nsec / 1000};
    if (proc::write_user(arg0(f), tv) != 0)
      return -abi::kEFAULT;
  }
  if (arg1(f) != 0) {
    const abi::Timezone tz{0, 0};
    if (proc::write_user(arg1(f), tz) != 0)
      return -abi::kEFAULT;
  }
  return 0;
}

int64_t sys_time(Frame& f) {
  // The coarse REALTIME's seconds, as Linux (ktime_get_real_seconds) and
  // as the VDSO's __vdso_time: the two paths agree.
  abi::Timespec ts;
  read_clock(abi::kClockRealtimeCoarse, ts);
  if (arg0(f) != 0 && proc::write_user(arg0(f), ts.sec) != 0)
    return -abi::kEFAULT;
  return ts.sec;
}

int64_t sys_nanosleep(Frame& f) {
  return relative_sleep(arg0(f), arg1(f));
}

int64_t sys_clock_nanosleep(Frame& f) {
  // clock_nanosleep returns the error instead of setting errno: same ABI.
  const int id = static_cast<int>(arg0(f));
  const uint64_t flags = arg1(f);
  const bool realtime = id == abi::kClockRealtime;
  if (!realtime && id != abi::kClockMonotonic && id != abi::kClockBoottime)
    return -abi::kEINVAL;
  if ((flags & kTimerAbstime) == 0)
    return relative_sleep(arg2(f), arg3(f));
  abi::Timespec ts;
  if (proc::read_user(arg2(f), ts) != 0)
    return -abi::kEFAULT;
  if (!valid(ts))
    return -abi::kEINVAL;
  int64_t deadline = vdso::ns_from_timespec(ts);
  if (realtime)
    deadline -= realtime_offset_ns();
  return sleep_until(deadline);
}

}  // namespace kernel::syscall
