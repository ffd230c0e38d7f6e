// Timers: POSIX per-process timers (timer_create), the interval timers
// (setitimer ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF, alarm) and
// timerfd's timers, in one table. A timer on a wall clock keeps its next
// expiry as a deadline on the page's MONOTONIC (the clock the tick wakes
// sleepers on); an absolute time on another clock is converted when the
// timer is armed, with that clock's offset to MONOTONIC from one
// publication of the page (REALTIME and TAI move against MONOTONIC only by
// the timekeeper's slew: no clock_settime here). A timer on a CPU-time
// clock (the process's or one thread's CPU time, ITIMER_VIRTUAL's user
// time, ITIMER_PROF's user and system time) keeps its deadline on that
// clock, read from the accounting at each tick while one is armed: it
// expires within a tick of its CPU time, as Linux's tick-checked CPU
// timers do. The tick expires them (expire_due): a signal for POSIX
// timers and the interval timers, a count for timerfd's read.
//
// Locking: `timers_lock` (timers.cpp) guards the table. The tick takes it
// to expire timers, system calls to change them, so every holder keeps
// its CPU's interrupts off meanwhile (InterruptSafeLockGuard); it is never
// held while a signal is delivered or a user copy runs.
#pragma once

#include <stdint.h>

#include "proc/process.h"

namespace kernel::proc::timers {

// si_code of a POSIX timer's signal, and the sigev_notify values.
inline constexpr int32_t kSiTimer = -2;
inline constexpr int kSigevSignal = 0, kSigevNone = 1, kSigevThread = 2, kSigevThreadId = 4;

// A timer's setting, relative: the time to the next expiry (0: disarmed)
// and the period (0: one shot).
struct Setting {
  int64_t value_ns;
  int64_t interval_ns;
};

// What timer_create asks for (the kernel's view of struct sigevent).
struct Notification {
  int notify;        // kSigev*
  int signal;        // for kSigevSignal and kSigevThreadId
  int target_tid;    // for kSigevThreadId
  uint64_t value;    // sigev_value, handed back in si_value
  bool value_is_id;  // no sigevent given: si_value is the timer's id
};

// setitimer's `which`: SIGALRM on MONOTONIC, SIGVTALRM on the process's
// user time, SIGPROF on its user and system time.
inline constexpr int kItimerReal = 0, kItimerVirtual = 1, kItimerProf = 2;

// Whether timers (and clock_nanosleep) run on `clock_id`: REALTIME,
// MONOTONIC, BOOTTIME, TAI and the two alarm clocks.
bool is_wall_clock(int clock_id);
// Linux's error for a clock that is not a wall clock: EOPNOTSUPP for
// those it reads but cannot arm or sleep on (MONOTONIC_RAW, the coarse
// ones), EINVAL for the others (the CPU-time clocks answer for themselves).
int64_t not_a_wall_clock(int clock_id);
// The CPU-time clock `clock_id` names for `caller`: CLOCK_PROCESS_CPUTIME_ID,
// CLOCK_THREAD_CPUTIME_ID (the caller's thread), or Linux's encoded id
// (~pid << 3 | type, bit 2 per thread; glibc's timer_create and
// clock_nanosleep pass these) of pid 0, the caller's process or one of its
// threads, with the type the scheduler's or the profiling time (the same
// time here). Returns kClockProcessCputimeId, or kClockThreadCputimeId with
// the thread in `thread`; -1 for any other id (FIXME: another process's
// clock, and the encoded user-time type, are not served).
int own_cpu_clock(int clock_id, Thread& caller, Thread*& thread);
// The MONOTONIC deadline of absolute time `absolute_ns` on `clock_id` (a
// wall clock).
int64_t monotonic_deadline(int clock_id, int64_t absolute_ns);

// POSIX timers of `owner`. Each returns 0 or -errno (EINVAL for a bad id
// or setting, EAGAIN when the table is full). `clock_id` is a wall clock,
// CLOCK_PROCESS_CPUTIME_ID (the owner's CPU time) or
// CLOCK_THREAD_CPUTIME_ID (the CPU time of `clock_thread`, a thread of the
// owner).
int64_t create(const Process& owner, int clock_id, const Thread& clock_thread,
               const Notification& how, int& id);
int64_t set(const Process& owner, int id, bool absolute, const Setting& setting, Setting* old);
int64_t get(const Process& owner, int id, Setting& out);
int64_t overrun(const Process& owner, int id);  // the count, or -EINVAL
int64_t remove(const Process& owner, int id);

// The interval timer `which` (kItimer*) of `owner`; `old` gets the
// setting it replaces. 0, or -EAGAIN when the table is full (Linux's cannot
// fail: its timers live in the process).
int64_t set_interval(const Process& owner, int which, const Setting& setting, Setting& old);
Setting get_interval(const Process& owner, int which);

// timerfd's timers: a table slot per descriptor's file, or -1 when full.
int create_for_file(int clock_id);
void release_for_file(int slot);
int64_t set_for_file(int slot, bool absolute, const Setting& setting, Setting& old);
Setting get_for_file(int slot);
// The expirations since the last read, reset to 0 (0: nothing yet).
uint64_t take_expirations(int slot);
// Whether a read would find expirations now (poll/epoll readiness).
bool has_expirations(int slot);

// Process life: exec deletes the POSIX timers (the interval timers stay,
// as on Linux); exit deletes all of the process's timers.
void on_exec(const Process& p);
void on_exit(const Process& p);
// A timer's signal reached its handler (or its default action): from now
// on timer_getoverrun reports the overruns it carried.
void on_signal_delivered(const Process& p, const SignalInfo& info);

// The tick: expires every timer due at MONOTONIC `now_ns`, and every
// CPU-time timer whose clock has reached its deadline. True when it woke a
// process (a signal, or a timerfd reader).
bool expire_due(int64_t now_ns);

}  // namespace kernel::proc::timers
