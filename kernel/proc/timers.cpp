#include "proc/timers.h"

#include "fs/file.h"
#include "lib/spinlock.h"
#include "proc/accounting.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::proc::timers {
namespace {

// Linux bounds a process's timers by RLIMIT_SIGPENDING; ours share one
// table, so that a timer never allocates kernel memory.
constexpr int kMaxTimers = 64;
constexpr int32_t kSiKernel = 0x80;  // an interval timer's signal, as Linux sends it

enum class Kind { kFree, kPosix, kInterval, kFile };

struct Timer {
  Kind kind;
  int owner_pid;  // kPosix, kInterval
  int id;         // kPosix: the process's timer_t; kInterval: its kItimer*
  int clock_id;   // kInterval: MONOTONIC, or a CPU-time clock (cpu_clock_of)
  int clock_tid;  // CLOCK_THREAD_CPUTIME_ID: the thread whose CPU time it runs on
  Notification how;
  int64_t expires_ns;  // on MONOTONIC, or on its CPU-time clock; 0: disarmed
  int64_t interval_ns;
  bool signal_queued;         // its signal is pending, not yet delivered
  int64_t overrun_queued;     // expiries merged into the pending signal
  int64_t overrun_delivered;  // what timer_getoverrun reports
  uint64_t expirations;       // kFile: since the last read
};

Spinlock timers_lock;
Timer table[kMaxTimers];
// No armed timer is due before this (0: none armed), so that a tick with
// nothing due neither locks nor walks the table. Written under the lock,
// read without it by the tick. May be early (a timer was disarmed since):
// the walk then finds nothing and sets it again.
int64_t earliest_expiry_ns = 0;
// Whether a CPU-time timer may be armed: the tick then reads their clocks.
// Set under the lock when one is armed, cleared by the tick's walk when
// none is left.
bool cpu_timer_armed = false;

// ITIMER_VIRTUAL's clock: the process's user time. A clock id of its own,
// outside Linux's, so that one switch reads every timer's clock.
constexpr int kClockProcessUserTime = -1;

bool on_cpu_time(const Timer& t) {
  return t.clock_id == abi::kClockProcessCputimeId || t.clock_id == abi::kClockThreadCputimeId ||
         t.clock_id == kClockProcessUserTime;
}

// The time now on a timer's clock: MONOTONIC `monotonic_ns`, or its CPU
// time (0 once its process or thread has gone: it never expires then).
int64_t now_on_clock(const Timer& t, int64_t monotonic_ns) {
  if (!on_cpu_time(t))
    return monotonic_ns;
  if (t.clock_id == abi::kClockThreadCputimeId) {
    const Thread* thread = find_thread(t.clock_tid);
    return thread != nullptr && thread->process->pid == t.owner_pid ? thread_cpu_time_ns(*thread)
                                                                    : 0;
  }
  const Process* owner = find(t.owner_pid);
  if (owner == nullptr || owner->state != ProcessState::kLive)
    return 0;
  return t.clock_id == kClockProcessUserTime ? times_of(*owner).user_ns
                                             : process_cpu_time_ns(*owner);
}

Timer* find_posix(const Process& owner, int id) {
  for (Timer& t : table) {
    if (t.kind == Kind::kPosix && t.owner_pid == owner.pid && t.id == id)
      return &t;
  }
  return nullptr;
}

Timer* find_interval(const Process& owner, int which) {
  for (Timer& t : table) {
    if (t.kind == Kind::kInterval && t.owner_pid == owner.pid && t.id == which)
      return &t;
  }
  return nullptr;
}

Timer* allocate(Kind kind) {
  for (Timer& t : table) {
    if (t.kind == Kind::kFree) {
      t = Timer{};
      t.kind = kind;
      return &t;
    }
  }
  return nullptr;
}

Setting setting_of(const Timer& t, int64_t now_ns) {
  if (t.expires_ns == 0)
    return Setting{0, t.interval_ns};
  const int64_t left = t.expires_ns - now_ns;
  // Due but not yet expired by the tick: Linux reports the shortest
  // non-zero time rather than a disarmed timer.
  return Setting{left > 0 ? left : 1, t.interval_ns};
}

void arm(Timer& t, bool absolute, const Setting& setting, int64_t now_ns) {
  t.interval_ns = setting.value_ns != 0 ? setting.interval_ns : 0;
  t.overrun_queued = 0;
  if (setting.value_ns == 0) {
    t.expires_ns = 0;
    return;
  }
  int64_t deadline =
      absolute ? monotonic_deadline(t.clock_id, setting.value_ns) : now_ns + setting.value_ns;
  // An absolute time already past expires at the next tick; 0 means
  // disarmed, so keep the deadline positive.
  t.expires_ns = deadline > 0 ? deadline : 1;
  if (on_cpu_time(t)) {
    __atomic_store_n(&cpu_timer_armed, true, __ATOMIC_RELAXED);
  } else if (earliest_expiry_ns == 0 || t.expires_ns < earliest_expiry_ns) {
    __atomic_store_n(&earliest_expiry_ns, t.expires_ns, __ATOMIC_RELAXED);
  }
}

// The pending signals a timer's signal joins: its thread's
// (SIGEV_THREAD_ID) or its process's. Null when the target has gone.
struct SignalTarget {
  Process* process;
  Thread* thread;  // SIGEV_THREAD_ID only
  uint64_t* pending;
  SignalInfo* info;
};
SignalTarget signal_target(const Timer& t) {
  if (t.how.notify == kSigevThreadId) {
    Thread* thread = find_thread(t.how.target_tid);
    if (thread == nullptr || thread->process->pid != t.owner_pid)
      return {};
    return {thread->process, thread, &thread->signals.pending, thread->signals.info};
  }
  Process* p = find(t.owner_pid);
  if (p == nullptr || p->state != ProcessState::kLive)
    return {};
  return {p, nullptr, &p->signals.pending, p->signals.info};
}

// Sends a POSIX timer's signal, or counts an overrun when the last one is
// still pending (Linux queues one signal per timer). True if it sent one.
bool notify(Timer& t, int64_t missed) {
  if (t.how.notify == kSigevNone)
    return false;
  const SignalTarget target = signal_target(t);
  if (target.process == nullptr)
    return false;
  const int signal = t.how.signal;
  SignalInfo& pending_info = target.info[signal];
  if (t.signal_queued && (*target.pending & signal_bit(signal)) != 0 &&
      pending_info.code == kSiTimer && pending_info.timer_id == t.id) {
    t.overrun_queued += 1 + missed;
    pending_info.overrun = static_cast<int32_t>(t.overrun_queued);
    return false;
  }
  t.overrun_queued = missed;
  SignalInfo info{};
  info.code = kSiTimer;
  info.timer_id = t.id;
  info.overrun = static_cast<int32_t>(missed);
  info.value = t.how.value;
  if (target.thread != nullptr) {
    send_thread_signal(*target.thread, signal, info);
  } else {
    send_signal(*target.process, signal, info);
  }
  t.signal_queued = (*target.pending & signal_bit(signal)) != 0;
  return t.signal_queued;
}

bool expire(Timer& t, int64_t now_ns) {
  // Periods that passed whole since the deadline (a late tick) count as
  // overruns, and the next deadline stays on the timer's grid.
  int64_t missed = 0;
  if (t.interval_ns > 0) {
    missed = (now_ns - t.expires_ns) / t.interval_ns;
    t.expires_ns += (missed + 1) * t.interval_ns;
  } else {
    t.expires_ns = 0;
  }
  switch (t.kind) {
    case Kind::kPosix: return notify(t, missed);
    case Kind::kInterval: {
      Process* owner = find(t.owner_pid);
      if (owner == nullptr || owner->state != ProcessState::kLive)
        return false;
      SignalInfo info{};
      info.code = kSiKernel;
      const int signal = t.id == kItimerReal      ? kSigAlrm
                         : t.id == kItimerVirtual ? kSigVtalrm
                                                  : kSigProf;
      send_signal(*owner, signal, info);
      return true;
    }
    case Kind::kFile:
      t.expirations += static_cast<uint64_t>(1 + missed);
      fs::wake_waiters();
      return true;
    case Kind::kFree: return false;
  }
  return false;
}

}  // namespace

