// Timers: POSIX timers (timer_create, timer_settime, timer_gettime,
// timer_getoverrun, timer_delete), the interval timer (setitimer,
// getitimer, alarm) and timerfd. The timers themselves are in
// proc/timers.cpp; this file checks and converts the ABI's structures.
#include "fs/file.h"
#include "proc/process.h"
#include "proc/timers.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "timekeeper.h"
#include "vdso/abi/linux.h"
#include "vdso/abi/time.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

using proc::timers::Setting;

constexpr int64_t kNsPerSecond = abi::kNanosecondsPerSecond;
constexpr uint64_t kTfdTimerCancelOnSet = 2;
using proc::timers::kItimerProf;
using proc::timers::kItimerReal;
using proc::timers::kItimerVirtual;

// struct itimerspec and struct itimerval: the period first.
struct ItimerSpec {
  abi::Timespec interval;
  abi::Timespec value;
};
struct ItimerVal {
  abi::Timeval interval;
  abi::Timeval value;
};

// struct sigevent (64 bytes): the value, the signal, how, then a union
// whose first int is the thread id of SIGEV_THREAD_ID.
struct SigEvent {
  uint64_t value;
  int32_t signal;
  int32_t notify;
  int32_t thread_id;
  int32_t padding[11];
};
static_assert(sizeof(SigEvent) == 64);

bool valid(const abi::Timeval& tv) {
  return tv.sec >= 0 && tv.usec >= 0 && tv.usec < 1'000'000;
}

// Reads a new setting: 0 or -EFAULT/-EINVAL.
int64_t read_setting(uint64_t user_spec, Setting& out) {
  ItimerSpec spec;
  if (proc::read_user(user_spec, spec) != 0)
    return -abi::kEFAULT;
  if (!abi::timespec_valid(spec.value) || !abi::timespec_valid(spec.interval))
    return -abi::kEINVAL;
  out = Setting{vdso::ns_from_timespec(spec.value), vdso::ns_from_timespec(spec.interval)};
  return 0;
}

int64_t write_setting(uint64_t user_spec, const Setting& setting) {
  if (user_spec == 0)
    return 0;
  const ItimerSpec spec{vdso::timespec_from_ns(setting.interval_ns),
                        vdso::timespec_from_ns(setting.value_ns)};
  return proc::write_user(user_spec, spec) == 0 ? 0 : -abi::kEFAULT;
}

int64_t ns_from_timeval(const abi::Timeval& tv) {
  return tv.sec * kNsPerSecond + tv.usec * 1000;
}
// Rounded up: a timer that is still armed never reads as disarmed.
abi::Timeval timeval_from_ns(int64_t ns) {
  const int64_t us = (ns + 999) / 1000;
  return abi::Timeval{us / 1'000'000, us % 1'000'000};
}

// The timerfd at `fd`: -EBADF when nothing is open there, -EINVAL for
// another kind of file (Linux).
int64_t timer_file(uint64_t fd, fs::File*& file) {
  file = fd < proc::kMaxFds ? proc::current().files[fd] : nullptr;
  if (file == nullptr)
    return -abi::kEBADF;
  return file->kind == fs::File::Kind::kTimer ? 0 : -abi::kEINVAL;
}

}  // namespace

int64_t sys_timer_create(Frame& f) {
  int clock_id = static_cast<int>(arg0(f));
  const proc::Process& p = proc::current();
  // A CPU-time clock, as its constant or its encoded id (glibc's).
  proc::Thread* clock_thread = &proc::current_thread();
  if (const int cpu_clock = proc::timers::own_cpu_clock(clock_id, *clock_thread, clock_thread);
      cpu_clock >= 0)
    clock_id = cpu_clock;
  proc::timers::Notification how{proc::timers::kSigevSignal, proc::kSigAlrm, 0, 0, false};
  if (arg1(f) != 0) {
    SigEvent event;
    if (proc::read_user(arg1(f), event) != 0)
      return -abi::kEFAULT;
    how =
        proc::timers::Notification{event.notify, event.signal, event.thread_id, event.value, false};
  }
  // Without a sigevent, si_value is the timer's id (Linux).
  how.value_is_id = arg1(f) == 0;
  int id = 0;
  const int64_t result = proc::timers::create(p, clock_id, *clock_thread, how, id);
  if (result != 0)
    return result;
  if (proc::write_user(arg2(f), static_cast<int32_t>(id)) != 0) {
    proc::timers::remove(p, id);
    return -abi::kEFAULT;
  }
  return 0;
}

int64_t sys_timer_settime(Frame& f) {
  const int id = static_cast<int>(arg0(f));
  const uint64_t flags = arg1(f);
  // Linux refuses a missing new value before it reads anything.
  if (arg2(f) == 0)
    return -abi::kEINVAL;
  Setting setting;
  if (const int64_t r = read_setting(arg2(f), setting); r != 0)
    return r;
  Setting old;
  if (const int64_t r =
          proc::timers::set(proc::current(), id, (flags & abi::kTimerAbstime) != 0, setting, &old);
      r != 0)
    return r;
  return write_setting(arg3(f), old);
}

