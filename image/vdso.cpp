// The code page: vdso.so. Serves the coarse clocks from the data page with
// no system call, the fine clocks from the architecture's counter and the
// page's bases when its clock mode allows, and completes every other clock
// through the fallback: the chain target the host published, else the
// system call. Generic: the instructions are the architecture's hooks
// (vdso/arch/).
//
// Built freestanding, position-independent, with image/vdso.lds; the build
// then runs vdso-check on the result, which refuses any relocation or
// writable data. Returns 0 or -errno, as the kernel ABI does: glibc does not
// retry a failed VDSO call, so every valid clock id must be completed here.
#include "vdso/abi/data_page.h"
#include "vdso/abi/readers.h"
#include "vdso/abi/virtual_time.h"
#include "vdso/arch/counter.h"
#include "vdso/arch/getcpu.h"
#include "vdso/arch/syscall.h"

namespace {

using vdso::abi::ChainPage;
using vdso::abi::DataPage;
using vdso::abi::SystemInfo;
using vdso::abi::Timespec;
using vdso::abi::Timeval;
using vdso::abi::Timezone;
using vdso::abi::Utsname;

}  // namespace

// Placed by vdso.lds one and two pages before the image. Hidden, so every
// reference is PC-relative and resolved at link time.
extern "C" {
extern const DataPage vdso_data_page __attribute__((visibility("hidden")));
extern const ChainPage vdso_chain_page __attribute__((visibility("hidden")));
}

namespace {

using ClockFn = int (*)(int, Timespec*);
using GettimeofdayFn = int (*)(Timeval*, Timezone*);
using GetcpuFn = int (*)(unsigned*, unsigned*, void*);

// The fallback of clock_gettime and clock_getres: the host's chain target
// when it published one, else the system call. Out of line, so that the
// coarse path stays short and free of the chain's spills.
__attribute__((noinline)) int chain_or_syscall(const uint64_t& chain_slot, long syscall_number,
                                               int clock_id, Timespec* ts) {
  const uint64_t chain = vdso::abi::load_relaxed(chain_slot);
  if (chain != 0)
    return reinterpret_cast<ClockFn>(chain)(clock_id, ts);
  return static_cast<int>(
      vdso::arch::syscall2(syscall_number, clock_id, reinterpret_cast<long>(ts)));
}

// Host time in *ts -> the tree's virtual time; returns 0. Out of line: its
// 128-bit arithmetic, inlined, made every path of __vdso_clock_gettime save
// a register at entry (the coarse path grew from 14 to 17 instructions).
__attribute__((noinline)) int virtualise(int clock_id, Timespec* ts) {
  *ts = vdso::abi::read_virtual(vdso_data_page, clock_id, *ts);
  return 0;
}

// A fine clock that the page's counter does not serve: the host's chain
// target, transformed under virtual time; else the system call, which a
// supervisor answers in virtual time already. Out of line, as above.
__attribute__((noinline)) int fine_fallback(int clock_id, Timespec* ts) {
  const uint64_t chain = vdso::abi::load_relaxed(vdso_chain_page.clock_gettime);
  if (chain == 0) {
    return static_cast<int>(
        vdso::arch::syscall2(vdso::abi::kSysClockGettime, clock_id, reinterpret_cast<long>(ts)));
  }
  // Without virtual time a tail call, as before virtual time existed.
  if (__builtin_expect(!vdso::abi::virtual_time_on(vdso_data_page), 1))
    return reinterpret_cast<ClockFn>(chain)(clock_id, ts);
  const int rc = reinterpret_cast<ClockFn>(chain)(clock_id, ts);
  return rc == 0 ? virtualise(clock_id, ts) : rc;
}

// getcpu's fallback: the host's chain target, else the system call.
__attribute__((noinline)) int getcpu_fallback(unsigned* cpu, unsigned* node, void* unused) {
  const uint64_t chain = vdso::abi::load_relaxed(vdso_chain_page.getcpu);
  if (chain != 0)
    return reinterpret_cast<GetcpuFn>(chain)(cpu, node, unused);
  return static_cast<int>(vdso::arch::syscall3(vdso::abi::kSysGetcpu, reinterpret_cast<long>(cpu),
                                               reinterpret_cast<long>(node),
                                               reinterpret_cast<long>(unused)));
}

// A fine clock from the counter, in host time, or false when the page's clock
// mode sends it to the fallback.
inline bool read_fine(int clock_id, Timespec* ts) {
  return vdso::abi::read_fine<vdso::abi::CounterAccess::kUser>(vdso_data_page, clock_id, ts,
                                                               vdso::arch::read_counter);
}

bool fine_clocks_usable() {
  return vdso::abi::load_relaxed(vdso_data_page.clock_mode) ==
         static_cast<uint32_t>(vdso::abi::ClockMode::kUserCounter);
}

}  // namespace

