// Timers: POSIX per-process timers (timer_create), the real-time interval
// timer (setitimer ITIMER_REAL, alarm) and timerfd's timers, in one table.
// Every timer keeps its next expiry as a deadline on the page's MONOTONIC
// (the clock the tick wakes sleepers on); an absolute time on another
// clock is converted when the timer is armed, with that clock's offset to
// MONOTONIC from one publication of the page (REALTIME and TAI move
// against MONOTONIC only by the timekeeper's slew: no clock_settime here).
// The tick expires them (expire_due): a signal for POSIX timers and
// ITIMER_REAL, a count for timerfd's read.
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

// Whether timers (and clock_nanosleep) run on `clock_id`: REALTIME,
// MONOTONIC, BOOTTIME, TAI and the two alarm clocks.
bool is_wall_clock(int clock_id);
// Linux's error for a clock that is not a wall clock: EOPNOTSUPP for
// those it reads but cannot arm or sleep on (MONOTONIC_RAW, the coarse
// ones), EINVAL for the others (the CPU-time clocks answer for themselves).
int64_t not_a_wall_clock(int clock_id);
// The MONOTONIC deadline of absolute time `absolute_ns` on `clock_id` (a
// wall clock).
int64_t monotonic_deadline(int clock_id, int64_t absolute_ns);

// POSIX timers of `owner`. Each returns 0 or -errno (EINVAL for a bad id
// or setting, EAGAIN when the table is full).
int64_t create(const Process& owner, int clock_id, const Notification& how, int& id);
int64_t set(const Process& owner, int id, bool absolute, const Setting& setting, Setting* old);
int64_t get(const Process& owner, int id, Setting& out);
int64_t overrun(const Process& owner, int id);  // the count, or -EINVAL
int64_t remove(const Process& owner, int id);

// ITIMER_REAL of `owner` (SIGALRM at each expiry); `old` gets the setting
// it replaces. 0, or -EAGAIN when the table is full (Linux's cannot fail:
// its timer lives in the process).
int64_t set_real(const Process& owner, const Setting& setting, Setting& old);
Setting get_real(const Process& owner);

// timerfd's timers: a table slot per descriptor's file, or -1 when full.
int create_for_file(int clock_id);
void release_for_file(int slot);
int64_t set_for_file(int slot, bool absolute, const Setting& setting, Setting& old);
Setting get_for_file(int slot);
// The expirations since the last read, reset to 0 (0: nothing yet).
uint64_t take_expirations(int slot);
// Whether a read would find expirations now (poll/epoll readiness).
bool has_expirations(int slot);

// Process life: exec deletes the POSIX timers (ITIMER_REAL stays, as on
// Linux); exit deletes all of the process's timers.
void on_exec(const Process& p);
void on_exit(const Process& p);
// A timer's signal reached its handler (or its default action): from now
// on timer_getoverrun reports the overruns it carried.
void on_signal_delivered(const Process& p, const SignalInfo& info);

// The tick: expires every timer due at MONOTONIC `now_ns`. True when it
// woke a process (a signal, or a timerfd reader).
bool expire_due(int64_t now_ns);

}  // namespace kernel::proc::timers
