#include "clock_calls.h"

#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "result.h"

namespace vdso::run {
namespace {

// The user code segment of a 64-bit process; a 32-bit one runs with 0x23.
constexpr unsigned long kUserCs64 = 0x33;

bool is_clock_call(uint64_t nr) {
  return nr == static_cast<uint64_t>(abi::kSysClockGettime) ||
         nr == static_cast<uint64_t>(abi::kSysClockGetres);
}

int clock_id_of(uint64_t arg0) {
  return static_cast<int>(static_cast<uint32_t>(arg0));
}

template <typename T>
void set_bytes(ClockReply* reply, uint64_t address, const T& value) {
  static_assert(sizeof(T) <= sizeof(reply->bytes));
  reply->address = address;
  reply->size = sizeof(T);
  std::memcpy(reply->bytes, &value, sizeof(T));
}

// Without virtual time from the start, clock_gettime of the REALTIME
// family too: the tree may set its clock later, and the filter cannot
// change then.
bool answers_clock_id(uint64_t nr, int clock_id, bool virtual_time) {
  if (abi::page_serves_coarse(clock_id))
    return true;
  return nr == static_cast<uint64_t>(abi::kSysClockGettime) &&
         (virtual_time ? abi::virtual_time_moves(clock_id) : abi::realtime_family(clock_id));
}

// The host's reading of `clock_id`, through the filter (see clock_calls.h).
Result<abi::Timespec> host_clock_gettime(int clock_id, uint64_t cookie) {
  timespec host;
  if (syscall(SYS_clock_gettime, clock_id, &host, cookie) != 0) {
    const int error = errno;
    return Error::from_errno("the host's clock_gettime of clock " + std::to_string(clock_id),
                             error);
  }
  return abi::Timespec{host.tv_sec, host.tv_nsec};
}

// A clock virtual time moves, as the image gives it: the coarse ones from
// the page (virtual already), the others the host's reading, transformed.
Result<abi::Timespec> virtual_clock_gettime(const Timekeeper& timekeeper, int clock_id,
                                            uint64_t cookie) {
  if (abi::page_serves_coarse(clock_id)) {
    abi::Timespec ts{};
    timekeeper.clock_gettime(clock_id, &ts);  // cannot fail for a clock the page serves
    return ts;
  }
  Result<abi::Timespec> ts = host_clock_gettime(clock_id, cookie);
  if (ts && abi::virtual_time_on(timekeeper.page()))
    *ts = abi::read_virtual(timekeeper.page(), clock_id, *ts);
  return ts;
}

ClockReply reply_to_gettimeofday(const Timekeeper& timekeeper, const uint64_t args[6],
                                 uint64_t cookie) {
  ClockReply reply;
  if (args[0] != 0) {
    const Result<abi::Timespec> now =
        virtual_clock_gettime(timekeeper, abi::kClockRealtime, cookie);
    if (!now) {
      reply.return_value = -now.error().errno_value;
      return reply;
    }
    // As the image: virtual REALTIME, cut to microseconds.
    set_bytes(&reply, args[0], abi::Timeval{now->sec, now->nsec / 1000});
  }
  if (args[1] != 0) {
    // The page's, as the image gives it (the tree's own after settimeofday).
    const abi::DataPage& page = timekeeper.page();
    const abi::Timezone ours = abi::read_consistent(page, [&] {
      return abi::Timezone{abi::load_relaxed(page.timezone.minuteswest),
                           abi::load_relaxed(page.timezone.dsttime)};
    });
    static_assert(sizeof(ours) <= sizeof(reply.second_bytes));
    reply.second_address = args[1];
    reply.second_size = sizeof(ours);
    std::memcpy(reply.second_bytes, &ours, sizeof(ours));
  }
  return reply;
}

}  // namespace

bool answers_clock_call(uint64_t nr, uint64_t arg0, bool virtual_time) {
  if (nr == kSysTime)
    return true;
  if (nr == static_cast<uint64_t>(abi::kSysGettimeofday))
    return true;
  return is_clock_call(nr) && answers_clock_id(nr, clock_id_of(arg0), virtual_time);
}

bool sets_time(uint64_t nr, uint64_t arg0) {
  if (nr == kSysSettimeofday || nr == kSysAdjtimex)
    return true;
  return (nr == kSysClockSettime || nr == kSysClockAdjtime) &&
         clock_id_of(arg0) == abi::kClockRealtime;
}

AnsweredClockIds answered_clock_ids(uint64_t nr, bool virtual_time) {
  AnsweredClockIds answered;
  for (int id = 0; id < abi::kMaxClocks; ++id) {
    if (answers_clock_id(nr, id, virtual_time))
      answered.ids[answered.count++] = id;
  }
  return answered;
}

ClockReply reply_to(const Timekeeper& timekeeper, uint64_t nr, const uint64_t args[6],
                    uint64_t cookie) {
  if (nr == static_cast<uint64_t>(abi::kSysGettimeofday))
    return reply_to_gettimeofday(timekeeper, args, cookie);
  ClockReply reply;
  abi::Timespec ts{};
  if (nr == kSysTime) {
    // As the image's __vdso_time; a null tloc only returns it.
    const int64_t sec = timekeeper.time_seconds();
    reply.return_value = sec;
    if (args[0] != 0)
      set_bytes(&reply, args[0], sec);
    return reply;
  }
  const int clock_id = clock_id_of(args[0]);
  if (nr == static_cast<uint64_t>(abi::kSysClockGetres)) {
    timekeeper.clock_getres(clock_id, &ts);
    if (args[1] != 0)  // Linux and POSIX allow a null res
      set_bytes(&reply, args[1], ts);
    return reply;
  }
  // clock_gettime: a null tp is written like any other, and faults.
  const Result<abi::Timespec> now = virtual_clock_gettime(timekeeper, clock_id, cookie);
  if (!now) {
    reply.return_value = -now.error().errno_value;
    return reply;
  }
  set_bytes(&reply, args[1], *now);
  return reply;
}

bool restart_interrupted_clock_call(pid_t tid, bool virtual_time) {
  user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0)
    return false;
  if (static_cast<long>(regs.rax) != -abi::kERESTARTSYS || regs.cs != kUserCs64 ||
      (!answers_clock_call(regs.orig_rax, regs.rdi, virtual_time) &&
       !sets_time(regs.orig_rax, regs.rdi))) {
    return false;
  }
  regs.rax = static_cast<unsigned long long>(-abi::kERESTARTNOINTR);
  return ptrace(PTRACE_SETREGS, tid, nullptr, &regs) == 0;
}

}  // namespace vdso::run
