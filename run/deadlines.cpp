#include "deadlines.h"

#include <sys/ptrace.h>
#include <sys/user.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "remote_memory.h"
#include "timekeeper.h"

namespace vdso::run {
namespace {

// Below the 128-byte red zone, 16-byte aligned: room for an itimerspec.
constexpr uint64_t kScratchBelowSp = 512;
constexpr int64_t kNever = 0x7fff'ffff'ffff'ffff;

unsigned long long& arg(user_regs_struct& regs, int index) {
  switch (index) {
    case 0: return regs.rdi;
    case 1: return regs.rsi;
    case 2: return regs.rdx;
    default: return regs.r10;
  }
}

using abi::timespec_valid;

bool is_rate(const abi::VirtualTime& vt) {
  const uint64_t mult = vt.rate_mult;
  return mult != 0 && mult != (uint64_t{1} << abi::kVirtualRateShift);
}

// A virtual duration in host time (rounded up: never short).
abi::Timespec host_duration(const abi::VirtualTime& vt, const abi::Timespec& d) {
  const __int128 ns = static_cast<__int128>(d.sec) * abi::kNanosecondsPerSecond + d.nsec;
  const __int128 shifted = ns << abi::kVirtualRateShift;
  __int128 host = shifted / vt.rate_mult;
  if (host * vt.rate_mult < shifted)
    ++host;
  return timespec_from_ns(host > kNever ? kNever : static_cast<int64_t>(host));
}

// A virtual deadline in host time; a frozen clock's future is never.
abi::Timespec host_deadline(const abi::VirtualTime& vt, int clock_id, const abi::Timespec& v) {
  int64_t host = kNever;
  if (!abi::to_host(vt, clock_id, v, &host))
    host = kNever;
  return timespec_from_ns(host < 0 ? 0 : host);
}

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

}  // namespace

bool translate_deadline(pid_t tid, const abi::VirtualTime& vt, DeadlineFixup* fixup) {
  user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0)
    return false;
  const auto nr = static_cast<long>(regs.orig_rax);
  const uint64_t scratch = ((regs.rsp - kScratchBelowSp) & ~uint64_t{15});
  int index = -1;           // the argument to rewrite
  unsigned char value[32];  // what it will point at
  size_t size = 0;
  uint64_t remaining = 0;
  if (nr == kSysNanosleep || nr == kSysClockNanosleep) {
    const bool clocked = nr == kSysClockNanosleep;
    const int clock =
        clocked ? static_cast<int>(static_cast<uint32_t>(regs.rdi)) : abi::kClockMonotonic;
    const bool absolute = clocked && (regs.rsi & abi::kTimerAbstime) != 0;
    index = clocked ? 2 : 0;
    if (arg(regs, index) == scratch || !abi::virtual_time_moves(clock) ||
        (!absolute && !is_rate(vt)))
      return false;
    abi::Timespec request;
    if (!read_from_process(tid, arg(regs, index), &request, sizeof(request)) ||
        !timespec_valid(request))
      return false;  // the kernel's own EFAULT or EINVAL
    const abi::Timespec host =
        absolute ? host_deadline(vt, clock, request) : host_duration(vt, request);
    std::memcpy(value, &host, sizeof(host));
    size = sizeof(host);
    remaining = absolute ? 0 : arg(regs, clocked ? 3 : 1);
  } else if (nr == kSysTimerfdSettime || nr == kSysTimerSettime) {
    if ((regs.rsi & abi::kTimerAbstime) == 0 || regs.rdx == scratch || regs.rdx == 0)
      return false;
    const int clock =
        nr == kSysTimerfdSettime ? timerfd_clock(tid, regs.rdi) : posix_timer_clock(tid, regs.rdi);
    if (!abi::virtual_time_moves(clock))
      return false;
    abi::Timespec spec[2];  // it_interval, it_value
    if (!read_from_process(tid, regs.rdx, spec, sizeof(spec)) || !timespec_valid(spec[1]))
      return false;
    if (spec[1].sec == 0 && spec[1].nsec == 0)
      return false;  // disarms: nothing to translate
    spec[1] = host_deadline(vt, clock, spec[1]);
    if (is_rate(vt) && timespec_valid(spec[0]) && (spec[0].sec != 0 || spec[0].nsec != 0))
      spec[0] = host_duration(vt, spec[0]);
    std::memcpy(value, spec, sizeof(spec));
    size = sizeof(spec);
    index = 2;
  } else {
    return false;
  }
  if (write_to_process(tid, scratch, value, size) != 0)
    return false;
  fixup->pending = true;
  fixup->arg_register = index;
  fixup->original_arg = arg(regs, index);
  fixup->remaining = remaining;
  arg(regs, index) = scratch;
  if (ptrace(PTRACE_SETREGS, tid, nullptr, &regs) != 0) {
    fixup->pending = false;
    return false;
  }
  return true;
}

void finish_deadline(pid_t tid, const abi::VirtualTime& vt, DeadlineFixup* fixup) {
  fixup->pending = false;
  user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0)
    return;
  arg(regs, fixup->arg_register) = fixup->original_arg;
  ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
  const auto result = static_cast<long>(regs.rax);
  if (fixup->remaining == 0 || (result != -abi::kEINTR && result != -abi::kERESTART_RESTARTBLOCK))
    return;
  // The kernel wrote the remaining host time: the program reads virtual.
  abi::Timespec left;
  if (!read_from_process(tid, fixup->remaining, &left, sizeof(left)) || !timespec_valid(left))
    return;
  const __int128 ns = static_cast<__int128>(left.sec) * abi::kNanosecondsPerSecond + left.nsec;
  const __int128 scaled = (ns * vt.rate_mult) >> abi::kVirtualRateShift;
  const abi::Timespec virt =
      timespec_from_ns(scaled > kNever ? kNever : static_cast<int64_t>(scaled));
  write_to_process(tid, fixup->remaining, &virt, sizeof(virt));
}

}  // namespace vdso::run
