// A system call's time argument rewritten in the tree's time, at the
// tracer's PTRACE_EVENT_SECCOMP stop: the one mechanism under the sleeps
// and absolute timers (deadlines.h), the timed waits (timed_waits.h) and
// the file times (file_times.h).
//
// A user notification cannot change a call's arguments, and a wait
// answered by the listener would hold the thread that serves everybody
// else, so under virtual time the filter returns SECCOMP_RET_TRACE for
// these calls only, and the tracer:
//   1. at the seccomp stop, decides the host's value (a register, or a
//      timespec, timeval or itimerspec written below the thread's red zone,
//      where the kernel copies it at entry, before any signal frame could
//      be built there) and points the argument at it;
//   2. at the syscall-exit-stop, restores the register (the system-call
//      ABI preserves it, so a restarted call is translated afresh from the
//      program's own value) and gives back what the kernel reported in host
//      units (a remaining time) in the tree's.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "remote_memory.h"
#include "vdso/abi/data_page.h"
#include "vdso/abi/virtual_time.h"

namespace vdso::run {

// What the kernel reports back in host time, for the exit stop to convert.
enum class ReportedTime : uint8_t {
  kNone,
  // nanosleep's `rem`: a host timespec at `reported_at`, written on EINTR.
  kRemainingTimespec,
  // select's timeval, ppoll's and pselect6's timespec: the kernel updates
  // the translated copy with the host's remaining time; the program's own
  // gets it in the tree's.
  kWrittenBackTimespec,
  kWrittenBackTimeval,
  // timerfd_settime's and timer_settime's `old_value`, timerfd_gettime's
  // and timer_gettime's `curr_value`: a host itimerspec at `reported_at`,
  // written on success.
  kOldItimerspec,
  // setitimer's `old_value`, getitimer's `curr_value`: a host itimerval at
  // `reported_at`, written on success.
  kOldItimerval,
  // alarm, run as setitimer(ITIMER_REAL): the old itimerval the kernel
  // wrote after the new one, as alarm's result (whole seconds, rounded as
  // Linux rounds them) in the tree's.
  kAlarmLeft,
  // A struct stat or struct statx at `reported_at`, filled on success:
  // its times in the tree's (file_times.h).
  kStatTimes,
  kStatxTimes,
};

// One rewrite, as decided at the seccomp stop.
struct TimeRewrite {
  int argument = -1;         // 0..5: rdi, rsi, rdx, r10, r8, r9; -1: none
  bool in_register = false;  // the new value is `value` itself (an int ms)
  uint64_t value = 0;
  unsigned char bytes[32] = {};  // else: what the argument points at
  size_t size = 0;
  ReportedTime reported = ReportedTime::kNone;
  uint64_t reported_at = 0;  // kRemainingTimespec: the program's pointer
  // alarm(seconds) becomes setitimer(ITIMER_REAL, bytes, the scratch right
  // after them): alarm takes whole seconds, too coarse for a duration / R.
  bool alarm_as_setitimer = false;
};

// What the syscall-exit-stop must undo or finish.
struct TimeFixup {
  bool pending = false;
  int argument = -1;      // -1: no register to restore
  uint64_t original = 0;  // the program's register value
  uint64_t scratch = 0;   // where the translated copy is (0: a register)
  // alarm_as_setitimer: the call's number and first three arguments, as
  // the program made them.
  bool restore_call = false;
  uint64_t original_call[4] = {};  // orig_rax, rdi, rsi, rdx
  ReportedTime reported = ReportedTime::kNone;
  uint64_t reported_at = 0;
};

// At the PTRACE_EVENT_SECCOMP stop of `tid`: rewrites a sleep, timer,
// timed wait or file time in host time. True if it did: resume with PTRACE_SYSCALL and
// call finish_time_arguments at the syscall-exit-stop. False: nothing to
// translate (or the kernel's own error to come), resume as is.
bool translate_time_arguments(pid_t tid, const abi::VirtualTime& vt, TimeFixup* fixup);
void finish_time_arguments(pid_t tid, const abi::VirtualTime& vt, TimeFixup* fixup);

// Whether the filter may trace `nr` for translation (a sleep, timer, timed
// wait or file-time call). A SECCOMP_RET_TRACE stop of any other call, or
// with SECCOMP_RET_DATA set (ours is 0), comes from a filter of the
// program's own.
bool is_translated_call(long nr);

// ---- For the translators (deadlines, timed_waits, file_times) --------------

// The rate is neither 1 nor 0: durations scale.
bool rate_scales(const abi::VirtualTime& vt);
// The rate is not 1 (--rate or --freeze): MONOTONIC's deadlines move.
bool monotonic_moves(const abi::VirtualTime& vt);

unsigned long long& argument(user_regs_struct& regs, int index);  // as the struct types it
bool is_zero(const abi::Timespec& ts);

// A duration of the tree's in host time (rounded up: never short), and
// back (rounded down: never more than is left). Only when rate_scales().
abi::Timespec host_duration(const abi::VirtualTime& vt, const abi::Timespec& tree);
abi::Timespec tree_duration(const abi::VirtualTime& vt, const abi::Timespec& host);
// A timespec as a timeval, rounded up to a microsecond (never short).
abi::Timeval timeval_rounded_up(const abi::Timespec& ts);
// A deadline on moved clock `clock_id` in host time (abi::to_host); a
// frozen clock's future is never.
abi::Timespec host_deadline(const abi::VirtualTime& vt, int clock_id, const abi::Timespec& tree);

}  // namespace vdso::run
