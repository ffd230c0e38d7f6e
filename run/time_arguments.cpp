#include "time_arguments.h"

#include <sys/ptrace.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "clock_calls.h"
#include "deadlines.h"
#include "file_times.h"
#include "timed_waits.h"
#include "timekeeper.h"

namespace vdso::run {
namespace {

// Below the 128-byte red zone, 16-byte aligned: room for an itimerspec, or
// alarm's two itimervals.
constexpr uint64_t kScratchBelowSp = 512;
constexpr int64_t kNever = 0x7fff'ffff'ffff'ffff;

abi::Timespec saturated(__int128 ns) {
  return timespec_from_ns(ns > kNever ? kNever : ns < 0 ? 0 : static_cast<int64_t>(ns));
}

__int128 total_ns(const abi::Timespec& ts) {
  return static_cast<__int128>(ts.sec) * abi::kNanosecondsPerSecond + ts.nsec;
}

// A host itimerval's times in the tree's (an invalid one left as is).
void itimerval_to_tree(const abi::VirtualTime& vt, abi::Timeval (&spec)[2]) {
  for (abi::Timeval& tv : spec) {
    if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1'000'000)
      continue;
    const abi::Timespec tree = tree_duration(vt, {tv.sec, tv.usec * 1000});
    tv = {tree.sec, tree.nsec / 1000};
  }
}

// alarm's result from the old itimerval: the seconds left, at least 1 if
// any time is, else rounded to the nearest (Linux's alarm_setitimer).
uint64_t alarm_seconds_left(const abi::Timeval& left) {
  const bool round_up = (left.sec == 0 && left.usec != 0) || left.usec >= 500'000;
  return static_cast<uint64_t>(left.sec) + (round_up ? 1 : 0);
}

// The kernel's remaining time at the exit, in the tree's units where the
// program reads it. A write back that fails (the program unmapped its
// buffer meanwhile) leaves the host's value there: nothing better to do.
void give_back_reported_time(pid_t tid, const abi::VirtualTime& vt, const TimeFixup& fixup,
                             long result) {
  switch (fixup.reported) {
    case ReportedTime::kNone: return;
    case ReportedTime::kRemainingTimespec: {
      if (result != -abi::kEINTR && result != -abi::kERESTART_RESTARTBLOCK)
        return;
      abi::Timespec left;
      if (read_from_process(tid, fixup.reported_at, &left, sizeof(left)) &&
          abi::timespec_valid(left)) {
        const abi::Timespec tree = tree_duration(vt, left);
        (void)write_to_process(tid, fixup.reported_at, &tree, sizeof(tree));
      }
      return;
    }
    case ReportedTime::kOldItimerspec: {
      abi::Timespec old[2];
      if (result != 0 || !read_from_process(tid, fixup.reported_at, old, sizeof(old)))
        return;
      for (abi::Timespec& ts : old)
        ts = abi::timespec_valid(ts) ? tree_duration(vt, ts) : ts;
      (void)write_to_process(tid, fixup.reported_at, old, sizeof(old));
      return;
    }
    case ReportedTime::kOldItimerval: {
      abi::Timeval old[2];
      if (result != 0 || !read_from_process(tid, fixup.reported_at, old, sizeof(old)))
        return;
      itimerval_to_tree(vt, old);
      (void)write_to_process(tid, fixup.reported_at, old, sizeof(old));
      return;
    }
    case ReportedTime::kAlarmLeft: {
      abi::Timeval old[2];
      user_regs_struct regs;
      if (result != 0 || !read_from_process(tid, fixup.scratch + sizeof(old), old, sizeof(old)) ||
          ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0)
        return;
      itimerval_to_tree(vt, old);
      regs.rax = alarm_seconds_left(old[1]);
      ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
      return;
    }
    case ReportedTime::kStatTimes:
    case ReportedTime::kStatxTimes:
      if (result == 0)
        give_back_stat_times(tid, vt, fixup.reported_at,
                             fixup.reported == ReportedTime::kStatxTimes);
      return;
    case ReportedTime::kWrittenBackTimespec: {
      abi::Timespec left;
      if (read_from_process(tid, fixup.scratch, &left, sizeof(left)) && abi::timespec_valid(left)) {
        const abi::Timespec tree = tree_duration(vt, left);
        (void)write_to_process(tid, fixup.original, &tree, sizeof(tree));
      }
      return;
    }
    case ReportedTime::kWrittenBackTimeval: {
      abi::Timeval left;
      if (!read_from_process(tid, fixup.scratch, &left, sizeof(left)) || left.sec < 0 ||
          left.usec < 0 || left.usec >= 1'000'000)
        return;
      abi::Timeval back[2] = {{}, left};
      itimerval_to_tree(vt, back);
      (void)write_to_process(tid, fixup.original, &back[1], sizeof(back[1]));
      return;
    }
  }
}

}  // namespace

