// The calls that set the time, answered for the tree: the tree's REALTIME
// is the tree's, so clock_settime(CLOCK_REALTIME), settimeofday and
// adjtimex/clock_adjtime(CLOCK_REALTIME) move the REALTIME family of the
// tree's virtual time (Timekeeper::set_virtual_realtime), never the host's
// clock. The first such call turns virtual time on for a tree that started
// without it; both paths (the VDSO and the answered system calls) read the
// new time at once, since both read the page's transform.
//
// As Linux: the arguments are read (EFAULT) and checked (EINVAL) first, then
// the caller needs CAP_SYS_TIME (EPERM), except for a read-only adjtimex.
// adjtimex's NTP state (frequency, status, errors, time constant, tick, TAI
// offset) starts as the host's and is the tree's from then on: what a
// program writes, it reads back, but no frequency or PLL offset steers the
// tree's clock; ADJ_SETOFFSET steps it, and so does the old adjtime()'s
// single-shot offset (Linux slews that one). Other clocks never reach here:
// the host answers them as Linux does (EINVAL for MONOTONIC, EPERM for a
// CPU-time clock).
#pragma once

#include <stdint.h>
#include <sys/timex.h>
#include <sys/types.h>

#include <functional>

#include "clock_calls.h"
#include "ticker.h"

namespace vdso::run {

class TimeSetting {
 public:
  // Reads the host's NTP state: call it before the filter is installed (the
  // listener's own adjtimex would come back to it).
  TimeSetting(Ticker& ticker, uint64_t cookie);

  // The answer to call `nr` of thread `tid`: its return value, or -errno.
  // Input is read from the caller, output written into it. `still_waiting`
  // is asked just before the clock changes: false (the caller went away and
  // its id may be reused) changes nothing.
  int64_t answer(pid_t tid, uint64_t nr, const uint64_t args[6],
                 const std::function<bool()>& still_waiting);

 private:
  int64_t set_realtime(pid_t tid, const abi::Timespec& value,
                       const std::function<bool()>& still_waiting);
  int64_t adjtimex(pid_t tid, uint64_t address, const std::function<bool()>& still_waiting);
  int64_t settimeofday(pid_t tid, uint64_t tv_address, uint64_t tz_address,
                       const std::function<bool()>& still_waiting);
  // Steps the tree's REALTIME to `value` (or by it, `relative`), and its
  // TAI offset to `tai_offset_sec` when non-negative.
  void step(const abi::Timespec& value, bool relative, int64_t tai_offset_sec);
  // The tree's REALTIME, and its TAI - REALTIME in whole seconds.
  abi::Timespec tree_realtime() const;
  int64_t tree_tai_offset_sec() const;

  Ticker& ticker_;
  const uint64_t cookie_;
  struct timex ntp_ {};  // the tree's NTP state (its time field unused)
  int state_ = TIME_OK;  // what adjtimex returns while the status allows
};

// Whether thread `tid` has CAP_SYS_TIME as the kernel's capable() asks:
// effective, and in the supervisor's user namespace (a capability in a
// namespace of the process's own does not let it set the clock).
bool has_cap_sys_time(pid_t tid);

}  // namespace vdso::run
