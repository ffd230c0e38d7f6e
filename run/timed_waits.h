// Timed waits under virtual time: every call that waits with a timeout
// waits it on the tree's clock, as the tree's kernel would measure it.
//
//   absolute REALTIME deadlines     futex FUTEX_LOCK_PI, and WAIT_BITSET,
//   (under any virtual time)        WAIT_REQUEUE_PI, LOCK_PI2 with
//                                   FUTEX_CLOCK_REALTIME; futex_waitv on
//                                   REALTIME; mq_timedsend, mq_timedreceive
//   absolute MONOTONIC deadlines    the same futex operations without the
//   (under --rate and --freeze)     flag, futex_waitv on MONOTONIC
//   relative timeouts               futex FUTEX_WAIT, poll, ppoll, select,
//   (under --rate)                  pselect6, epoll_wait, epoll_pwait,
//                                   epoll_pwait2, rt_sigtimedwait,
//                                   semtimedop, recvmmsg
//
// A deadline goes through abi::to_host (rounded up: never early; a frozen
// clock's future is never); a duration is divided by the rate (rounded up;
// a millisecond argument to a whole host millisecond). Under --freeze a
// relative timeout lasts its real duration, as a relative sleep does: a
// frozen clock never reaches anything after its present, so the other
// choice would turn every timed wait of the tree (a poll loop, a lock
// with a timeout) into a hang. The remaining time that select, pselect6,
// ppoll and recvmmsg write back reaches the program in the tree's units.
//
// Only timed waits stop in the tracer: the seccomp filter
// (timed_wait_filter) matches the operation and the timeout argument, so
// an untimed futex (a contended mutex), a null timeout pointer, a zero or
// negative millisecond timeout, and without virtual time every one of these
// calls, never leaves the kernel. A pointer to a zero timeout cannot be
// told from the filter (it cannot read memory): it stops, and is left as is.
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "time_arguments.h"
#include "vdso/abi/linux.h"

namespace vdso::run {

enum class TimeoutForm : uint8_t {
  kMilliseconds,  // an int: > 0 waits that long, 0 polls, < 0 waits forever
  kTimespec,      // a pointer: null waits forever
  kTimeval,
};

enum class TimeoutClock : uint8_t {
  kRelative,          // a duration (the kernel's MONOTONIC)
  kRealtimeDeadline,  // an absolute REALTIME deadline
  kFutexOperation,    // futex: the operation (argument 1) says which
  kClockArgument,     // futex_waitv: its clock argument (argument 4)
};

struct TimedWait {
  long nr;
  int timeout_argument;  // 0..5
  TimeoutForm form;
  TimeoutClock clock;
  ReportedTime reported;
};

inline constexpr TimedWait kTimedWaits[] = {
    {abi::kSysFutex, 3, TimeoutForm::kTimespec, TimeoutClock::kFutexOperation, ReportedTime::kNone},
    {abi::kSysFutexWaitv, 3, TimeoutForm::kTimespec, TimeoutClock::kClockArgument,
     ReportedTime::kNone},
    {abi::kSysMqTimedsend, 4, TimeoutForm::kTimespec, TimeoutClock::kRealtimeDeadline,
     ReportedTime::kNone},
    {abi::kSysMqTimedreceive, 4, TimeoutForm::kTimespec, TimeoutClock::kRealtimeDeadline,
     ReportedTime::kNone},
    {abi::kSysPoll, 2, TimeoutForm::kMilliseconds, TimeoutClock::kRelative, ReportedTime::kNone},
    {abi::kSysEpollWait, 3, TimeoutForm::kMilliseconds, TimeoutClock::kRelative,
     ReportedTime::kNone},
    {abi::kSysEpollPwait, 3, TimeoutForm::kMilliseconds, TimeoutClock::kRelative,
     ReportedTime::kNone},
    {abi::kSysPpoll, 2, TimeoutForm::kTimespec, TimeoutClock::kRelative,
     ReportedTime::kWrittenBackTimespec},
    {abi::kSysSelect, 4, TimeoutForm::kTimeval, TimeoutClock::kRelative,
     ReportedTime::kWrittenBackTimeval},
    {abi::kSysPselect6, 4, TimeoutForm::kTimespec, TimeoutClock::kRelative,
     ReportedTime::kWrittenBackTimespec},
    {abi::kSysEpollPwait2, 3, TimeoutForm::kTimespec, TimeoutClock::kRelative, ReportedTime::kNone},
    {abi::kSysRtSigtimedwait, 2, TimeoutForm::kTimespec, TimeoutClock::kRelative,
     ReportedTime::kNone},
    {abi::kSysSemtimedop, 3, TimeoutForm::kTimespec, TimeoutClock::kRelative, ReportedTime::kNone},
    {abi::kSysRecvmmsg, 4, TimeoutForm::kTimespec, TimeoutClock::kRelative,
     ReportedTime::kWrittenBackTimespec},
};

// futex(2)'s operations that wait with a timeout (include/uapi/linux/futex.h).
inline constexpr uint32_t kFutexWait = 0;        // relative, MONOTONIC
inline constexpr uint32_t kFutexLockPi = 6;      // absolute, always REALTIME
inline constexpr uint32_t kFutexWaitBitset = 9;  // absolute, by the flag
inline constexpr uint32_t kFutexWaitRequeuePi = 11;
inline constexpr uint32_t kFutexLockPi2 = 13;
inline constexpr uint32_t kFutexPrivateFlag = 128;
inline constexpr uint32_t kFutexClockRealtime = 256;
// The operation, as the kernel reads it (FUTEX_CMD_MASK).
inline constexpr uint32_t futex_command(uint32_t op) {
  return op & ~(kFutexPrivateFlag | kFutexClockRealtime);
}

// Which waits the tree's virtual time moves: the filter stops only these.
struct MovedWaits {
  bool realtime_deadlines = false;   // any virtual time
  bool monotonic_deadlines = false;  // the rate is not 1 (--rate, --freeze)
  bool relative_timeouts = false;    // the rate is neither 1 nor 0 (--rate)
};
MovedWaits moved_waits(const abi::VirtualTime& vt);

// The timed wait `nr` is, or null.
const TimedWait* timed_wait(long nr);

// At the PTRACE_EVENT_SECCOMP stop of `tid`, whose registers are `regs`:
// true if the call is a timed wait whose timeout the tree's time moves,
// with the rewrite that measures it on the host's clock.
bool timed_wait_rewrite(pid_t tid, const user_regs_struct& regs, const abi::VirtualTime& vt,
                        TimeRewrite* rewrite);

}  // namespace vdso::run