bool is_translated_call(long nr) {
  const auto in = [nr](const auto& calls) {
    return std::find(std::begin(calls), std::end(calls), nr) != std::end(calls);
  };
  return in(kDeadlineCalls) || in(kIntervalTimerCalls) || in(kTimerReadCalls) ||
         timed_wait(nr) != nullptr || in(kFileTimeCalls);
}

bool rate_scales(const abi::VirtualTime& vt) {
  return vt.rate_mult != 0 && vt.rate_mult != abi::kVirtualRateOne;
}

bool monotonic_moves(const abi::VirtualTime& vt) {
  return vt.rate_mult != abi::kVirtualRateOne;
}

unsigned long long& argument(user_regs_struct& regs, int index) {
  switch (index) {
    case 0: return regs.rdi;
    case 1: return regs.rsi;
    case 2: return regs.rdx;
    case 3: return regs.r10;
    case 4: return regs.r8;
    default: return regs.r9;
  }
}

bool is_zero(const abi::Timespec& ts) {
  return ts.sec == 0 && ts.nsec == 0;
}

abi::Timespec host_duration(const abi::VirtualTime& vt, const abi::Timespec& tree) {
  const __int128 shifted = total_ns(tree) << abi::kVirtualRateShift;
  __int128 host = shifted / vt.rate_mult;
  if (host * vt.rate_mult < shifted)
    ++host;
  return saturated(host);
}

abi::Timespec tree_duration(const abi::VirtualTime& vt, const abi::Timespec& host) {
  return saturated((total_ns(host) * vt.rate_mult) >> abi::kVirtualRateShift);
}

abi::Timeval timeval_rounded_up(const abi::Timespec& ts) {
  abi::Timeval tv{ts.sec, (ts.nsec + 999) / 1000};
  if (tv.usec == 1'000'000)
    tv = {tv.sec + 1, 0};
  return tv;
}

abi::Timespec host_deadline(const abi::VirtualTime& vt, int clock_id, const abi::Timespec& tree) {
  int64_t host = kNever;
  if (!abi::to_host(vt, clock_id, tree, &host))
    host = kNever;
  return saturated(host);
}

bool translate_time_arguments(pid_t tid, const abi::VirtualTime& vt, TimeFixup* fixup) {
  user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0)
    return false;
  TimeRewrite rewrite;
  if (!deadline_rewrite(tid, regs, vt, &rewrite) && !timed_wait_rewrite(tid, regs, vt, &rewrite) &&
      !file_time_rewrite(tid, regs, vt, &rewrite))
    return false;
  *fixup = {};
  fixup->argument = rewrite.argument;
  fixup->reported = rewrite.reported;
  fixup->reported_at = rewrite.reported_at;
  if (rewrite.argument < 0) {  // only the exit's work
    fixup->pending = true;
    return true;
  }
  unsigned long long& register_value = argument(regs, rewrite.argument);
  const uint64_t scratch = (regs.rsp - kScratchBelowSp) & ~uint64_t{15};
  fixup->original = register_value;
  if (rewrite.in_register) {
    register_value = rewrite.value;
  } else {
    if (!write_to_process(tid, scratch, rewrite.bytes, rewrite.size))
      return false;
    fixup->scratch = scratch;
    register_value = scratch;
  }
  if (rewrite.alarm_as_setitimer) {
    fixup->restore_call = true;
    fixup->original_call[0] = regs.orig_rax;
    fixup->original_call[1] = regs.rdi;
    fixup->original_call[2] = fixup->original;  // rsi, already replaced
    fixup->original_call[3] = regs.rdx;
    regs.orig_rax = static_cast<uint64_t>(abi::kSysSetitimer);
    regs.rdi = kItimerReal;
    regs.rdx = scratch + rewrite.size;  // the old value, after the new
  }
  if (ptrace(PTRACE_SETREGS, tid, nullptr, &regs) != 0)
    return false;
  fixup->pending = true;
  return true;
}

void finish_time_arguments(pid_t tid, const abi::VirtualTime& vt, TimeFixup* fixup) {
  fixup->pending = false;
  user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0)
    return;
  const auto result = static_cast<long>(regs.rax);
  if (fixup->argument >= 0 || fixup->restore_call) {
    if (fixup->argument >= 0)
      argument(regs, fixup->argument) = fixup->original;
    if (fixup->restore_call) {
      regs.orig_rax = fixup->original_call[0];
      regs.rdi = fixup->original_call[1];
      regs.rsi = fixup->original_call[2];
      regs.rdx = fixup->original_call[3];
    }
    ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
  }
  give_back_reported_time(tid, vt, *fixup, result);
}

}  // namespace vdso::run
