// Clocks and sleeping. Every clock the data page holds (the coarse ids and
// the fine REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME, TAI) is answered
// by the one Timekeeper from the page, with the image's own readers
// (abi::read_coarse, abi::read_fine on the TSC), so a VDSO read bracketed
// by two system calls is ordered for every clock. The *_ALARM ids are
// their clocks (no suspend here); the CPU-time clocks come from the
// process's accounting. Sleeps are deadlines on the same MONOTONIC.
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"
#include "vdso/abi/time.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

// The clock an id is read as: the alarm clocks are their clocks.
int page_clock_of(int id) {
  switch (id) {
    case abi::kClockRealtimeAlarm: return abi::kClockRealtime;
    case abi::kClockBoottimeAlarm: return abi::kClockBoottime;
    default: return id;
  }
}

bool is_cpu_time_clock(int id) {
  return id == abi::kClockProcessCputimeId || id == abi::kClockThreadCputimeId;
}

// 0 and the time, or -EINVAL for an id we do not know.
int read_clock(int id, abi::Timespec& out) {
  if (id == abi::kClockProcessCputimeId) {
    out = vdso::timespec_from_ns(proc::process_cpu_time_ns(proc::current()));
    return 0;
  }
  if (id == abi::kClockThreadCputimeId) {
    out = vdso::timespec_from_ns(proc::thread_cpu_time_ns(proc::current_thread()));
    return 0;
  }
  return tick::timekeeper().clock_gettime(page_clock_of(id), &out);
}

// Sleeps until MONOTONIC reaches `deadline_ns` (rounded up to a tick: the
// tick wakes sleepers). -EINTR if a signal comes first.
int64_t sleep_until(int64_t deadline_ns) {
  proc::Thread& p = proc::current_thread();
  while (tick::monotonic_ns() < deadline_ns) {
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
  if (!abi::timespec_valid(ts))
    return -abi::kEINVAL;
  const int64_t deadline = tick::monotonic_ns() + vdso::ns_from_timespec(ts);
  const int64_t result = sleep_until(deadline);
  if (result == -abi::kEINTR && remaining != 0) {
    int64_t left = deadline - tick::monotonic_ns();
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
  if (is_cpu_time_clock(id)) {
    ts = abi::Timespec{0, 1};  // the TSC: nanosecond resolution
  } else if (tick::timekeeper().clock_getres(page_clock_of(id), &ts) != 0) {
    return -abi::kEINVAL;
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
    // What the VDSO's gettimeofday fills in: the page's timezone.
    const abi::DataPage& page = tick::timekeeper().page();
    const abi::Timezone tz{abi::load_relaxed(page.timezone.minuteswest),
                           abi::load_relaxed(page.timezone.dsttime)};
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
  if ((flags & abi::kTimerAbstime) == 0)
    return relative_sleep(arg2(f), arg3(f));
  abi::Timespec ts;
  if (proc::read_user(arg2(f), ts) != 0)
    return -abi::kEFAULT;
  if (!abi::timespec_valid(ts))
    return -abi::kEINVAL;
  int64_t deadline = vdso::ns_from_timespec(ts);
  if (realtime)
    deadline -= tick::realtime_offset_ns();
  return sleep_until(deadline);
}

}  // namespace kernel::syscall