bool is_wall_clock(int clock_id) {
  switch (clock_id) {
    case abi::kClockRealtime:
    case abi::kClockMonotonic:
    case abi::kClockBoottime:
    case abi::kClockTai:
    case abi::kClockRealtimeAlarm:
    case abi::kClockBoottimeAlarm: return true;
    default: return false;
  }
}

int64_t not_a_wall_clock(int clock_id) {
  const bool readable = clock_id == abi::kClockMonotonicRaw ||
                        clock_id == abi::kClockRealtimeCoarse ||
                        clock_id == abi::kClockMonotonicCoarse;
  return readable ? -abi::kEOPNOTSUPP : -abi::kEINVAL;
}

int own_cpu_clock(int clock_id, Thread& caller, Thread*& thread) {
  thread = &caller;
  if (clock_id == abi::kClockProcessCputimeId || clock_id == abi::kClockThreadCputimeId)
    return clock_id;
  constexpr int kTypeMask = 3, kTypeProfile = 0, kTypeScheduler = 2, kPerThread = 4;
  const int type = clock_id & kTypeMask;
  if (clock_id >= 0 || (type != kTypeProfile && type != kTypeScheduler))
    return -1;
  const int id = ~(clock_id >> 3);
  if ((clock_id & kPerThread) == 0)
    return id == 0 || id == caller.process->pid ? abi::kClockProcessCputimeId : -1;
  if (id != 0) {
    thread = find_thread(id);
    if (thread == nullptr || thread->process != caller.process)
      return -1;
  }
  return abi::kClockThreadCputimeId;
}