extern "C" {

int __vdso_clock_gettime(int clock_id, Timespec* ts) {
  // One branch per coarse clock: each reads fields at constant PC-relative
  // addresses, which is shorter than computing an index (14 instructions
  // for REALTIME_COARSE, 16 for MONOTONIC_COARSE; see bench/).
  if (__builtin_expect(clock_id == vdso::abi::kClockRealtimeCoarse, 1)) {
    *ts = vdso::abi::read_coarse(vdso_data_page,
                                 static_cast<uint32_t>(vdso::abi::CoarseClock::kRealtime));
    return 0;
  }
  if (__builtin_expect(clock_id == vdso::abi::kClockMonotonicCoarse, 1)) {
    *ts = vdso::abi::read_coarse(vdso_data_page,
                                 static_cast<uint32_t>(vdso::abi::CoarseClock::kMonotonic));
    return 0;
  }
  // The fine clocks: from the counter when the page's clock mode allows it,
  // else from the host.
  if (__builtin_expect(vdso::abi::page_serves_fine(clock_id), 1)) {
    if (__builtin_expect(read_fine(clock_id, ts), 1)) {
      if (__builtin_expect(vdso::abi::virtual_time_on(vdso_data_page), 0))
        return virtualise(clock_id, ts);
      return 0;
    }
    return fine_fallback(clock_id, ts);
  }
  return chain_or_syscall(vdso_chain_page.clock_gettime, vdso::abi::kSysClockGettime, clock_id, ts);
}

int __vdso_clock_getres(int clock_id, Timespec* res) {
  int64_t resolution_ns = -1;
  if (vdso::abi::page_serves_coarse(clock_id))
    resolution_ns = static_cast<int64_t>(vdso::abi::load_relaxed(vdso_data_page.tick_ns));
  else if (vdso::abi::page_serves_fine(clock_id) && fine_clocks_usable())
    resolution_ns = vdso::abi::kFineClockResolutionNs;
  if (resolution_ns >= 0) {
    // POSIX allows a null res: only validate the id.
    if (res != nullptr) {
      res->sec = 0;
      res->nsec = resolution_ns;
    }
    return 0;
  }
  return chain_or_syscall(vdso_chain_page.clock_getres, vdso::abi::kSysClockGetres, clock_id, res);
}

int __vdso_gettimeofday(Timeval* tv, Timezone* tz) {
  // As Linux's: a null tv is allowed, and tz gets what the kernel stores.
  Timespec now;
  if (__builtin_expect(read_fine(vdso::abi::kClockRealtime, &now), 1)) {
    if (__builtin_expect(vdso::abi::virtual_time_on(vdso_data_page), 0))
      virtualise(vdso::abi::kClockRealtime, &now);
    if (__builtin_expect(tv != nullptr, 1)) {
      tv->sec = now.sec;
      tv->usec = now.nsec / 1000;
    }
    if (__builtin_expect(tz != nullptr, 0)) {
      tz->minuteswest = vdso::abi::load_relaxed(vdso_data_page.timezone.minuteswest);
      tz->dsttime = vdso::abi::load_relaxed(vdso_data_page.timezone.dsttime);
    }
    return 0;
  }
  const uint64_t chain = vdso::abi::load_relaxed(vdso_chain_page.gettimeofday);
  if (chain != 0 && __builtin_expect(vdso::abi::virtual_time_on(vdso_data_page), 0)) {
    // REALTIME in virtual time, then cut to microseconds: what the
    // supervisor answers to the system call, so the two agree.
    if (tv != nullptr) {
      const int rc = fine_fallback(vdso::abi::kClockRealtime, &now);
      if (rc != 0)
        return rc;
      tv->sec = now.sec;
      tv->usec = now.nsec / 1000;
    }
    return tz != nullptr ? reinterpret_cast<GettimeofdayFn>(chain)(nullptr, tz) : 0;
  }
  if (chain != 0)
    return reinterpret_cast<GettimeofdayFn>(chain)(tv, tz);
  return static_cast<int>(vdso::arch::syscall2(
      vdso::abi::kSysGettimeofday, reinterpret_cast<long>(tv), reinterpret_cast<long>(tz)));
}

// time(2), as the system call answers it (abi::read_time_seconds).
int64_t __vdso_time(int64_t* t) {
  const int64_t sec = vdso::abi::read_time_seconds(vdso_data_page);
  if (t != nullptr)
    *t = sec;
  return sec;
}

// getcpu(2) with the architecture's read the host published in the page,
// else the fallback. As Linux's: either pointer may be null, the third
// argument is unused.
int __vdso_getcpu(unsigned* cpu, unsigned* node, void* unused) {
  vdso::arch::CpuAndNode where;
  if (__builtin_expect(!vdso::arch::read_cpu_and_node(
                           vdso::abi::load_relaxed(vdso_data_page.getcpu_mode), &where),
                       0)) {
    return getcpu_fallback(cpu, node, unused);
  }
  if (cpu != nullptr)
    *cpu = where.cpu;
  if (node != nullptr)
    *node = where.node;
  return 0;
}

// ---- The system's configuration (version node VDSO_SYSINFO_1) ------------
//
// Names of our own, which no libc defines. Each fills *out and returns 0, or
// -ENODATA when the host published no configuration. Declared for C programs
// in <vdso/sysinfo.h>.

int __vdso_sysinfo_cpus(uint32_t* configured_and_online) {
  const bool ok = vdso::abi::read_system_info(vdso_data_page, [&](const SystemInfo& info) {
    configured_and_online[0] = vdso::abi::load_relaxed(info.cpus_configured);
    configured_and_online[1] = vdso::abi::load_relaxed(info.cpus_online);
  });
  return ok ? 0 : -vdso::abi::kENODATA;
}

int __vdso_sysinfo_page_size(uint64_t* bytes) {
  const bool ok = vdso::abi::read_system_info(vdso_data_page, [&](const SystemInfo& info) {
    *bytes = vdso::abi::load_relaxed(info.page_size);
  });
  return ok ? 0 : -vdso::abi::kENODATA;
}

int __vdso_sysinfo_physical_memory(uint64_t* bytes) {
  const bool ok = vdso::abi::read_system_info(vdso_data_page, [&](const SystemInfo& info) {
    *bytes = vdso::abi::load_relaxed(info.physical_memory_bytes);
  });
  return ok ? 0 : -vdso::abi::kENODATA;
}

int __vdso_sysinfo_boot_time(Timespec* realtime_at_boot) {
  const bool ok = vdso::abi::read_system_info(vdso_data_page, [&](const SystemInfo& info) {
    realtime_at_boot->sec = vdso::abi::load_relaxed(info.boot_time.sec);
    realtime_at_boot->nsec = vdso::abi::load_relaxed(info.boot_time.nsec);
  });
  return ok ? 0 : -vdso::abi::kENODATA;
}

int __vdso_sysinfo_uname(Utsname* uts) {
  const bool ok = vdso::abi::read_system_info(vdso_data_page, [&](const SystemInfo& info) {
    vdso::abi::load_bytes_relaxed(uts, &info.uts, sizeof(Utsname));
  });
  return ok ? 0 : -vdso::abi::kENODATA;
}

// The tick rate is the page's own tick period: served by every page of this
// layout, configuration or not.
int __vdso_sysinfo_tick_hz(uint64_t* hz) {
  if (!vdso::abi::is_current_layout(vdso_data_page))
    return -vdso::abi::kENODATA;
  *hz = vdso::abi::tick_hz_of(vdso::abi::load_relaxed(vdso_data_page.tick_ns));
  return 0;
}

// The plain names Linux's vDSO also exports.
int clock_gettime(int, Timespec*) __attribute__((weak, alias("__vdso_clock_gettime")));
int clock_getres(int, Timespec*) __attribute__((weak, alias("__vdso_clock_getres")));
int gettimeofday(Timeval*, Timezone*) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t*) __attribute__((weak, alias("__vdso_time")));
int getcpu(unsigned*, unsigned*, void*) __attribute__((weak, alias("__vdso_getcpu")));

}  // extern "C"
