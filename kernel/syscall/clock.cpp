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
#include "proc/timers.h"
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

// Sleeps until the process's CPU time reaches a deadline (Linux sleeps on
// it; only the process's other threads can move it while it sleeps), a
// tick at a time. -EINTR if a signal comes first.
int64_t cpu_time_sleep(bool absolute, uint64_t request, uint64_t remaining) {
  abi::Timespec ts;
  if (proc::read_user(request, ts) != 0)
    return -abi::kEFAULT;
  if (!abi::timespec_valid(ts))
    return -abi::kEINVAL;
  proc::Thread& self = proc::current_thread();
  proc::Process& p = proc::current();
  const int64_t deadline =
      vdso::ns_from_timespec(ts) + (absolute ? 0 : proc::process_cpu_time_ns(p));
  while (proc::process_cpu_time_ns(p) < deadline) {
    if (proc::has_deliverable_signal(self)) {
      if (!absolute && remaining != 0) {
        const abi::Timespec rem = vdso::timespec_from_ns(deadline - proc::process_cpu_time_ns(p));
        if (proc::write_user(remaining, rem) != 0)
          return -abi::kEFAULT;
      }
      return -abi::kEINTR;
    }
    self.wake_at_ns = tick::monotonic_ns() + static_cast<int64_t>(tick::timekeeper().tick_ns());
    self.state = proc::State::kSleeping;
    sched::schedule();
  }
  return 0;
}

// struct timex (include/uapi/linux/timex.h), x86_64.
struct Timex {
  uint32_t modes;
  int64_t offset, freq, maxerror, esterror;
  int32_t status;
  int64_t constant, precision, tolerance;
  abi::Timeval time;
  int64_t tick, ppsfreq, jitter;
  int32_t shift;
  int64_t stabil, jitcnt, calcnt, errcnt, stbcnt;
  int32_t tai;
  int32_t padding[11];
};
static_assert(sizeof(Timex) == 208);

constexpr uint32_t kAdjOffsetSsRead = 0xa001;  // adjtime(3)'s read of what is left
constexpr int32_t kStaUnsync = 0x40;
constexpr int64_t kTimeError = 5;  // the clock is not synchronised
constexpr int64_t kNtpPhaseLimitUs = 16'000'000;
constexpr int64_t kScaledPpm = 1 << 16;

int64_t read_adjtimex(uint64_t user_timex) {
  Timex tx;
  if (proc::read_user(user_timex, tx) != 0)
    return -abi::kEFAULT;
  if (tx.modes != 0 && tx.modes != kAdjOffsetSsRead)
    return -abi::kEPERM;
  const vdso::Timekeeper& keeper = tick::timekeeper();
  const abi::DataPage& page = keeper.page();
  const uint32_t realtime_mult = abi::load_relaxed(page.fine[abi::kClockRealtime].mult);
  const uint32_t monotonic_mult = abi::load_relaxed(page.fine[abi::kClockMonotonic].mult);
  const uint32_t modes = tx.modes;
  tx = Timex{};
  tx.modes = modes;
  // What the timekeeper is doing to REALTIME: the slew left (adjtime's
  // offset, in microseconds) and the rate it runs at against MONOTONIC.
  tx.offset = modes == kAdjOffsetSsRead ? keeper.pending_adjustment_ns() / 1000 : 0;
  tx.freq = monotonic_mult == 0 ? 0
                                : (static_cast<int64_t>(realtime_mult) - monotonic_mult) *
                                      1'000'000 * kScaledPpm / monotonic_mult;
  // No NTP discipline here: the REALTIME the RTC gave at boot, unsynchronised.
  tx.status = kStaUnsync;
  tx.maxerror = tx.esterror = kNtpPhaseLimitUs;
  tx.constant = 2;
  tx.precision = 1;
  tx.tolerance = vdso::Timekeeper::kMaxSlewPpm * kScaledPpm;
  abi::Timespec now;
  read_clock(abi::kClockRealtime, now);
  tx.time = abi::Timeval{now.sec, now.nsec / 1000};
  tx.tick = 1'000'000 / 100;  // microseconds per USER_HZ tick
  abi::Timespec tai;
  read_clock(abi::kClockTai, tai);
  const int64_t tai_offset_ns = vdso::ns_from_timespec(tai) - vdso::ns_from_timespec(now);
  tx.tai = static_cast<int32_t>((tai_offset_ns + abi::kNanosecondsPerSecond / 2) /
                                abi::kNanosecondsPerSecond);
  if (proc::write_user(user_timex, tx) != 0)
    return -abi::kEFAULT;
  return kTimeError;
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
  const int64_t sec = tick::timekeeper().time_seconds();
  if (arg0(f) != 0 && proc::write_user(arg0(f), sec) != 0)
    return -abi::kEFAULT;
  return sec;
}

int64_t sys_nanosleep(Frame& f) {
  return relative_sleep(arg0(f), arg1(f));
}

int64_t sys_clock_nanosleep(Frame& f) {
  // clock_nanosleep returns the error instead of setting errno: same ABI.
  const int id = static_cast<int>(arg0(f));
  const bool absolute = (arg1(f) & abi::kTimerAbstime) != 0;
  // glibc passes the process's CPU clock as its encoded id (pid 0).
  proc::Thread* clock_thread = nullptr;
  if (proc::timers::own_cpu_clock(id, proc::current_thread(), clock_thread) ==
      abi::kClockProcessCputimeId)
    return cpu_time_sleep(absolute, arg2(f), arg3(f));
  if (!proc::timers::is_wall_clock(id))
    return proc::timers::not_a_wall_clock(id);  // the thread's CPU clock too: EINVAL
  if (!absolute)
    return relative_sleep(arg2(f), arg3(f));
  abi::Timespec ts;
  if (proc::read_user(arg2(f), ts) != 0)
    return -abi::kEFAULT;
  if (!abi::timespec_valid(ts))
    return -abi::kEINVAL;
  return sleep_until(proc::timers::monotonic_deadline(id, vdso::ns_from_timespec(ts)));
}

// adjtimex and clock_adjtime (REALTIME only, as Linux) answer the
// timekeeper's state and change nothing: modes other than 0 and
// ADJ_OFFSET_SS_READ are EPERM, as for a process without CAP_SYS_TIME
// (no program may move this kernel's clocks).
int64_t sys_adjtimex(Frame& f) {
  return read_adjtimex(arg0(f));
}

int64_t sys_clock_adjtime(Frame& f) {
  const int id = static_cast<int>(arg0(f));
  // Linux's other clocks cannot be adjusted (EOPNOTSUPP); 10 is no clock.
  if (id != abi::kClockRealtime)
    return id >= 0 && id <= abi::kClockTai && id != 10 ? -abi::kEOPNOTSUPP : -abi::kEINVAL;
  return read_adjtimex(arg1(f));
}

}  // namespace kernel::syscall