int64_t monotonic_deadline(int clock_id, int64_t absolute_ns) {
  switch (clock_id) {
    // REALTIME and TAI are MONOTONIC plus one offset (the timekeeper keeps
    // TAI at REALTIME's offset: no leap-second table here).
    case abi::kClockRealtime:
    case abi::kClockRealtimeAlarm:
    case abi::kClockTai: return absolute_ns - tick::realtime_offset_ns();
    // BOOTTIME is MONOTONIC: nothing here suspends.
    default: return absolute_ns;
  }
}

int64_t create(const Process& owner, int clock_id, const Thread& clock_thread,
               const Notification& how, int& id) {
  const bool cpu_clock =
      clock_id == abi::kClockProcessCputimeId || clock_id == abi::kClockThreadCputimeId;
  if (!is_wall_clock(clock_id) && !cpu_clock)
    return not_a_wall_clock(clock_id);
  if (clock_id == abi::kClockThreadCputimeId && clock_thread.process != &owner)
    return -abi::kEINVAL;
  switch (how.notify) {
    case kSigevNone: break;
    case kSigevSignal:
    case kSigevThreadId:
      if (how.signal < 1 || how.signal > kSignalCount)
        return -abi::kEINVAL;
      break;
    default: return -abi::kEINVAL;  // SIGEV_THREAD is the libc's, never the kernel's
  }
  if (how.notify == kSigevThreadId) {
    // The thread must be one of the caller's process (Linux: same thread
    // group).
    const Thread* target = find_thread(how.target_tid);
    if (target == nullptr || target->process != &owner)
      return -abi::kEINVAL;
  }
  InterruptSafeLockGuard guard(timers_lock);
  int free_id = 0;
  while (find_posix(owner, free_id) != nullptr)
    ++free_id;
  Timer* t = allocate(Kind::kPosix);
  if (t == nullptr)
    return -abi::kEAGAIN;
  t->owner_pid = owner.pid;
  t->id = free_id;
  t->clock_id = clock_id;
  t->clock_tid = clock_thread.tid;
  t->how = how;
  if (how.value_is_id)
    t->how.value = static_cast<uint64_t>(free_id);
  id = free_id;
  return 0;
}

int64_t set(const Process& owner, int id, bool absolute, const Setting& setting, Setting* old) {
  InterruptSafeLockGuard guard(timers_lock);
  Timer* t = find_posix(owner, id);
  if (t == nullptr)
    return -abi::kEINVAL;
  const int64_t now = now_on_clock(*t, tick::monotonic_ns());
  if (old != nullptr)
    *old = setting_of(*t, now);
  arm(*t, absolute, setting, now);
  return 0;
}

int64_t get(const Process& owner, int id, Setting& out) {
  InterruptSafeLockGuard guard(timers_lock);
  const Timer* t = find_posix(owner, id);
  if (t == nullptr)
    return -abi::kEINVAL;
  out = setting_of(*t, now_on_clock(*t, tick::monotonic_ns()));
  return 0;
}

int64_t overrun(const Process& owner, int id) {
  InterruptSafeLockGuard guard(timers_lock);
  const Timer* t = find_posix(owner, id);
  if (t == nullptr)
    return -abi::kEINVAL;
  constexpr int64_t kDelayTimerMax = 0x7fff'ffff;  // Linux's DELAYTIMER_MAX
  return t->overrun_delivered < kDelayTimerMax ? t->overrun_delivered : kDelayTimerMax;
}

int64_t remove(const Process& owner, int id) {
  InterruptSafeLockGuard guard(timers_lock);
  Timer* t = find_posix(owner, id);
  if (t == nullptr)
    return -abi::kEINVAL;
  t->kind = Kind::kFree;
  return 0;
}

