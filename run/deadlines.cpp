#include "deadlines.h"

#include <cstdio>
#include <cstring>

namespace vdso::run {
namespace {

constexpr uint64_t kAbstime = 1;  // TIMER_ABSTIME, TFD_TIMER_ABSTIME

// The clock of timerfd `fd` in `tid`'s process (fdinfo's "clockid:"), or -1.
int timerfd_clock(pid_t tid, uint64_t fd) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/fdinfo/%llu", tid,
                static_cast<unsigned long long>(fd));
  FILE* file = std::fopen(path, "re");
  if (file == nullptr)
    return -1;
  int clock = -1;
  char line[256];
  while (std::fgets(line, sizeof(line), file) != nullptr) {
    if (std::sscanf(line, "clockid: %d", &clock) == 1)
      break;
  }
  std::fclose(file);
  return clock;
}

// The clock of POSIX timer `id` of `tid`'s process (/proc/PID/timers), or -1.
int posix_timer_clock(pid_t tid, uint64_t id) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/timers", tid);
  FILE* file = std::fopen(path, "re");
  if (file == nullptr)
    return -1;
  int clock = -1;
  long long current = -1;
  char line[256];
  while (std::fgets(line, sizeof(line), file) != nullptr) {
    long long n;
    int c;
    if (std::sscanf(line, "ID: %lld", &n) == 1)
      current = n;
    else if (std::sscanf(line, "ClockID: %d", &c) == 1 && current == static_cast<long long>(id)) {
      clock = c;
      break;
    }
  }
  std::fclose(file);
  return clock;
}

// ITIMER_REAL's durations in host time (rounded up), written for the kernel.
void host_itimerval(const abi::VirtualTime& vt, abi::Timeval (&spec)[2], TimeRewrite* rewrite) {
  for (abi::Timeval& tv : spec)
    tv = timeval_rounded_up(host_duration(vt, {tv.sec, tv.usec * 1000}));
  std::memcpy(rewrite->bytes, spec, sizeof(spec));
  rewrite->size = sizeof(spec);
}

// alarm, setitimer and getitimer of ITIMER_REAL, under --rate.
bool interval_timer_rewrite(pid_t tid, const user_regs_struct& regs, const abi::VirtualTime& vt,
                            TimeRewrite* rewrite) {
  const auto nr = static_cast<long>(regs.orig_rax);
  if (nr == kSysAlarm) {
    abi::Timeval spec[2] = {{}, {static_cast<uint32_t>(regs.rdi), 0}};
    host_itimerval(vt, spec, rewrite);
    rewrite->argument = 1;
    rewrite->alarm_as_setitimer = true;
    rewrite->reported = ReportedTime::kAlarmLeft;
    return true;
  }
  if (static_cast<uint32_t>(regs.rdi) != kItimerReal)
    return false;
  const uint64_t old_value = nr == kSysSetitimer ? regs.rdx : regs.rsi;
  if (old_value != 0) {
    rewrite->reported = ReportedTime::kOldItimerval;
    rewrite->reported_at = old_value;
  }
  if (nr == kSysGetitimer || regs.rsi == 0)  // a null new value disarms
    return old_value != 0;
  abi::Timeval spec[2];  // it_interval, it_value
  if (!read_from_process(tid, regs.rsi, spec, sizeof(spec)))
    return false;  // the kernel's own EFAULT
  for (const abi::Timeval& tv : spec) {
    if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1'000'000)
      return false;  // the kernel's own EINVAL
  }
  host_itimerval(vt, spec, rewrite);
  rewrite->argument = 1;
  return true;
}

}  // namespace

bool deadline_rewrite(pid_t tid, const user_regs_struct& registers, const abi::VirtualTime& vt,
                      TimeRewrite* rewrite) {
  user_regs_struct regs = registers;  // argument() hands out references
  const auto nr = static_cast<long>(regs.orig_rax);
  if (nr == kSysNanosleep || nr == kSysClockNanosleep) {
    const bool clocked = nr == kSysClockNanosleep;
    const int clock =
        clocked ? static_cast<int>(static_cast<uint32_t>(regs.rdi)) : abi::kClockMonotonic;
    const bool absolute = clocked && (regs.rsi & kAbstime) != 0;
    const int index = clocked ? 2 : 0;
    if (!abi::virtual_time_moves(clock) || (!absolute && !rate_scales(vt)))
      return false;
    abi::Timespec request;
    if (!read_from_process(tid, argument(regs, index), &request, sizeof(request)) ||
        !abi::timespec_valid(request))
      return false;  // the kernel's own EFAULT or EINVAL
    const abi::Timespec host =
        absolute ? host_deadline(vt, clock, request) : host_duration(vt, request);
    std::memcpy(rewrite->bytes, &host, sizeof(host));
    rewrite->size = sizeof(host);
    rewrite->argument = index;
    const uint64_t remaining = absolute ? 0 : argument(regs, clocked ? 3 : 1);
    if (remaining != 0) {
      rewrite->reported = ReportedTime::kRemainingTimespec;
      rewrite->reported_at = remaining;
    }
    return true;
  }
  if (nr == kSysTimerfdSettime || nr == kSysTimerSettime) {
    const bool absolute = (regs.rsi & kAbstime) != 0;
    if (regs.rdx == 0 || (!absolute && !rate_scales(vt)))
      return false;
    const int clock =
        nr == kSysTimerfdSettime ? timerfd_clock(tid, regs.rdi) : posix_timer_clock(tid, regs.rdi);
    if (!abi::virtual_time_moves(clock))
      return false;
    abi::Timespec spec[2];  // it_interval, it_value
    if (!read_from_process(tid, regs.rdx, spec, sizeof(spec)) || !abi::timespec_valid(spec[0]) ||
        !abi::timespec_valid(spec[1]))
      return false;  // the kernel's own error
    const bool old_value_scales = regs.r10 != 0 && rate_scales(vt);
    if (old_value_scales) {
      rewrite->reported = ReportedTime::kOldItimerspec;
      rewrite->reported_at = regs.r10;
    }
    if (is_zero(spec[1]))  // a disarm: only the old value it returns is the tree's
      return old_value_scales;
    spec[1] = absolute ? host_deadline(vt, clock, spec[1]) : host_duration(vt, spec[1]);
    if (rate_scales(vt) && !is_zero(spec[0]))
      spec[0] = host_duration(vt, spec[0]);
    std::memcpy(rewrite->bytes, spec, sizeof(spec));
    rewrite->size = sizeof(spec);
    rewrite->argument = 2;
    return true;
  }
  if ((nr == kSysTimerGettime || nr == kSysTimerfdGettime) && rate_scales(vt)) {
    // The time left and the interval, which the kernel keeps in host time:
    // converted at the exit as settime's old value is.
    const int clock =
        nr == kSysTimerfdGettime ? timerfd_clock(tid, regs.rdi) : posix_timer_clock(tid, regs.rdi);
    if (regs.rsi == 0 || !abi::virtual_time_moves(clock))
      return false;
    rewrite->reported = ReportedTime::kOldItimerspec;
    rewrite->reported_at = regs.rsi;
    return true;
  }
  if ((nr == kSysAlarm || nr == kSysSetitimer || nr == kSysGetitimer) && rate_scales(vt))
    return interval_timer_rewrite(tid, regs, vt, rewrite);
  return false;
}

}  // namespace vdso::run
