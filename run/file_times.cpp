#include "file_times.h"

#include <cstring>

#include "clock_calls.h"
#include "timekeeper.h"

namespace vdso::run {
namespace {

// utimensat's special nanoseconds: the kernel's own now, or leave it.
constexpr int64_t kUtimeNow = (int64_t{1} << 30) - 1;
constexpr int64_t kUtimeOmit = (int64_t{1} << 30) - 2;

// struct stat's st_atim, st_mtim, st_ctim (x86_64), and struct statx's
// stx_atime, stx_btime, stx_ctime, stx_mtime with their stx_mask bits.
constexpr size_t kStatSize = 144;
constexpr size_t kStatTimes[] = {72, 88, 104};
constexpr size_t kStatxSize = 256;
constexpr size_t kStatxMask = 0;
constexpr struct {
  size_t offset;
  uint32_t mask;
} kStatxTimes[] = {{64, 0x20}, {80, 0x800}, {96, 0x80}, {112, 0x40}};

const abi::VirtualClock& realtime(const abi::VirtualTime& vt) {
  return vt.clocks[abi::kClockRealtime];
}

bool before(const abi::Timespec& a, const abi::Timespec& b) {
  return a.sec < b.sec || (a.sec == b.sec && a.nsec < b.nsec);
}

abi::Timespec from_host_seconds(const abi::Timespec& host) {  // rounded up
  return {host.nsec > 0 ? host.sec + 1 : host.sec, 0};
}

}  // namespace

abi::Timespec tree_file_time(const abi::VirtualTime& vt, const abi::Timespec& host) {
  const abi::VirtualClock& clock = realtime(vt);
  if (ns_from_timespec(host) >= clock.host_base_ns)
    return abi::to_virtual(vt, abi::kClockRealtime, host);
  return abi::normalised(host.sec + clock.offset.sec, host.nsec + clock.offset.nsec);
}

abi::Timespec host_file_time(const abi::VirtualTime& vt, const abi::Timespec& tree) {
  const abi::VirtualClock& clock = realtime(vt);
  int64_t host_ns = 0;
  if (!before(tree, clock.virtual_base) && abi::to_host(vt, abi::kClockRealtime, tree, &host_ns))
    return timespec_from_ns(host_ns);
  // Before the start, or after a frozen present (which no host time
  // reaches): the distance to the start, as at rate 1.
  return abi::normalised(tree.sec - clock.offset.sec, tree.nsec - clock.offset.nsec);
}

bool file_time_rewrite(pid_t tid, const user_regs_struct& registers, const abi::VirtualTime& vt,
                       TimeRewrite* rewrite) {
  user_regs_struct regs = registers;  // argument() hands out references
  const auto nr = static_cast<long>(regs.orig_rax);
  const auto reads = [&](int buffer, ReportedTime kind) {
    rewrite->argument = -1;  // nothing to rewrite on the way in
    rewrite->reported = kind;
    rewrite->reported_at = argument(regs, buffer);
    return true;
  };
  switch (nr) {
    case abi::kSysStat:
    case abi::kSysFstat:
    case abi::kSysLstat: return reads(1, ReportedTime::kStatTimes);
    case abi::kSysNewfstatat: return reads(2, ReportedTime::kStatTimes);
    case abi::kSysStatx: return reads(4, ReportedTime::kStatxTimes);
    case abi::kSysUtimensat: {
      abi::Timespec times[2];
      if (regs.rdx == 0 || !read_from_process(tid, regs.rdx, times, sizeof(times)))
        return false;  // now, or the kernel's own EFAULT
      for (abi::Timespec& time : times) {
        if (time.nsec == kUtimeNow || time.nsec == kUtimeOmit)
          continue;
        if (time.nsec < 0 || time.nsec >= abi::kNanosecondsPerSecond)
          return false;  // the kernel's own EINVAL
        time = host_file_time(vt, time);
      }
      std::memcpy(rewrite->bytes, times, sizeof(times));
      rewrite->size = sizeof(times);
      rewrite->argument = 2;
      return true;
    }
    case abi::kSysUtime: {
      int64_t times[2];  // struct utimbuf: actime, modtime
      if (regs.rsi == 0 || !read_from_process(tid, regs.rsi, times, sizeof(times)))
        return false;
      for (int64_t& time : times)
        time = from_host_seconds(host_file_time(vt, {time, 0})).sec;
      std::memcpy(rewrite->bytes, times, sizeof(times));
      rewrite->size = sizeof(times);
      rewrite->argument = 1;
      return true;
    }
    case abi::kSysUtimes:
    case abi::kSysFutimesat: {
      const int index = nr == abi::kSysUtimes ? 1 : 2;
      abi::Timeval times[2];
      if (argument(regs, index) == 0 ||
          !read_from_process(tid, argument(regs, index), times, sizeof(times)))
        return false;
      for (abi::Timeval& time : times) {
        if (time.usec < 0 || time.usec >= 1'000'000)
          return false;  // the kernel's own EINVAL
        const abi::Timespec host = host_file_time(vt, {time.sec, time.usec * 1000});
        time = abi::Timeval{host.sec, (host.nsec + 999) / 1000};  // rounded up
        if (time.usec == 1'000'000)
          time = {time.sec + 1, 0};
      }
      std::memcpy(rewrite->bytes, times, sizeof(times));
      rewrite->size = sizeof(times);
      rewrite->argument = index;
      return true;
    }
    default: return false;
  }
}

void give_back_stat_times(pid_t tid, const abi::VirtualTime& vt, uint64_t address, bool statx) {
  unsigned char buffer[kStatxSize];
  const size_t size = statx ? kStatxSize : kStatSize;
  if (!read_from_process(tid, address, buffer, size))
    return;
  if (statx) {
    uint32_t mask;
    std::memcpy(&mask, buffer + kStatxMask, sizeof(mask));
    for (const auto& [offset, bit] : kStatxTimes) {
      if ((mask & bit) == 0)
        continue;
      int64_t sec;
      uint32_t nsec;  // struct statx_timestamp: __s64 tv_sec, __u32 tv_nsec
      std::memcpy(&sec, buffer + offset, sizeof(sec));
      std::memcpy(&nsec, buffer + offset + 8, sizeof(nsec));
      const abi::Timespec tree = tree_file_time(vt, {sec, nsec});
      nsec = static_cast<uint32_t>(tree.nsec);
      std::memcpy(buffer + offset, &tree.sec, sizeof(tree.sec));
      std::memcpy(buffer + offset + 8, &nsec, sizeof(nsec));
    }
  } else {
    for (size_t offset : kStatTimes) {
      abi::Timespec time;
      std::memcpy(&time, buffer + offset, sizeof(time));
      time = tree_file_time(vt, time);
      std::memcpy(buffer + offset, &time, sizeof(time));
    }
  }
  (void)write_to_process(tid, address, buffer, size);  // unmapped meanwhile: the host's times stay
}

}  // namespace vdso::run