int64_t sys_timer_gettime(Frame& f) {
  Setting now;
  if (const int64_t r = proc::timers::get(proc::current(), static_cast<int>(arg0(f)), now); r != 0)
    return r;
  if (arg1(f) == 0)
    return -abi::kEFAULT;
  return write_setting(arg1(f), now);
}

int64_t sys_timer_getoverrun(Frame& f) {
  return proc::timers::overrun(proc::current(), static_cast<int>(arg0(f)));
}

int64_t sys_timer_delete(Frame& f) {
  return proc::timers::remove(proc::current(), static_cast<int>(arg0(f)));
}

int64_t sys_getitimer(Frame& f) {
  const int which = static_cast<int>(arg0(f));
  if (which != kItimerReal && which != kItimerVirtual && which != kItimerProf)
    return -abi::kEINVAL;
  const Setting now = proc::timers::get_interval(proc::current(), which);
  const ItimerVal value{timeval_from_ns(now.interval_ns), timeval_from_ns(now.value_ns)};
  return proc::write_user(arg1(f), value) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_setitimer(Frame& f) {
  const int which = static_cast<int>(arg0(f));
  if (which != kItimerReal && which != kItimerVirtual && which != kItimerProf)
    return -abi::kEINVAL;
  ItimerVal requested{};
  if (arg1(f) != 0 && proc::read_user(arg1(f), requested) != 0)
    return -abi::kEFAULT;
  if (!valid(requested.value) || !valid(requested.interval))
    return -abi::kEINVAL;
  const Setting setting{ns_from_timeval(requested.value), ns_from_timeval(requested.interval)};
  Setting old{};
  if (const int64_t r = proc::timers::set_interval(proc::current(), which, setting, old); r != 0)
    return r;
  if (arg2(f) == 0)
    return 0;
  const ItimerVal previous{timeval_from_ns(old.interval_ns), timeval_from_ns(old.value_ns)};
  return proc::write_user(arg2(f), previous) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_alarm(Frame& f) {
  const uint64_t seconds = static_cast<uint32_t>(arg0(f));
  Setting old{};
  // FIXME: with the timer table full the alarm is not set (alarm cannot
  // fail); setitimer says EAGAIN then.
  proc::timers::set_interval(proc::current(), kItimerReal,
                             Setting{static_cast<int64_t>(seconds) * kNsPerSecond, 0}, old);
  // The seconds that were left, rounded to the nearest, and never 0 for
  // an alarm still to come (Linux's alarm_setitimer).
  const abi::Timeval left = timeval_from_ns(old.value_ns);
  int64_t result = left.sec;
  if ((left.sec == 0 && left.usec != 0) || left.usec >= 500'000)
    ++result;
  return result;
}

int64_t sys_timerfd_create(Frame& f) {
  const int clock_id = static_cast<int>(arg0(f));
  const uint64_t flags = arg1(f);
  // Linux's timerfd clocks: not TAI.
  if (!proc::timers::is_wall_clock(clock_id) || clock_id == abi::kClockTai)
    return -abi::kEINVAL;
  if ((flags & ~static_cast<uint64_t>(fs::kOpenNonblock | fs::kOpenCloexec)) != 0)
    return -abi::kEINVAL;
  proc::Process& p = proc::current();
  int fd = 0;
  while (fd < proc::kMaxFds && p.files[fd] != nullptr)
    ++fd;
  if (fd == proc::kMaxFds)
    return -abi::kEMFILE;
  fs::File* file = fs::open_timer(clock_id);
  if (file == nullptr)
    return -abi::kENFILE;
  file->status_flags = static_cast<uint32_t>(flags & fs::kOpenNonblock);
  p.files[fd] = file;
  if (flags & fs::kOpenCloexec)
    p.close_on_exec |= 1u << fd;
  return fd;
}

int64_t sys_timerfd_settime(Frame& f) {
  fs::File* file;
  if (const int64_t r = timer_file(arg0(f), file); r != 0)
    return r;
  const uint64_t flags = arg1(f);
  if ((flags & ~(abi::kTimerAbstime | kTfdTimerCancelOnSet)) != 0)
    return -abi::kEINVAL;
  Setting setting;
  if (const int64_t r = read_setting(arg2(f), setting); r != 0)
    return r;
  // TFD_TIMER_CANCEL_ON_SET never cancels: no program can set the clock.
  Setting old;
  proc::timers::set_for_file(file->timer_slot, (flags & abi::kTimerAbstime) != 0, setting, old);
  return write_setting(arg3(f), old);
}

int64_t sys_timerfd_gettime(Frame& f) {
  fs::File* file;
  if (const int64_t r = timer_file(arg0(f), file); r != 0)
    return r;
  if (arg1(f) == 0)
    return -abi::kEFAULT;
  return write_setting(arg1(f), proc::timers::get_for_file(file->timer_slot));
}

}  // namespace kernel::syscall
