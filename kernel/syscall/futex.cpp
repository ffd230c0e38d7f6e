// futex(2): FUTEX_WAIT, FUTEX_WAKE, their _BITSET forms, FUTEX_REQUEUE and
// FUTEX_CMP_REQUEUE, with FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
// (proc/futex.h does the waiting). Timeouts are deadlines on the page's
// MONOTONIC, as the sleeps are: FUTEX_WAIT's is relative, FUTEX_WAIT_BITSET's
// absolute on MONOTONIC, or on REALTIME with FUTEX_CLOCK_REALTIME.
#include "proc/futex.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr uint64_t kFutexWait = 0, kFutexWake = 1, kFutexRequeue = 3, kFutexCmpRequeue = 4,
                   kFutexWaitBitset = 9, kFutexWakeBitset = 10;
constexpr uint64_t kFutexPrivateFlag = 128, kFutexClockRealtime = 256;
constexpr uint64_t kFutexCommandMask = ~(kFutexPrivateFlag | kFutexClockRealtime);

// The MONOTONIC deadline of a wait's timeout, kNoDeadline for none, or
// -errno.
int64_t deadline_of(uint64_t timeout, bool absolute, bool realtime, int64_t& deadline_ns) {
  deadline_ns = proc::kNoDeadline;
  if (timeout == 0)
    return 0;
  abi::Timespec ts;
  if (proc::read_user(timeout, ts) != 0)
    return -abi::kEFAULT;
  if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= abi::kNanosecondsPerSecond)
    return -abi::kEINVAL;
  const int64_t ns = vdso::ns_from_timespec(ts);
  if (!absolute)
    deadline_ns = tick::monotonic_ns() + ns;
  else
    deadline_ns = realtime ? ns - tick::realtime_offset_ns() : ns;
  return 0;
}

}  // namespace

int64_t sys_futex(Frame& f) {
  const uint64_t address = arg0(f), op = arg1(f), timeout = arg3(f), address2 = arg4(f);
  const uint32_t value = static_cast<uint32_t>(arg2(f)), value3 = static_cast<uint32_t>(arg5(f));
  const uint64_t command = op & kFutexCommandMask;
  const bool realtime = (op & kFutexClockRealtime) != 0;
  if (realtime && command != kFutexWait && command != kFutexWaitBitset)
    return -abi::kENOSYS;  // as Linux
  proc::Process& p = proc::current();
  // The count arguments are ints; a negative one is Linux's EINVAL for
  // requeue and "wake nobody" for wake.
  const int count = static_cast<int32_t>(value);
  switch (command) {
    case kFutexWait:
    case kFutexWaitBitset: {
      const uint32_t bitset = command == kFutexWait ? proc::kFutexBitsetAny : value3;
      if (bitset == 0)
        return -abi::kEINVAL;
      int64_t deadline_ns;
      const int64_t bad = deadline_of(timeout, command == kFutexWaitBitset, realtime, deadline_ns);
      if (bad != 0)
        return bad;
      return proc::futex_wait(address, value, bitset, deadline_ns);
    }
    case kFutexWake:
    case kFutexWakeBitset: {
      const uint32_t bitset = command == kFutexWake ? proc::kFutexBitsetAny : value3;
      if (bitset == 0)
        return -abi::kEINVAL;
      if (address % 4 != 0)
        return -abi::kEINVAL;
      // Linux never reads the word, but a word outside the user half is
      // EFAULT (its get_futex_key's access_ok).
      if (!proc::user_range_ok(address, sizeof(uint32_t)))
        return -abi::kEFAULT;
      return proc::futex_wake(p, address, bitset, count);
    }
    case kFutexRequeue:
    case kFutexCmpRequeue: {
      // The requeue count travels in the timeout argument's register.
      const int requeue_count = static_cast<int32_t>(timeout);
      if (count < 0 || requeue_count < 0 || address % 4 != 0 || address2 % 4 != 0)
        return -abi::kEINVAL;
      if (!proc::user_range_ok(address, sizeof(uint32_t)) ||
          !proc::user_range_ok(address2, sizeof(uint32_t)))
        return -abi::kEFAULT;
      if (command == kFutexCmpRequeue) {
        uint32_t current_value;
        if (proc::read_user(address, current_value) != 0)
          return -abi::kEFAULT;
        if (current_value != value3)
          return -abi::kEAGAIN;
      }
      return proc::futex_requeue(p, address, count, address2, requeue_count);
    }
    default: return -abi::kENOSYS;  // FUTEX_WAKE_OP, PI futexes
  }
}

}  // namespace kernel::syscall
