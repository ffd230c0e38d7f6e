#include "clock_calls.h"

#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include <cerrno>
#include <cstring>

namespace vdso::run {
namespace {

// The kernel's internal restart codes (include/linux/errno.h): never seen
// by a program, but seen by a tracer at a signal-delivery-stop.
constexpr long kErestartsys = 512;
constexpr long kErestartnointr = 513;

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

}  // namespace

bool answers_clock_call(uint64_t nr, uint64_t arg0) {
  if (nr == kSysTime)
    return true;
  return is_clock_call(nr) && abi::page_serves(clock_id_of(arg0));
}

AnsweredClockIds answered_clock_ids() {
  AnsweredClockIds answered;
  for (int id = 0; id < abi::kMaxClocks; ++id) {
    if (abi::page_serves(id))
      answered.ids[answered.count++] = id;
  }
  return answered;
}

ClockReply reply_to(const Timekeeper& timekeeper, uint64_t nr, const uint64_t args[6]) {
  ClockReply reply;
  abi::Timespec ts{};
  if (nr == kSysTime) {
    // The coarse REALTIME's seconds, as Linux (ktime_get_real_seconds) and
    // the image's __vdso_time; a null tloc only returns it.
    timekeeper.clock_gettime(abi::kClockRealtimeCoarse, &ts);
    reply.value = ts.sec;
    if (args[0] != 0)
      set_bytes(&reply, args[0], ts.sec);
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
  timekeeper.clock_gettime(clock_id, &ts);
  set_bytes(&reply, args[1], ts);
  return reply;
}

int write_to_process(pid_t tid, uint64_t address, const void* bytes, size_t size) {
  iovec local{const_cast<void*>(bytes), size};
  iovec remote{reinterpret_cast<void*>(address), size};
  const ssize_t written = process_vm_writev(tid, &local, 1, &remote, 1, 0);
  if (written == static_cast<ssize_t>(size))
    return 0;
  // A short write crossed into a page that cannot be written: the kernel's
  // copy_to_user fails the same way, having written the first part.
  if (written >= 0)
    return -EFAULT;
  return -errno;
}

bool restart_interrupted_clock_call(pid_t tid) {
  user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0)
    return false;
  if (static_cast<long>(regs.rax) != -kErestartsys || regs.cs != kUserCs64 ||
      !answers_clock_call(regs.orig_rax, regs.rdi)) {
    return false;
  }
  regs.rax = static_cast<unsigned long long>(-kErestartnointr);
  return ptrace(PTRACE_SETREGS, tid, nullptr, &regs) == 0;
}

}  // namespace vdso::run
