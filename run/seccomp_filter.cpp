// The filter's policy: see seccomp_filter.h.
#include "seccomp_filter.h"

#include <dirent.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>

#include "bpf_assembler.h"
#include "clock_calls.h"
#include "deadlines.h"
#include "file_times.h"
#include "group_signals.h"
#include "pidfd_signals.h"
#include "stub_abi.h"
#include "timed_wait_filter.h"

namespace vdso::run {
namespace {

// The places the filter jumps to.
enum Label : BpfAssembler::Label {
  kNotify,
  kAllow,
  kTrace,
  kRefuse,
  kCheckGettimeId,
  kCheckGetresId,
  kCheckOwnClockRead,
  kCheckOwnRead,
  kCheckCookie,
  kCheckOwnFstat,
  kCheckRealtimeId,
  kCheckAbsoluteSleep,
  kCheckAbsoluteTimer,
  kCheckX32,
  kCheckI386,
  kCheckGroupSignal,
  kCheckRealTimer,
  kNamedLabels
};

constexpr uint32_t kAuditArchI386 = AUDIT_ARCH_I386;
constexpr uint32_t kX32SyscallBit = 0x4000'0000;
constexpr uint32_t kAbstime = 1;  // TIMER_ABSTIME, TFD_TIMER_ABSTIME
// i386's calls that set the time: stime, settimeofday, adjtimex,
// clock_settime, clock_adjtime and their 64-bit-time twins.
constexpr uint32_t kI386SetsTime[] = {25, 79, 124, 264, 343, 404, 405};

}  // namespace

// x86_64's calls: the fd request (with its cookie), time(2), the calls that
// set the time (clock_settime/clock_adjtime only for CLOCK_REALTIME: the
// host answers the other clocks as Linux does), kill() of a process group
// or of everyone (group_signals.h), every pidfd_send_signal
// (pidfd_signals.h), and the clock reads:
//   - with virtual time from the start, clock_gettime of every id it moves
//     and gettimeofday, and the sleeps and timers go to the tracer;
//   - without it, clock_gettime of the ids the page serves and of the
//     REALTIME family, gettimeofday, and the absolute sleeps and timers
//     (those on the REALTIME family for clock_nanosleep; every absolute
//     timer, whose clock the filter cannot see), and the timed waits on
//     an absolute REALTIME deadline (timed_wait_filter.h): the tree may
//     set its clock at any time, and the filter cannot change once it
//     runs. A
//     program's libc reads these clocks through the VDSO, so a plain run
//     pays only for raw system calls (see docs/figures.md).
// With virtual time from the start, the timed waits it moves
// (`moved_waits`) and, with `file_times`, the calls that read or set a
// file's times go to the tracer too. Both clock reads let the supervisor's own host reads through
// (the cookie in their third argument). A 32-bit (int 0x80) or x32 call that would set the time is
// refused (EPERM): the tree's clock cannot take it, and the host's must not. Every other 32-bit or
// x32 call goes to the host.
std::vector<sock_filter> build_seccomp_filter(uint32_t cookie_low, bool virtual_time,
                                              const MovedWaits& moved_waits, bool file_times) {
  using B = BpfAssembler;
  constexpr uint32_t kArgLow = offsetof(seccomp_data, args[0]);  // little-endian: low half
  constexpr uint32_t kArg1Low = offsetof(seccomp_data, args[1]);
  constexpr uint32_t kArg2Low = offsetof(seccomp_data, args[2]);
  const auto gettime = static_cast<uint64_t>(abi::kSysClockGettime);
  const auto getres = static_cast<uint64_t>(abi::kSysClockGetres);
  const AnsweredClockIds gettime_ids = answered_clock_ids(gettime, virtual_time);
  const AnsweredClockIds getres_ids = answered_clock_ids(getres, virtual_time);
  const auto nr32 = [](uint64_t nr) { return static_cast<uint32_t>(nr); };
  B filter(kNamedLabels);
  TimedWaitRules timed_waits(filter, moved_waits, kAllow, kTrace);
  filter.load(offsetof(seccomp_data, arch));
  filter.jump_if_equal(AUDIT_ARCH_X86_64, B::kNext, kCheckI386);
  filter.load(offsetof(seccomp_data, nr));
  timed_waits.dispatch();  // first: futex is the busiest of all calls
  if (file_times) {
    // Every call that reads or sets a file's times goes to the tracer,
    // but the supervisor's own fstat (the cookie in its third argument).
    filter.jump_if_equal(static_cast<uint32_t>(abi::kSysFstat), kCheckOwnFstat, B::kNext);
    for (long nr : kFileTimeCalls)
      filter.jump_if_equal(static_cast<uint32_t>(nr), kTrace, B::kNext);
  }
  filter.jump_if_equal(VDSO_RUN_FD_SYSCALL, kCheckCookie, B::kNext);
  filter.jump_if_equal(nr32(kSysTime), kNotify, B::kNext);
  filter.jump_if_equal(nr32(kSysSettimeofday), kNotify, B::kNext);
  filter.jump_if_equal(nr32(kSysAdjtimex), kNotify, B::kNext);
  filter.jump_if_equal(nr32(kSysClockSettime), kCheckRealtimeId, B::kNext);
  filter.jump_if_equal(nr32(kSysClockAdjtime), kCheckRealtimeId, B::kNext);
  filter.jump_if_at_least(kX32SyscallBit, kCheckX32, B::kNext);
  filter.jump_if_equal(static_cast<uint32_t>(kSysKill), kCheckGroupSignal, B::kNext);
  filter.jump_if_equal(nr32(kSysPidfdSendSignal), kNotify, B::kNext);
  if (virtual_time) {
    // The sleeps and timers whose time the tracer translates (deadlines.h).
    for (long nr : {kSysNanosleep, kSysClockNanosleep, kSysTimerSettime, kSysTimerfdSettime})
      filter.jump_if_equal(static_cast<uint32_t>(nr), kTrace, B::kNext);
    if (moved_waits.relative_timeouts) {
      // ITIMER_REAL's durations scale (deadlines.h): alarm, and setitimer
      // and getitimer of that timer.
      filter.jump_if_equal(nr32(kSysAlarm), kTrace, B::kNext);
      for (long nr : {kSysSetitimer, kSysGetitimer})
        filter.jump_if_equal(static_cast<uint32_t>(nr), kCheckRealTimer, B::kNext);
      // A POSIX timer's or a timerfd's time left and interval (deadlines.h).
      for (long nr : kTimerReadCalls)
        filter.jump_if_equal(static_cast<uint32_t>(nr), kTrace, B::kNext);
    }
  } else {
    filter.jump_if_equal(static_cast<uint32_t>(kSysClockNanosleep), kCheckAbsoluteSleep, B::kNext);
    for (long nr : {kSysTimerSettime, kSysTimerfdSettime})
      filter.jump_if_equal(static_cast<uint32_t>(nr), kCheckAbsoluteTimer, B::kNext);
  }
  filter.jump_if_equal(static_cast<uint32_t>(abi::kSysGettimeofday), kCheckOwnRead, B::kNext);
  filter.jump_if_equal(nr32(gettime), kCheckOwnClockRead, B::kNext);
  filter.jump_if_equal(nr32(getres), getres_ids.count > 0 ? kCheckGetresId : kAllow, kAllow);
  // The kernel reads a clockid_t, the low 32 bits of the argument.
  const auto match_ids = [&](const AnsweredClockIds& ids) {
    filter.load(kArgLow);
    for (size_t i = 0; i < ids.count; ++i) {
      const bool last = i + 1 == ids.count;
      filter.jump_if_equal(static_cast<uint32_t>(ids.ids[i]), kNotify, last ? kAllow : B::kNext);
    }
  };
  filter.place(kCheckOwnClockRead);
  filter.load(kArg2Low);
  filter.jump_if_equal(cookie_low, kAllow, kCheckGettimeId);
  filter.place(kCheckOwnRead);
  filter.load(kArg2Low);
  filter.jump_if_equal(cookie_low, kAllow, kNotify);
  filter.place(kCheckGettimeId);
  match_ids(gettime_ids);
  filter.place(kCheckGetresId);
  match_ids(getres_ids);
  filter.place(kCheckRealtimeId);
  filter.load(kArgLow);
  filter.jump_if_equal(abi::kClockRealtime, kNotify, kAllow);
  if (!virtual_time) {
    filter.place(kCheckAbsoluteSleep);
    filter.load(kArg1Low);
    filter.jump_if_any(kAbstime, B::kNext, kAllow);
    filter.load(kArgLow);
    filter.jump_if_equal(abi::kClockRealtime, kTrace, B::kNext);
    filter.jump_if_equal(abi::kClockRealtimeAlarm, kTrace, B::kNext);
    filter.jump_if_equal(abi::kClockTai, kTrace, kAllow);
    filter.place(kCheckAbsoluteTimer);
    filter.load(kArg1Low);
    filter.jump_if_any(kAbstime, kTrace, kAllow);
  }
  if (virtual_time && moved_waits.relative_timeouts) {
    filter.place(kCheckRealTimer);
    filter.load(kArgLow);
    filter.jump_if_equal(static_cast<uint32_t>(kItimerReal), kTrace, kAllow);
  }
  // kill() of a process group or of everyone (group_signals.h): a pid_t
  // of 0 or below.
  filter.place(kCheckGroupSignal);
  filter.load(kArgLow);
  filter.jump_if_equal(0, kNotify, B::kNext);
  filter.jump_if_any(0x8000'0000, kNotify, kAllow);
  filter.place(kCheckX32);
  for (uint64_t nr : {kSysSettimeofday, kSysAdjtimex, kSysClockSettime, kSysClockAdjtime})
    filter.jump_if_equal(kX32SyscallBit | nr32(nr), kRefuse, B::kNext);
  filter.ret(SECCOMP_RET_ALLOW);
  filter.place(kCheckI386);
  filter.jump_if_equal(kAuditArchI386, B::kNext, kAllow);
  filter.load(offsetof(seccomp_data, nr));
  for (uint32_t nr : kI386SetsTime)
    filter.jump_if_equal(nr, kRefuse, B::kNext);
  filter.ret(SECCOMP_RET_ALLOW);
  filter.place(kCheckCookie);
  filter.load(kArgLow);
  filter.jump_if_equal(cookie_low, kNotify, kAllow);
  timed_waits.blocks();
  if (file_times) {
    filter.place(kCheckOwnFstat);
    filter.load(kArg2Low);
    filter.jump_if_equal(cookie_low, kAllow, kTrace);
  }
  filter.place(kTrace);
  filter.ret(SECCOMP_RET_TRACE);
  filter.place(kRefuse);
  filter.ret(SECCOMP_RET_ERRNO | EPERM);
  filter.place(kNotify);
  filter.ret(SECCOMP_RET_USER_NOTIF);
  filter.place(kAllow);
  filter.ret(SECCOMP_RET_ALLOW);
  return filter.finish();
}

namespace {

// The calls that name a process or thread to signal, reschedule or limit
// (the target in the first argument unless noted).
using abi::kSysIoprioSet;  // (which, who)
using abi::kSysPrlimit64;  // (pid, resource, new, old)
using abi::kSysRtSigqueueinfo;
using abi::kSysRtTgsigqueueinfo;  // (tgid, tid)
using abi::kSysSchedSetaffinity;
using abi::kSysSchedSetattr;
using abi::kSysSchedSetparam;
using abi::kSysSchedSetscheduler;
using abi::kSysSetpriority;  // (which, who)
using abi::kSysTgkill;       // (tgid, tid)
using abi::kSysTkill;
constexpr uint32_t kPrioProcess = 0;       // setpriority's PRIO_PROCESS
constexpr uint32_t kIoprioWhoProcess = 1;  // ioprio_set's IOPRIO_WHO_PROCESS

enum ReachLabel : BpfAssembler::Label {
  kReachAllow,
  kReachRefuse,
  kCheckTarget0,
  kCheckTargets01,
  kCheckTarget1,
  kCheckPrlimit,
  kCheckPrlimitNew,
  kCheckPriority,
  kCheckIoprio,
};

}  // namespace

std::vector<sock_filter> build_reach_filter(const std::vector<uint32_t>& supervisor_ids) {
  using B = BpfAssembler;
  constexpr uint32_t kArgLow = offsetof(seccomp_data, args[0]);  // a pid_t: the low half
  constexpr uint32_t kArg1Low = offsetof(seccomp_data, args[1]);
  constexpr uint32_t kArg2Low = offsetof(seccomp_data, args[2]);
  constexpr uint32_t kArg2High = kArg2Low + 4;
  B filter;
  filter.load(offsetof(seccomp_data, arch));
  filter.jump_if_equal(AUDIT_ARCH_X86_64, B::kNext, kReachAllow);
  filter.load(offsetof(seccomp_data, nr));
  for (long nr : {kSysKill, kSysTkill, kSysRtSigqueueinfo, kSysSchedSetparam, kSysSchedSetscheduler,
                  kSysSchedSetaffinity, kSysSchedSetattr})
    filter.jump_if_equal(static_cast<uint32_t>(nr), kCheckTarget0, B::kNext);
  for (long nr : {kSysTgkill, kSysRtTgsigqueueinfo})
    filter.jump_if_equal(static_cast<uint32_t>(nr), kCheckTargets01, B::kNext);
  filter.jump_if_equal(kSysPrlimit64, kCheckPrlimit, B::kNext);
  filter.jump_if_equal(kSysSetpriority, kCheckPriority, B::kNext);
  filter.jump_if_equal(kSysIoprioSet, kCheckIoprio, kReachAllow);
  // Whether the argument at `offset` names the supervisor: kReachRefuse,
  // else `other`.
  const auto match_supervisor = [&](uint32_t offset, B::Label other) {
    filter.load(offset);
    for (uint32_t id : supervisor_ids)
      filter.jump_if_equal(id, kReachRefuse, B::kNext);
    filter.jump_if_equal(0, other, other);  // an unconditional jump
  };
  filter.place(kCheckTarget0);
  match_supervisor(kArgLow, kReachAllow);
  filter.place(kCheckTargets01);
  match_supervisor(kArgLow, kCheckTarget1);
  filter.place(kCheckTarget1);
  match_supervisor(kArg1Low, kReachAllow);
  // prlimit64 with a new limit (a non-null third argument).
  filter.place(kCheckPrlimit);
  filter.load(kArg2Low);
  filter.jump_if_equal(0, B::kNext, kCheckPrlimitNew);
  filter.load(kArg2High);
  filter.jump_if_equal(0, kReachAllow, kCheckPrlimitNew);
  filter.place(kCheckPrlimitNew);
  match_supervisor(kArgLow, kReachAllow);
  filter.place(kCheckPriority);
  filter.load(kArgLow);
  filter.jump_if_equal(kPrioProcess, B::kNext, kReachAllow);
  match_supervisor(kArg1Low, kReachAllow);
  filter.place(kCheckIoprio);
  filter.load(kArgLow);
  filter.jump_if_equal(kIoprioWhoProcess, B::kNext, kReachAllow);
  match_supervisor(kArg1Low, kReachAllow);
  filter.place(kReachRefuse);
  filter.ret(SECCOMP_RET_ERRNO | EPERM);
  filter.place(kReachAllow);
  filter.ret(SECCOMP_RET_ALLOW);
  return filter.finish();
}

Result<void> install_reach_filter(const std::vector<sock_filter>& program) {
  constexpr const char* kWhat =
      "cannot install the filter that keeps the supervisor out of the tree's reach";
  if (program.empty())
    return Error::from_errno(kWhat, E2BIG);  // a jump out of reach: see BpfAssembler::finish
  const sock_fprog fprog{.len = static_cast<unsigned short>(program.size()),
                         .filter = const_cast<sock_filter*>(program.data())};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
    return Error::from_errno(kWhat);
  return {};
}

std::vector<uint32_t> own_thread_ids() {
  std::vector<uint32_t> ids;
  if (DIR* tasks = opendir("/proc/self/task")) {
    while (const dirent* entry = readdir(tasks)) {
      const long id = std::strtol(entry->d_name, nullptr, 10);
      if (id > 0)
        ids.push_back(static_cast<uint32_t>(id));
    }
    closedir(tasks);
  }
  return ids;
}

Result<int> install_seccomp_filter(uint32_t cookie_low, bool virtual_time,
                                   const MovedWaits& moved_waits, bool file_times) {
  constexpr const char* kWhat =
      "cannot install the seccomp filter that delivers the data page and answers the clock calls";
  std::vector<sock_filter> filter =
      build_seccomp_filter(cookie_low, virtual_time, moved_waits, file_times);
  if (filter.empty())
    return Error::from_errno(kWhat, E2BIG);  // a jump out of reach: see BpfAssembler::finish
  sock_fprog program{.len = static_cast<unsigned short>(filter.size()), .filter = filter.data()};
  const long listener =
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
  if (listener < 0)
    return Error::from_errno(kWhat);
  return static_cast<int>(listener);
}

}  // namespace vdso::run
