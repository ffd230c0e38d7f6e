// The clock system calls that vdso-run answers for the tree, from the same
// Timekeeper the VDSO reads, so that a program mixing libc's coarse
// clock_gettime (the page) with the system call sees one clock, as on
// vdso-kernel. Answered: clock_gettime and clock_getres for the ids the page
// serves, and time(2). Under virtual time also clock_gettime for every id
// virtual time moves (abi::virtual_time_moves: the host's reading,
// transformed) and gettimeofday. Everything else stays with the host
// kernel: the seccomp filter matches the system-call number and the clock
// id, so other clocks never leave the kernel.
//
// The supervisor reads the host's clocks with the same system calls, which
// its own filter would send back to it: it passes the cookie as the third
// argument (which the kernel ignores), and the filter lets those through.
//
// The listener thread asks reply_to() what to answer; the tracer, at a
// signal-delivery-stop, asks restart_interrupted_clock_call() to turn the
// interruption of a waiting call into a restart, because on Linux these
// calls never fail with EINTR.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "remote_memory.h"  // the listener writes a ClockReply with write_to_process
#include "timekeeper.h"
#include "vdso/abi/linux.h"

namespace vdso::run {

// The calls answered besides the clock calls: time(2), and those that set
// the time, answered by time_setting.h for the tree.
using abi::kSysAdjtimex;
using abi::kSysClockAdjtime;
using abi::kSysClockSettime;
using abi::kSysSettimeofday;
using abi::kSysTime;

// Whether the filter hands system call `nr` with first argument `arg0` to
// the listener as a call that sets the time: settimeofday, adjtimex, and
// clock_settime/clock_adjtime of CLOCK_REALTIME.
bool sets_time(uint64_t nr, uint64_t arg0);

// Whether the supervisor answers system call `nr` with first argument
// `arg0`: the test the seccomp filter makes, in C++. The clock id is the
// low 32 bits, as the kernel reads a clockid_t.
// `virtual_time`: whether the tree runs on virtual time.
bool answers_clock_call(uint64_t nr, uint64_t arg0, bool virtual_time);

// The clock ids the filter matches for system call `nr` (clock_gettime or
// clock_getres), ascending.
struct AnsweredClockIds {
  int ids[abi::kMaxClocks];
  size_t count = 0;
};
AnsweredClockIds answered_clock_ids(uint64_t nr, bool virtual_time);

// What the kernel would do for one answered call: write `size` bytes at
// `address` in the caller (size 0: nothing to write, as for a null `res` or
// `tloc`), and return `return_value` if that write succeeds; -EFAULT
// otherwise. gettimeofday writes two structures: `second_*` is the
// timezone. A negative `return_value` (-errno: the host's own error for a
// clock it cannot read, such as an alarm clock without an RTC) is returned
// without writing.
struct ClockReply {
  uint64_t address = 0;
  size_t size = 0;
  unsigned char bytes[16] = {};
  uint64_t second_address = 0;
  size_t second_size = 0;
  unsigned char second_bytes[8] = {};
  int64_t return_value = 0;
};
// `cookie`: what the supervisor's own host reads pass (see above).
ClockReply reply_to(const Timekeeper& timekeeper, uint64_t nr, const uint64_t args[6],
                    uint64_t cookie);

// At a signal-delivery-stop of `tid`: if the signal interrupted an answered
// call while it waited for the listener (the seccomp wait returns
// -ERESTARTSYS, which becomes EINTR under a handler without SA_RESTART),
// make it -ERESTARTNOINTR: the handler runs, then the call is made again,
// and it never fails with EINTR, as on Linux. True if it did.
bool restart_interrupted_clock_call(pid_t tid, bool virtual_time);

}  // namespace vdso::run
