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
//
// The translated value is written below the thread's red zone (the kernel
// copies it at entry, before any signal frame could be built there) and
// the argument register pointed at it; at the syscall-exit-stop the
// register is restored (the system-call ABI preserves it), so a restarted
// call is translated afresh from the program's own value.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "vdso/abi/data_page.h"
#include "vdso/abi/virtual_time.h"

namespace vdso::run {

using abi::kSysClockNanosleep;
using abi::kSysNanosleep;
using abi::kSysTimerfdSettime;
using abi::kSysTimerSettime;

// The calls the filter traces for translation. A SECCOMP_RET_TRACE stop of
// any other call, or with SECCOMP_RET_DATA set (ours is 0), comes from a
// filter of the program's own.
inline constexpr long kTranslatedCalls[] = {kSysNanosleep, kSysClockNanosleep, kSysTimerSettime,
                                            kSysTimerfdSettime};

// What the syscall-exit-stop must undo or finish.
struct DeadlineFixup {
  bool pending = false;
  int arg_register = 0;       // 0: rdi, 1: rsi, 2: rdx, 3: r10
  uint64_t original_arg = 0;  // the program's pointer
  uint64_t remaining = 0;     // a relative sleep's rem pointer (0: none)
};

// At the PTRACE_EVENT_SECCOMP stop of `tid`. Returns true if the call was
// rewritten: resume with PTRACE_SYSCALL and call finish_deadline at the
// syscall-exit-stop.
bool translate_deadline(pid_t tid, const abi::VirtualTime& vt, DeadlineFixup* fixup);
void finish_deadline(pid_t tid, const abi::VirtualTime& vt, DeadlineFixup* fixup);

}  // namespace vdso::run
