// Sleeps and absolute timers under virtual time: the calls whose time
// argument the kernel reads on the host's clock, translated at the
// tracer's PTRACE_EVENT_SECCOMP stop (the seccomp filter returns
// SECCOMP_RET_TRACE for them only under virtual time; a user notification
// cannot change a call's arguments, and answering a sleep from the
// listener would hold it).
//
//   nanosleep, clock_nanosleep (relative)    under --rate: the duration / R,
//                                            and an interrupted sleep's
//                                            remaining time * R
//   clock_nanosleep TIMER_ABSTIME            on a moved clock: the deadline
//   timerfd_settime TFD_TIMER_ABSTIME         through abi::to_host (a frozen
//   timer_settime TIMER_ABSTIME               clock's future: never)
//   timerfd_settime, timer_settime (relative) under --rate: both durations / R,
//                                             the old value * R
//   timerfd_gettime, timer_gettime            under --rate: the time left and
//                                             the interval * R
//   setitimer, getitimer ITIMER_REAL          under --rate: both durations / R,
//                                             the old or current value * R
//   alarm                                     under --rate: run as
//                                             setitimer(ITIMER_REAL) with
//                                             seconds / R, its result (the
//                                             seconds left) * R
//
// Under --freeze a relative timer, like a relative timeout, lasts its real
// duration (timed_waits.h says why); ITIMER_VIRTUAL and ITIMER_PROF count
// the process's CPU time, which no virtual time moves.
//
// How the rewrite is made and undone: time_arguments.h.
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "time_arguments.h"
#include "vdso/abi/virtual_time.h"

namespace vdso::run {

using abi::kSysAlarm;
using abi::kSysClockNanosleep;
using abi::kSysGetitimer;
using abi::kSysNanosleep;
using abi::kSysSetitimer;
using abi::kSysTimerfdGettime;
using abi::kSysTimerfdSettime;
using abi::kSysTimerGettime;
using abi::kSysTimerSettime;

inline constexpr uint64_t kItimerReal = 0;  // ITIMER_REAL

// The calls the filter traces for their deadlines.
inline constexpr long kDeadlineCalls[] = {kSysNanosleep, kSysClockNanosleep, kSysTimerSettime,
                                          kSysTimerfdSettime};
// The interval timer calls the filter traces under --rate (ITIMER_REAL's
// only, but alarm).
inline constexpr long kIntervalTimerCalls[] = {kSysAlarm, kSysSetitimer, kSysGetitimer};
// The timer reads the filter traces under --rate: what they answer is a
// duration on the host's clock.
inline constexpr long kTimerReadCalls[] = {kSysTimerGettime, kSysTimerfdGettime};

// At the PTRACE_EVENT_SECCOMP stop of `tid`, whose registers are `regs`:
// true if the call is a sleep or absolute timer to translate, with the
// rewrite that does it.
bool deadline_rewrite(pid_t tid, const user_regs_struct& regs, const abi::VirtualTime& vt,
                      TimeRewrite* rewrite);

}  // namespace vdso::run
