// Futex waits and wakes (futex.h). Reading the word and marking the
// thread a waiter happen under the kernel lock (proc/kernel_lock.h), which
// every wake also holds, and the waiter gives it up only inside
// schedule(), already marked: a wake cannot fall between the two.
#include "proc/futex.h"

#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::proc {
namespace {

// Whatever its state: a waiter made runnable by something else (a pipe's
// wake-all, the tick) is still in futex_wait and must not miss this wake.
bool waits_on(const Thread& t, const Process& p, uint64_t address) {
  return t.process == &p && t.futex_address == address && t.state != State::kFree &&
         t.state != State::kDead;
}

}  // namespace

int64_t futex_wait(uint64_t address, uint32_t expected, uint32_t bitset, int64_t deadline_ns) {
  if (address % 4 != 0)
    return -abi::kEINVAL;
  uint32_t value;
  if (read_user(address, value) != 0)
    return -abi::kEFAULT;
  if (value != expected)
    return -abi::kEAGAIN;
  Thread& self = current_thread();
  self.futex_address = address;
  self.futex_bitset = bitset;
  for (;;) {
    // A wake clears futex_address; anything else that made this thread
    // runnable (a pipe, a child, the tick) leaves it set.
    if (self.futex_address == 0)
      return 0;
    if (has_deliverable_signal(self))
      break;
    if (deadline_ns != kNoDeadline && tick::monotonic_ns() >= deadline_ns) {
      self.futex_address = 0;
      return -abi::kETIMEDOUT;
    }
    if (deadline_ns != kNoDeadline) {
      self.wake_at_ns = deadline_ns;
      self.state = State::kSleeping;
    } else {
      self.state = State::kWaiting;
    }
    sched::schedule();
  }
  self.futex_address = 0;
  // As Linux: a wait without a timeout is restarted under SA_RESTART; one
  // with a timeout fails with EINTR.
  return deadline_ns == kNoDeadline ? -abi::kERESTARTSYS : -abi::kEINTR;
}

int futex_wake(Process& p, uint64_t address, uint32_t bitset, int count) {
  int woken = 0;
  for (int i = 1; i < kMaxThreads && woken < count; ++i) {
    Thread& t = *thread_slot(i);
    if (!waits_on(t, p, address) || (t.futex_bitset & bitset) == 0)
      continue;
    t.futex_address = 0;
    sched::wake(t);
    ++woken;
  }
  return woken;
}

int futex_requeue(Process& p, uint64_t address, int wake_count, uint64_t target,
                  int requeue_count) {
  const int woken = futex_wake(p, address, kFutexBitsetAny, wake_count);
  int moved = 0;
  for (int i = 1; i < kMaxThreads && moved < requeue_count; ++i) {
    Thread& t = *thread_slot(i);
    if (!waits_on(t, p, address))
      continue;
    t.futex_address = target;
    ++moved;
  }
  return woken + moved;
}

}  // namespace kernel::proc
