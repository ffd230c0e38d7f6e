// The filter's policy: see seccomp_filter.h.
#include "seccomp_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include "bpf_assembler.h"
#include "clock_calls.h"
#include "deadlines.h"
#include "file_times.h"
#include "stub_abi.h"
#include "timed_wait_filter.h"

namespace vdso::run {
namespace {

// The places the filter jumps to.
enum Label : BpfAssembler::Label {
  kNotify,
  kAllow,
  kCheckGettimeId,
  kCheckGetresId,
  kCheckOwnClockRead,
  kCheckOwnRead,
  kCheckCookie,
  kTrace,
  kCheckOwnFstat,
  kNamedLabels
};

}  // namespace

// x86_64 only: a 32-bit (int 0x80, its own numbers) or x32 call (number
// with __X32_SYSCALL_BIT, so it matches none below) goes to the host.
// Without virtual time the filter is what it always was; with it,
// clock_gettime matches every id virtual time moves, gettimeofday is
// answered too, and both let the supervisor's own host reads through (the
// cookie in their third argument); the sleeps, timers and timed waits go to
// the tracer.
// Only a traced tree reaches these calls: the supervisor's own threads make
// none of them (the ticker, which sleeps, started before the filter).
std::vector<sock_filter> build_seccomp_filter(uint32_t cookie_low, bool virtual_time,
                                              const MovedWaits& moved_waits, bool file_times) {
  using B = BpfAssembler;
  constexpr uint32_t kArgLow = offsetof(seccomp_data, args[0]);  // little-endian: low half
  constexpr uint32_t kArg2Low = offsetof(seccomp_data, args[2]);
  const auto gettime = static_cast<uint64_t>(abi::kSysClockGettime);
  const auto getres = static_cast<uint64_t>(abi::kSysClockGetres);
  const AnsweredClockIds gettime_ids = answered_clock_ids(gettime, virtual_time);
  const AnsweredClockIds getres_ids = answered_clock_ids(getres, virtual_time);
  B filter(kNamedLabels);
  TimedWaitRules timed_waits(filter, moved_waits, kAllow, kTrace);
  filter.load(offsetof(seccomp_data, arch));
  filter.jump_if_equal(AUDIT_ARCH_X86_64, B::kNext, kAllow);
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
  filter.jump_if_equal(static_cast<uint32_t>(kSysTime), kNotify, B::kNext);
  if (virtual_time) {
    // The sleeps and timers whose time the tracer translates (deadlines.h).
    for (long nr : {kSysNanosleep, kSysClockNanosleep, kSysTimerSettime, kSysTimerfdSettime})
      filter.jump_if_equal(static_cast<uint32_t>(nr), kTrace, B::kNext);
    filter.jump_if_equal(static_cast<uint32_t>(abi::kSysGettimeofday), kCheckOwnRead, B::kNext);
    filter.jump_if_equal(static_cast<uint32_t>(gettime), kCheckOwnClockRead, B::kNext);
  } else {
    filter.jump_if_equal(static_cast<uint32_t>(gettime),
                         gettime_ids.count > 0 ? kCheckGettimeId : kAllow, B::kNext);
  }
  filter.jump_if_equal(static_cast<uint32_t>(getres),
                       getres_ids.count > 0 ? kCheckGetresId : kAllow, kAllow);
  // The kernel reads a clockid_t, the low 32 bits of the argument.
  const auto match_ids = [&](const AnsweredClockIds& ids) {
    filter.load(kArgLow);
    for (size_t i = 0; i < ids.count; ++i) {
      const bool last = i + 1 == ids.count;
      filter.jump_if_equal(static_cast<uint32_t>(ids.ids[i]), kNotify, last ? kAllow : B::kNext);
    }
  };
  if (virtual_time) {
    filter.place(kCheckOwnClockRead);
    filter.load(kArg2Low);
    filter.jump_if_equal(cookie_low, kAllow, kCheckGettimeId);
    filter.place(kCheckOwnRead);
    filter.load(kArg2Low);
    filter.jump_if_equal(cookie_low, kAllow, kNotify);
  }
  filter.place(kCheckGettimeId);
  match_ids(gettime_ids);
  filter.place(kCheckGetresId);
  match_ids(getres_ids);
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
  filter.place(kNotify);
  filter.ret(SECCOMP_RET_USER_NOTIF);
  filter.place(kAllow);
  filter.ret(SECCOMP_RET_ALLOW);
  return filter.finish();
}

int install_seccomp_filter(uint32_t cookie_low, bool virtual_time, const MovedWaits& moved_waits,
                           bool file_times) {
  std::vector<sock_filter> filter =
      build_seccomp_filter(cookie_low, virtual_time, moved_waits, file_times);
  if (filter.empty()) {
    errno = E2BIG;
    return -1;
  }
  sock_fprog program{.len = static_cast<unsigned short>(filter.size()), .filter = filter.data()};
  return static_cast<int>(
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
}

}  // namespace vdso::run
