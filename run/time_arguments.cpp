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

// Below the 128-byte red zone, 16-byte aligned: room for an itimerspec.
constexpr uint64_t kScratchBelowSp = 512;
constexpr int64_t kNever = 0x7fff'ffff'ffff'ffff;

abi::Timespec saturated(__int128 ns) {
  return timespec_from_ns(ns > kNever ? kNever : ns < 0 ? 0 : static_cast<int64_t>(ns));
}

__int128 total_ns(const abi::Timespec& ts) {
  return static_cast<__int128>(ts.sec) * abi::kNanosecondsPerSecond + ts.nsec;
}

// The kernel's remaining time at the exit, in the tree's units where the
// program reads it.
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
        write_to_process(tid, fixup.reported_at, &tree, sizeof(tree));
      }
      return;
    }
    case ReportedTime::kOldItimerspec: {
      abi::Timespec old[2];
      if (result != 0 || !read_from_process(tid, fixup.reported_at, old, sizeof(old)))
        return;
      for (abi::Timespec& ts : old)
        ts = abi::timespec_valid(ts) ? tree_duration(vt, ts) : ts;
      write_to_process(tid, fixup.reported_at, old, sizeof(old));
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
        write_to_process(tid, fixup.original, &tree, sizeof(tree));
      }
      return;
    }
    case ReportedTime::kWrittenBackTimeval: {
      abi::Timeval left;
      if (!read_from_process(tid, fixup.scratch, &left, sizeof(left)) || left.sec < 0 ||
          left.usec < 0 || left.usec >= 1'000'000)
        return;
      const abi::Timespec tree = tree_duration(vt, {left.sec, left.usec * 1000});
      const abi::Timeval back{tree.sec, tree.nsec / 1000};
      write_to_process(tid, fixup.original, &back, sizeof(back));
      return;
    }
  }
}

}  // namespace

bool is_translated_call(long nr) {
  const auto in = [nr](const auto& calls) {
    return std::find(std::begin(calls), std::end(calls), nr) != std::end(calls);
  };
  return in(kDeadlineCalls) || timed_wait(nr) != nullptr || in(kFileTimeCalls);
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
    if (write_to_process(tid, scratch, rewrite.bytes, rewrite.size) != 0)
      return false;
    fixup->scratch = scratch;
    register_value = scratch;
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
  if (fixup->argument >= 0) {
    argument(regs, fixup->argument) = fixup->original;
    ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
  }
  give_back_reported_time(tid, vt, *fixup, static_cast<long>(regs.rax));
}

}  // namespace vdso::run
