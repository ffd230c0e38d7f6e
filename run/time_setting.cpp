#include "time_setting.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "remote_memory.h"

namespace vdso::run {
namespace {

constexpr int kCapSysTime = 25;
// The kernel's names for adjtimex's mode bits that glibc spells as
// ADJ_OFFSET_SINGLESHOT and ADJ_OFFSET_SS_READ.
constexpr unsigned kAdjAdjtime = 0x8000;
constexpr unsigned kAdjOffsetReadonly = 0x2000;
// Linux's bounds: a settable time (TIME_SETTOD_SEC_MAX), the frequency
// (MAXFREQ_SCALED, ppm << 16), the PLL time constant (MAXTC), USER_HZ.
constexpr int64_t kSettableSecMax = 9'223'372'036 - 946'080'000;
constexpr long kMaxFreqScaled = 500L << 16;
constexpr long kMaxTimeConstant = 10;
constexpr long kUserHz = 100;

int64_t host_ns(int clock_id, uint64_t cookie) {
  timespec ts{};
  syscall(SYS_clock_gettime, clock_id, &ts, cookie);  // through the filter: see clock_calls.h
  return static_cast<int64_t>(ts.tv_sec) * abi::kNanosecondsPerSecond + ts.tv_nsec;
}

abi::Timespec tree_clock(const abi::DataPage& page, int clock_id, int64_t host_now_ns) {
  const abi::Timespec host = timespec_from_ns(host_now_ns);
  return abi::virtual_time_on(page) ? abi::read_virtual(page, clock_id, host) : host;
}

bool settable(const abi::Timespec& ts) {
  return ts.sec >= 0 && ts.sec < kSettableSecMax && ts.nsec >= 0 &&
         ts.nsec < abi::kNanosecondsPerSecond;
}

// Linux refuses a REALTIME below MONOTONIC (it would put the boot before
// 1970).
bool after_boot(const abi::DataPage& page, const abi::Timespec& realtime) {
  const abi::Timespec monotonic =
      abi::read_coarse(page, static_cast<uint32_t>(abi::CoarseClock::kMonotonic));
  return ns_from_timespec(realtime) >= ns_from_timespec(monotonic);
}

// As copy_from_user: 0, or -EFAULT.
template <typename T>
int read_struct(pid_t tid, uint64_t address, T* value) {
  return read_from_process(tid, address, value, sizeof(*value)) ? 0 : -EFAULT;
}

}  // namespace

bool has_cap_sys_time(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/ns/user", tid);
  struct stat theirs {
  }, ours{};
  // Unknown (not ours to inspect): refused, as the safe answer.
  if (stat(path, &theirs) != 0 || stat("/proc/self/ns/user", &ours) != 0 ||
      theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) {
    return false;
  }
  std::snprintf(path, sizeof(path), "/proc/%d/status", tid);
  FILE* file = std::fopen(path, "re");
  if (file == nullptr)
    return false;
  unsigned long long effective = 0;
  bool found = false;
  char line[256];
  while (!found && std::fgets(line, sizeof(line), file) != nullptr)
    found = std::sscanf(line, "CapEff: %llx", &effective) == 1;
  std::fclose(file);
  return found && ((effective >> kCapSysTime) & 1) != 0;
}

TimeSetting::TimeSetting(Ticker& ticker, uint64_t cookie) : ticker_(ticker), cookie_(cookie) {
  ntp_.modes = 0;
  state_ = ::adjtimex(&ntp_);
  if (state_ < 0) {
    // No host state to start from: Linux's at boot.
    std::memset(&ntp_, 0, sizeof(ntp_));
    ntp_.status = STA_UNSYNC;
    ntp_.maxerror = ntp_.esterror = 16'000'000;
    ntp_.constant = 2;
    ntp_.precision = 1;
    ntp_.tolerance = kMaxFreqScaled;
    ntp_.tick = 1'000'000 / kUserHz;
    state_ = TIME_ERROR;
  }
}

abi::Timespec TimeSetting::tree_realtime() const {
  return tree_clock(ticker_.timekeeper().page(), abi::kClockRealtime,
                    host_ns(abi::kClockRealtime, cookie_));
}

int64_t TimeSetting::tree_tai_offset_sec() const {
  const abi::DataPage& page = ticker_.timekeeper().page();
  const int64_t realtime = host_ns(abi::kClockRealtime, cookie_);
  const int64_t tai = host_ns(abi::kClockTai, cookie_);
  const int64_t distance = ns_from_timespec(tree_clock(page, abi::kClockTai, tai)) -
                           ns_from_timespec(tree_clock(page, abi::kClockRealtime, realtime));
  // The two reads are a few hundred nanoseconds apart: round to seconds.
  return (distance + abi::kNanosecondsPerSecond / 2) / abi::kNanosecondsPerSecond;
}

void TimeSetting::step(const abi::Timespec& value, bool relative, int64_t tai_offset_sec) {
  const int64_t tai_offset = tai_offset_sec >= 0 ? tai_offset_sec : tree_tai_offset_sec();
  ticker_.change_timekeeper([&](Timekeeper& timekeeper) {
    const int64_t host_realtime = host_ns(abi::kClockRealtime, cookie_);
    const int64_t host_tai = host_ns(abi::kClockTai, cookie_);
    // A tick now, after those reads: the coarse clocks then start from the
    // new time, as Linux's do after a set, not a tick before it.
    timekeeper.tick(host_ns(abi::kClockMonotonic, cookie_));
    abi::Timespec realtime = value;
    if (relative) {
      const abi::Timespec now = tree_clock(timekeeper.page(), abi::kClockRealtime, host_realtime);
      realtime = abi::normalised(now.sec + value.sec, now.nsec + value.nsec);
    }
    const abi::Timespec tai{realtime.sec + tai_offset, realtime.nsec};
    timekeeper.set_virtual_realtime(host_realtime, host_tai, realtime, tai);
  });
}

int64_t TimeSetting::answer(pid_t tid, uint64_t nr, const uint64_t args[6],
                            const std::function<bool()>& still_waiting) {
  if (nr == kSysSettimeofday)
    return settimeofday(tid, args[0], args[1], still_waiting);
  if (nr == kSysAdjtimex)
    return adjtimex(tid, args[0], still_waiting);
  if (nr == kSysClockAdjtime)
    return adjtimex(tid, args[1], still_waiting);
  // clock_settime(CLOCK_REALTIME, tp)
  abi::Timespec value;
  if (const int rc = read_struct(tid, args[1], &value); rc != 0)
    return rc;
  return set_realtime(tid, value, still_waiting);
}

int64_t TimeSetting::set_realtime(pid_t tid, const abi::Timespec& value,
                                  const std::function<bool()>& still_waiting) {
  if (!settable(value))
    return -EINVAL;
  if (!has_cap_sys_time(tid))
    return -EPERM;
  if (!after_boot(ticker_.timekeeper().page(), value))
    return -EINVAL;
  if (!still_waiting())
    return 0;
  step(value, false, -1);
  return 0;
}

int64_t TimeSetting::settimeofday(pid_t tid, uint64_t tv_address, uint64_t tz_address,
                                  const std::function<bool()>& still_waiting) {
  abi::Timeval tv{};
  abi::Timezone tz{};
  if (tv_address != 0) {
    if (const int rc = read_struct(tid, tv_address, &tv); rc != 0)
      return rc;
    if (tv.usec < 0 || tv.usec > 1'000'000)
      return -EINVAL;
  }
  if (tz_address != 0) {
    if (const int rc = read_struct(tid, tz_address, &tz); rc != 0)
      return rc;
  }
  const abi::Timespec value{tv.sec, tv.usec * 1000};
  if (tv_address != 0 && !settable(value))
    return -EINVAL;
  if (!has_cap_sys_time(tid))
    return -EPERM;
  if (tz_address != 0 && (tz.minuteswest < -15 * 60 || tz.minuteswest > 15 * 60))
    return -EINVAL;
  if (tv_address != 0 && !after_boot(ticker_.timekeeper().page(), value))
    return -EINVAL;
  if (!still_waiting())
    return 0;
  if (tz_address != 0)
    ticker_.change_timekeeper([&](Timekeeper& timekeeper) { timekeeper.set_timezone(tz); });
  if (tv_address != 0)
    step(value, false, -1);
  return 0;
}

int64_t TimeSetting::adjtimex(pid_t tid, uint64_t address,
                              const std::function<bool()>& still_waiting) {
  struct timex request;
  if (const int rc = read_struct(tid, address, &request); rc != 0)
    return rc;
  const unsigned modes = request.modes;
  // As Linux's timekeeping_validate_timex: adjtime()'s form, then the
  // privilege, then the values.
  bool read_only = modes == 0;
  if ((modes & kAdjAdjtime) != 0) {
    if ((modes & ADJ_OFFSET_SINGLESHOT) != ADJ_OFFSET_SINGLESHOT)
      return -EINVAL;
    read_only = (modes & kAdjOffsetReadonly) != 0;
  }
  if (!read_only && !has_cap_sys_time(tid))
    return -EPERM;
  if ((modes & kAdjAdjtime) == 0 && (modes & ADJ_TICK) != 0 &&
      (request.tick < 900'000 / kUserHz || request.tick > 1'100'000 / kUserHz)) {
    return -EINVAL;
  }
  abi::Timespec delta{};
  if ((modes & kAdjAdjtime) == 0 && (modes & ADJ_SETOFFSET) != 0) {
    const bool nano = (modes & ADJ_NANO) != 0;
    const long limit = nano ? abi::kNanosecondsPerSecond : 1'000'000;
    if (request.time.tv_usec < 0 || request.time.tv_usec >= limit)
      return -EINVAL;
    delta = {request.time.tv_sec, nano ? request.time.tv_usec : request.time.tv_usec * 1000};
    const abi::Timespec now = tree_realtime();
    const abi::Timespec after = abi::normalised(now.sec + delta.sec, now.nsec + delta.nsec);
    if (!settable(after) || !after_boot(ticker_.timekeeper().page(), after))
      return -EINVAL;  // checked after the privilege, as Linux does
  }
  if (!still_waiting())
    return 0;

  long previous_offset = ntp_.offset;
  if ((modes & kAdjAdjtime) != 0) {
    // adjtime(): Linux slews by this many microseconds; the tree steps.
    previous_offset = 0;
    if (!read_only && request.offset != 0)
      step({request.offset / 1'000'000, (request.offset % 1'000'000) * 1000}, true, -1);
  } else if (!read_only) {
    if ((modes & ADJ_STATUS) != 0)
      ntp_.status = (ntp_.status & STA_RONLY) | (request.status & ~STA_RONLY);
    if ((modes & ADJ_NANO) != 0)
      ntp_.status |= STA_NANO;
    if ((modes & ADJ_MICRO) != 0)
      ntp_.status &= ~STA_NANO;
    if ((modes & ADJ_FREQUENCY) != 0)
      ntp_.freq = request.freq > kMaxFreqScaled    ? kMaxFreqScaled
                  : request.freq < -kMaxFreqScaled ? -kMaxFreqScaled
                                                   : request.freq;
    if ((modes & ADJ_MAXERROR) != 0)
      ntp_.maxerror = request.maxerror;
    if ((modes & ADJ_ESTERROR) != 0)
      ntp_.esterror = request.esterror;
    if ((modes & ADJ_TIMECONST) != 0)
      ntp_.constant = request.constant < 0                  ? 0
                      : request.constant > kMaxTimeConstant ? kMaxTimeConstant
                                                            : request.constant;
    if ((modes & ADJ_OFFSET) != 0)
      ntp_.offset = request.offset;  // recorded, not applied (see time_setting.h)
    if ((modes & ADJ_TICK) != 0)
      ntp_.tick = request.tick;
    if ((modes & ADJ_SETOFFSET) != 0)
      step(delta, true, -1);
    if ((modes & ADJ_TAI) != 0 && request.constant >= 0)
      step({0, 0}, true, request.constant);
  }

  // The state as Linux reports it, in the tree's time.
  struct timex reply = ntp_;
  reply.modes = request.modes;
  if ((modes & kAdjAdjtime) != 0)
    reply.offset = previous_offset;
  const abi::Timespec now = tree_realtime();
  reply.time.tv_sec = now.sec;
  reply.time.tv_usec = (ntp_.status & STA_NANO) != 0 ? now.nsec : now.nsec / 1000;
  reply.tai = static_cast<int>(tree_tai_offset_sec());
  if (const Result<void> written = write_to_process(tid, address, &reply, sizeof(reply)); !written)
    return -written.error().errno_value;
  const bool unsynchronised = (ntp_.status & (STA_UNSYNC | STA_CLOCKERR)) != 0;
  return unsynchronised ? TIME_ERROR : (state_ == TIME_ERROR ? TIME_OK : state_);
}

}  // namespace vdso::run