int64_t set_interval(const Process& owner, int which, const Setting& setting, Setting& old) {
  InterruptSafeLockGuard guard(timers_lock);
  Timer* t = find_interval(owner, which);
  old = t != nullptr ? setting_of(*t, now_on_clock(*t, tick::monotonic_ns())) : Setting{0, 0};
  if (setting.value_ns == 0) {
    if (t != nullptr)
      t->kind = Kind::kFree;
    return 0;
  }
  if (t == nullptr) {
    t = allocate(Kind::kInterval);
    if (t == nullptr)
      return -abi::kEAGAIN;
    t->owner_pid = owner.pid;
    t->id = which;
    t->clock_id = which == kItimerReal      ? abi::kClockMonotonic
                  : which == kItimerVirtual ? kClockProcessUserTime
                                            : abi::kClockProcessCputimeId;
  }
  arm(*t, false, setting, now_on_clock(*t, tick::monotonic_ns()));
  return 0;
}

Setting get_interval(const Process& owner, int which) {
  InterruptSafeLockGuard guard(timers_lock);
  const Timer* t = find_interval(owner, which);
  return t != nullptr ? setting_of(*t, now_on_clock(*t, tick::monotonic_ns())) : Setting{0, 0};
}

int create_for_file(int clock_id) {
  InterruptSafeLockGuard guard(timers_lock);
  Timer* t = allocate(Kind::kFile);
  if (t == nullptr)
    return -1;
  t->clock_id = clock_id;
  return static_cast<int>(t - table);
}

void release_for_file(int slot) {
  InterruptSafeLockGuard guard(timers_lock);
  table[slot].kind = Kind::kFree;
}

int64_t set_for_file(int slot, bool absolute, const Setting& setting, Setting& old) {
  InterruptSafeLockGuard guard(timers_lock);
  Timer& t = table[slot];
  const int64_t now = tick::monotonic_ns();
  old = setting_of(t, now);
  t.expirations = 0;  // as Linux: arming resets the count
  arm(t, absolute, setting, now);
  return 0;
}

Setting get_for_file(int slot) {
  InterruptSafeLockGuard guard(timers_lock);
  return setting_of(table[slot], tick::monotonic_ns());
}

uint64_t take_expirations(int slot) {
  InterruptSafeLockGuard guard(timers_lock);
  const uint64_t count = table[slot].expirations;
  table[slot].expirations = 0;
  return count;
}

bool has_expirations(int slot) {
  InterruptSafeLockGuard guard(timers_lock);
  return table[slot].expirations != 0;
}

void on_exec(const Process& p) {
  InterruptSafeLockGuard guard(timers_lock);
  for (Timer& t : table) {
    if (t.kind == Kind::kPosix && t.owner_pid == p.pid)
      t.kind = Kind::kFree;
  }
}

void on_exit(const Process& p) {
  InterruptSafeLockGuard guard(timers_lock);
  for (Timer& t : table) {
    if ((t.kind == Kind::kPosix || t.kind == Kind::kInterval) && t.owner_pid == p.pid)
      t.kind = Kind::kFree;
  }
}

void on_signal_delivered(const Process& p, const SignalInfo& info) {
  if (info.code != kSiTimer)
    return;
  InterruptSafeLockGuard guard(timers_lock);
  if (Timer* t = find_posix(p, info.timer_id)) {
    t->overrun_delivered = info.overrun;
    t->overrun_queued = 0;
    t->signal_queued = false;
  }
}

bool expire_due(int64_t now_ns) {
  // The common tick, with nothing due and no CPU-time timer, takes no
  // lock: two loads. A timer armed meanwhile on another CPU is seen by the
  // next tick at the latest.
  const int64_t earliest = __atomic_load_n(&earliest_expiry_ns, __ATOMIC_RELAXED);
  const bool wall_timer_due = earliest != 0 && earliest <= now_ns;
  if (!wall_timer_due && !__atomic_load_n(&cpu_timer_armed, __ATOMIC_RELAXED))
    return false;
  InterruptSafeLockGuard guard(timers_lock);
  bool woke = false;
  int64_t next = 0;
  bool cpu_timer_left = false;
  for (Timer& t : table) {
    if (t.kind == Kind::kFree || t.expires_ns == 0)
      continue;
    const int64_t now_on_its_clock = now_on_clock(t, now_ns);
    if (t.expires_ns <= now_on_its_clock)
      woke = expire(t, now_on_its_clock) || woke;
    if (t.expires_ns == 0)
      continue;
    if (on_cpu_time(t)) {
      cpu_timer_left = true;
    } else if (next == 0 || t.expires_ns < next) {
      next = t.expires_ns;
    }
  }
  __atomic_store_n(&earliest_expiry_ns, next, __ATOMIC_RELAXED);
  __atomic_store_n(&cpu_timer_armed, cpu_timer_left, __ATOMIC_RELAXED);
  return woke;
}

}  // namespace kernel::proc::timers
