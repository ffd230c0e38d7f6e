// The VDSO data page: the one ABI shared by its only writer (the kernel's
// timekeeper) and every reader (the vdso.so image, the kernel's own
// clock_gettime, tests). Nothing else declares this layout.
//
// Freestanding C++20: only <stdint.h> and compiler builtins, because the
// image and the kernel have no C++ library. Every shared field is accessed
// through __atomic builtins so that concurrent reads are not data races.
//
// Virtual layout of the VDSO in a process, lowest address first:
//
//   image - 2 pages   ChainPage   per process: fallback targets, read-only
//   image - 1 page    DataPage    shared by all processes: the clocks, read-only
//   image             vdso.so     one R+X PT_LOAD, starting with its ELF header
//
// The image finds both pages PC-relative through symbols its linker script
// places at those offsets, so it needs no relocation and no search.
#pragma once

#include <cpuid.h>  // the compiler's: freestanding
#include <stdint.h>

#include "vdso/abi/linux.h"

namespace vdso::abi {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kDataPageMagic = 0x4547'4150'4f53'4456;   // "VDSOPAGE"
inline constexpr uint64_t kChainPageMagic = 0x4e49'4148'4f53'4456;  // "VDSOHAIN"
// Bump on any change a reader could observe; readers check magic + version.
// Version 2: the fine clocks (counter parameters and per-clock bases), the
// getcpu instruction, the timezone and the system's configuration.
// Version 3: virtual time (the transform of every clock, see VirtualTime).
inline constexpr uint32_t kLayoutVersion = 3;

// Offsets of the two pages relative to the image's ELF header.
inline constexpr int64_t kDataPageOffsetFromImage = -static_cast<int64_t>(kPageSize);
inline constexpr int64_t kChainPageOffsetFromImage = -2 * static_cast<int64_t>(kPageSize);
// Pages that precede the image in a VDSO mapping.
inline constexpr uint64_t kPagesBeforeImage = 2;

// The coarse clocks the page serves, in the order of DataPage::coarse.
enum class CoarseClock : uint32_t { kRealtime = 0, kMonotonic = 1 };
inline constexpr uint32_t kCoarseClockCount = 2;

// Which clock ids the data page answers at one tick's precision, with no
// counter. Everything else goes to the fine path or the fallback.
constexpr bool page_serves(int clock_id) {
  return clock_id == kClockRealtimeCoarse || clock_id == kClockMonotonicCoarse;
}
// Index into DataPage::coarse for an id that page_serves().
constexpr uint32_t coarse_index(int clock_id) {
  return static_cast<uint32_t>(clock_id - kClockRealtimeCoarse);
}
static_assert(coarse_index(kClockRealtimeCoarse) == static_cast<uint32_t>(CoarseClock::kRealtime));
static_assert(coarse_index(kClockMonotonicCoarse) ==
              static_cast<uint32_t>(CoarseClock::kMonotonic));

// ---- Fine clocks ----------------------------------------------------------
//
// As Linux's lib/vdso: at each update the writer stores the counter reading
// (cycle_last) and, per clock, its time at that reading as seconds plus
// nanoseconds shifted left by `counter_shift` (snsec), with the clock's own
// multiplier. A reader computes
//   cycles = max(counter now, cycle_last)
//   ns     = (snsec + (cycles - cycle_last) * mult) >> counter_shift
// The bases are indexed by clock id, as Linux's are (ids 0..CLOCK_TAI).
inline constexpr uint32_t kFineClockSlots = 12;
static_assert(kClockTai == 11);
inline constexpr uint32_t kFineClockMask = (1u << kClockRealtime) | (1u << kClockMonotonic) |
                                           (1u << kClockMonotonicRaw) | (1u << kClockBoottime) |
                                           (1u << kClockTai);

// Which clock ids have a fine base in the page (served from the counter
// when the clock mode allows it).
constexpr bool page_serves_fine(int clock_id) {
  return static_cast<uint32_t>(clock_id) < kFineClockSlots &&
         ((kFineClockMask >> static_cast<uint32_t>(clock_id)) & 1) != 0;
}

// The resolution clock_getres reports for a fine clock, as Linux's
// high-resolution clocks do.
inline constexpr int64_t kFineClockResolutionNs = 1;

// Whether user space may read the counter the fine bases are in. kNone: the
// image takes the fallback for every fine clock. kTsc carries the layout
// version in its upper half, so the one comparison the fine path makes also
// checks that the page is of this layout (a zeroed page, or one of another
// version, serves no fine clock) without costing the path an instruction.
enum class ClockMode : uint32_t { kNone = 0, kTsc = (kLayoutVersion << 16) | 1 };

// How user space learns its CPU without a system call: RDPID or RDTSCP
// read TSC_AUX, where the kernel stores cpu | node << 12 (as Linux does).
// The host decides once (CPUID), so the image never executes CPUID.
// The values carry the layout version in their upper half, as ClockMode's.
enum class GetcpuMode : uint32_t {
  kNone = 0,
  kRdpid = (kLayoutVersion << 16) | 1,
  kRdtscp = (kLayoutVersion << 16) | 2,
};
inline constexpr uint32_t kTscAuxCpuMask = 0xfff;
inline constexpr uint32_t kTscAuxNodeShift = 12;

// Which of the two TSC_AUX readers this CPU has, from CPUID: RDPID is
// CPUID.(EAX=7,ECX=0):ECX bit 22, RDTSCP CPUID.80000001h:EDX bit 27. For the
// hosts, which decide once and publish a GetcpuMode; never the image (CPUID
// traps to the hypervisor in a VM).
struct TscAuxReaders {
  bool rdpid;
  bool rdtscp;
};
inline TscAuxReaders tsc_aux_readers() {
  uint32_t eax, ebx, ecx, edx;
  __cpuid_count(0u, 0u, eax, ebx, ecx, edx);
  const uint32_t max_basic = eax;
  bool rdpid = false;
  if (max_basic >= 7) {
    __cpuid_count(7u, 0u, eax, ebx, ecx, edx);
    rdpid = ((ecx >> 22) & 1) != 0;
  }
  __cpuid_count(0x8000'0000u, 0u, eax, ebx, ecx, edx);
  bool rdtscp = false;
  if (eax >= 0x8000'0001u) {
    __cpuid_count(0x8000'0001u, 0u, eax, ebx, ecx, edx);
    rdtscp = ((edx >> 27) & 1) != 0;
  }
  return {rdpid, rdtscp};
}
// The getcpu mode for those readers: RDPID (one instruction, no TSC read)
// when there, else RDTSCP, else none.
constexpr GetcpuMode getcpu_mode_for(TscAuxReaders readers) {
  if (readers.rdpid)
    return GetcpuMode::kRdpid;
  return readers.rdtscp ? GetcpuMode::kRdtscp : GetcpuMode::kNone;
}

struct FineBase {
  int64_t sec;
  uint64_t snsec;  // nanoseconds << counter_shift, below 10^9 << counter_shift
  uint32_t mult;   // ns << counter_shift per counter cycle for this clock
  uint32_t reserved;
};
static_assert(sizeof(FineBase) == 24);

// ---- The system's configuration ------------------------------------------
//
// Non-sensitive values a program otherwise asks the kernel for (uname(2),
// sysconf, sysinfo(2)). They live in the data page's spare room rather than
// a page of their own: they then need no new mapping in either host, stay
// read-only and no-execute with the clocks, and share the one writer and
// the seqcount (online CPUs and the node name can change). `present` is 0
// until the host publishes them; the image then answers -ENODATA.
inline constexpr uint32_t kUtsnameFieldSize = 65;
// struct utsname of Linux (new_utsname), so that a copy fills a libc's.
struct Utsname {
  char sysname[kUtsnameFieldSize];
  char nodename[kUtsnameFieldSize];
  char release[kUtsnameFieldSize];
  char version[kUtsnameFieldSize];
  char machine[kUtsnameFieldSize];
  char domainname[kUtsnameFieldSize];
};
static_assert(sizeof(Utsname) == 390);

struct SystemInfo {
  uint32_t present;  // 1 once the host has published the values below
  uint32_t cpus_configured;
  uint32_t cpus_online;
  uint32_t reserved0;
  uint64_t page_size;
  uint64_t physical_memory_bytes;
  Timespec boot_time;  // REALTIME at boot
  Utsname uts;
  uint8_t reserved1[2];
};
static_assert(sizeof(SystemInfo) == 440);
static_assert(__builtin_offsetof(SystemInfo, cpus_configured) == 4);
static_assert(__builtin_offsetof(SystemInfo, cpus_online) == 8);
static_assert(__builtin_offsetof(SystemInfo, page_size) == 16);
static_assert(__builtin_offsetof(SystemInfo, physical_memory_bytes) == 24);
static_assert(__builtin_offsetof(SystemInfo, boot_time) == 32);
static_assert(__builtin_offsetof(SystemInfo, uts) == 48);

// ---- Virtual time ----------------------------------------------------------
//
// A host may run its processes on a virtual clock (vdso-run --at, --offset,
// --rate, --freeze). The one transform, host time to virtual time, is
//   virtual = virtual_base + (host - host_base) * rate
// per clock id, with rate = rate_mult / 2^kVirtualRateShift (0 freezes).
// It is written before any program runs (--at, --offset, --rate), and the
// REALTIME family's clocks change when a program of the tree sets the time
// (vdso-run answers clock_settime and its kin; that also turns virtual time
// on for a tree that started without it). Every write is under the
// seqcount, so a reader takes the transform with read_virtual() or
// read_virtual_time(); the mode and the rate never change once on, and a
// reader may test virtual_time_on() outside the seqcount. The coarse clocks in the page are
// already virtual (the timekeeper publishes them transformed: the coarse
// path costs nothing more); a fine clock read from a host (chained, or by
// the supervisor) is transformed with to_virtual(). A clock and its coarse
// twin share one transform, so they stay ordered; the rate is never
// negative, so MONOTONIC never goes backwards.
//
// `mode` carries the layout version in its upper half, as ClockMode does.
enum class VirtualTimeMode : uint32_t { kOff = 0, kOn = (kLayoutVersion << 16) | 1 };
inline constexpr uint32_t kVirtualRateShift = 32;
// The clocks virtual time moves: the REALTIME family (REALTIME, its coarse
// and alarm twins, TAI) and the MONOTONIC family (MONOTONIC, MONOTONIC_RAW,
// its coarse twin, BOOTTIME and its alarm twin). The CPU-time clocks stay
// real: they measure work, not time.
inline constexpr uint32_t kVirtualClockMask =
    (1u << kClockRealtime) | (1u << kClockMonotonic) | (1u << kClockMonotonicRaw) |
    (1u << kClockRealtimeCoarse) | (1u << kClockMonotonicCoarse) | (1u << kClockBoottime) |
    (1u << kClockRealtimeAlarm) | (1u << kClockBoottimeAlarm) | (1u << kClockTai);

constexpr bool virtual_time_moves(int clock_id) {
  return static_cast<uint32_t>(clock_id) < kFineClockSlots &&
         ((kVirtualClockMask >> static_cast<uint32_t>(clock_id)) & 1) != 0;
}

// The clocks a tree's clock_settime(CLOCK_REALTIME) moves: REALTIME, its
// coarse and alarm twins, and TAI (which keeps its distance).
inline constexpr uint32_t kRealtimeFamilyMask = (1u << kClockRealtime) |
                                                (1u << kClockRealtimeCoarse) |
                                                (1u << kClockRealtimeAlarm) | (1u << kClockTai);

constexpr bool realtime_family(int clock_id) {
  return static_cast<uint32_t>(clock_id) < kFineClockSlots &&
         ((kRealtimeFamilyMask >> static_cast<uint32_t>(clock_id)) & 1) != 0;
}

struct VirtualClock {
  int64_t host_base_ns;   // the host clock's reading at the start
  Timespec virtual_base;  // what the clock reads at that instant
  // virtual_base - host_base_ns, normalised (0 <= nsec < 10^9): at rate 1
  // (--at, --offset alone) the transform is one addition, with no
  // multiplication or division on the fine path. See make_virtual_clock.
  Timespec offset;
};
static_assert(sizeof(VirtualClock) == 40);
static_assert(__builtin_offsetof(VirtualClock, offset) == 24);

struct VirtualTime {
  uint32_t mode;  // VirtualTimeMode
  uint32_t reserved;
  uint64_t rate_mult;                    // rate << kVirtualRateShift; 0: the clocks stand still
  VirtualClock clocks[kFineClockSlots];  // by clock id; virtual_time_moves() ones
};
static_assert(sizeof(VirtualTime) == 496);
static_assert(__builtin_offsetof(VirtualTime, rate_mult) == 8);
static_assert(__builtin_offsetof(VirtualTime, clocks) == 16);

// Fields:
//   magic, layout_version  identify the page; written once before any reader.
//   seq                    seqcount: odd while the writer is mid-update.
//   coarse[2]              the clocks at the last tick (see CoarseClock).
//   tick_ns                the tick period: the coarse clocks' resolution.
//   update_count           number of publications since the page was made.
//   clock_mode             ClockMode: may the image read the counter.
//   counter_shift          the shift of every fine base and mult.
//   cycle_last             the counter at the last update.
//   getcpu_mode            GetcpuMode.
//   timezone               what gettimeofday fills into a non-null tz.
//   fine[12]               per clock id: its base at cycle_last.
//   system                 the system's configuration.
//   virtual_time           the virtual-time transform (its REALTIME family
//                          changes when the tree sets the time).
// Everything after magic and layout_version is written under the seqcount.
struct alignas(kPageSize) DataPage {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t seq;
  Timespec coarse[kCoarseClockCount];
  uint64_t tick_ns;
  uint64_t update_count;
  uint32_t clock_mode;
  uint32_t counter_shift;
  uint64_t cycle_last;
  uint32_t getcpu_mode;
  Timezone timezone;
  uint32_t reserved0;
  FineBase fine[kFineClockSlots];
  SystemInfo system;
  VirtualTime virtual_time;
  uint8_t reserved[kPageSize - 1320];
};

static_assert(sizeof(DataPage) == kPageSize);
static_assert(alignof(DataPage) == kPageSize);
static_assert(__builtin_offsetof(DataPage, magic) == 0);
static_assert(__builtin_offsetof(DataPage, layout_version) == 8);
static_assert(__builtin_offsetof(DataPage, seq) == 12);
static_assert(__builtin_offsetof(DataPage, coarse) == 16);
static_assert(__builtin_offsetof(DataPage, tick_ns) == 48);
static_assert(__builtin_offsetof(DataPage, update_count) == 56);
static_assert(__builtin_offsetof(DataPage, clock_mode) == 64);
static_assert(__builtin_offsetof(DataPage, counter_shift) == 68);
static_assert(__builtin_offsetof(DataPage, cycle_last) == 72);
static_assert(__builtin_offsetof(DataPage, getcpu_mode) == 80);
static_assert(__builtin_offsetof(DataPage, timezone) == 84);
static_assert(__builtin_offsetof(DataPage, fine) == 96);
static_assert(__builtin_offsetof(DataPage, system) == 384);
static_assert(__builtin_offsetof(DataPage, virtual_time) == 824);
static_assert(__builtin_offsetof(DataPage, reserved) == 1320);
// The strings are word-aligned, so readers copy them a word at a time.
static_assert((__builtin_offsetof(DataPage, system) + __builtin_offsetof(SystemInfo, uts)) % 8 ==
              0);

// Per-process page the host may fill before the program starts: where the
// calls the data page does not serve should go. A zero entry means "make
// the system call". A host that keeps the process's own vDSO mapped
// (vdso-run) publishes its functions here, so those calls cost what they
// cost without us. Written once before the program runs, then read-only.
struct alignas(kPageSize) ChainPage {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t reserved0;
  uint64_t clock_gettime;  // int (*)(int, Timespec*)
  uint64_t gettimeofday;   // int (*)(Timeval*, Timezone*)
  uint64_t clock_getres;   // int (*)(int, Timespec*)
  uint64_t getcpu;         // int (*)(unsigned*, unsigned*, void*)
  uint8_t reserved[kPageSize - 48];
};

static_assert(sizeof(ChainPage) == kPageSize);
static_assert(__builtin_offsetof(ChainPage, clock_gettime) == 16);
static_assert(__builtin_offsetof(ChainPage, gettimeofday) == 24);
static_assert(__builtin_offsetof(ChainPage, clock_getres) == 32);
static_assert(__builtin_offsetof(ChainPage, getcpu) == 40);

// True if `page` is a data page of this layout: what every reader checks
// before trusting any other field.
inline bool is_current_layout(const DataPage& page) {
  return __atomic_load_n(&page.magic, __ATOMIC_ACQUIRE) == kDataPageMagic &&
         __atomic_load_n(&page.layout_version, __ATOMIC_RELAXED) == kLayoutVersion;
}

// ---- Shared-field access -------------------------------------------------

template <typename T>
inline T load_relaxed(const T& field) {
  return __atomic_load_n(&field, __ATOMIC_RELAXED);
}
template <typename T>
inline void store_relaxed(T& field, T value) {
  __atomic_store_n(&field, value, __ATOMIC_RELAXED);
}

// Copies of a shared character field (the configuration's strings), each
// access atomic.
inline void store_bytes_relaxed(void* to, const void* from, uint64_t size) {
  auto* d = static_cast<uint8_t*>(to);
  const auto* s = static_cast<const uint8_t*>(from);
  for (uint64_t i = 0; i < size; ++i)
    __atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
}
// A reader copies whole words where the field is word-aligned (the page's
// strings are): an eighth of the loads of a byte loop.
inline void load_bytes_relaxed(void* to, const void* from, uint64_t size) {
  auto* d = static_cast<uint8_t*>(to);
  const auto* s = static_cast<const uint8_t*>(from);
  uint64_t i = 0;
  if (reinterpret_cast<uintptr_t>(s) % 8 == 0) {
    for (; i + 8 <= size; i += 8) {
      const uint64_t word =
          __atomic_load_n(reinterpret_cast<const uint64_t*>(s + i), __ATOMIC_RELAXED);
      __builtin_memcpy(d + i, &word, 8);
    }
  }
  for (; i < size; ++i)
    d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

// ---- Seqcount: one writer, any number of lock-free readers ---------------
//
// Reader:  s = read_begin(page); copy fields; if (read_retry(page, s)) again.
//          (read_begin_once is one attempt, for readers that shape the loop.)
// Writer:  write_begin(page); store fields; write_end(page).
//
// read_begin reloads seq on every iteration: a reader must never spin on a
// value it loaded once (the seed's system hoists that load and can hang).

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

// One attempt to begin a read: false while a write is in progress.
inline bool read_begin_once(const DataPage& page, uint32_t* seq) {
  *seq = __atomic_load_n(&page.seq, __ATOMIC_ACQUIRE);
  return (*seq & 1) == 0;
}

inline uint32_t read_begin(const DataPage& page) {
  uint32_t seq;
  while (!read_begin_once(page, &seq))
    cpu_relax();
  return seq;
}

// True when the fields copied since read_begin may be torn: copy again.
inline bool read_retry(const DataPage& page, uint32_t begin_seq) {
  // Orders the field loads before the re-check of seq.
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  return __atomic_load_n(&page.seq, __ATOMIC_RELAXED) != begin_seq;
}

inline void write_begin(DataPage& page) {
  const uint32_t seq = __atomic_load_n(&page.seq, __ATOMIC_RELAXED);
  __atomic_store_n(&page.seq, seq + 1, __ATOMIC_RELAXED);
  // Orders the odd seq before the field stores that follow.
  __atomic_thread_fence(__ATOMIC_RELEASE);
}

inline void write_end(DataPage& page) {
  const uint32_t seq = __atomic_load_n(&page.seq, __ATOMIC_RELAXED);
  __atomic_store_n(&page.seq, seq + 1, __ATOMIC_RELEASE);
}

// A consistent copy of one coarse clock: the one reader of the clocks, used
// by the image and by the kernel's system call alike. Shaped so that the
// common case (no write in progress) is a straight line with no taken
// branch: the image's coarse path is this function plus the choice of clock.
inline Timespec read_coarse(const DataPage& page, uint32_t index) {
  const Timespec& clock = page.coarse[index];
  for (;;) {
    uint32_t seq;
    if (__builtin_expect(read_begin_once(page, &seq), 1)) {
      const Timespec copy{load_relaxed(clock.sec), load_relaxed(clock.nsec)};
      if (__builtin_expect(!read_retry(page, seq), 1))
        return copy;
    }
    cpu_relax();
  }
}

// ---- The configuration reader ----------------------------------------------

// Runs `copy` (which copies fields of page.system with relaxed loads) until
// it ran under one even, unchanged seq. False, without a copy, when the page
// is not of this layout or the host published no configuration.
template <typename Copy>
inline bool read_system_info(const DataPage& page, Copy copy) {
  if (!is_current_layout(page))
    return false;
  for (;;) {
    uint32_t seq;
    if (read_begin_once(page, &seq)) {
      if (load_relaxed(page.system.present) == 0)
        return false;
      copy(page.system);
      if (!read_retry(page, seq))
        return true;
    }
    cpu_relax();
  }
}

// The tick rate, from the page's tick period (rounded to the nearest Hz).
inline uint64_t tick_hz_of(uint64_t tick_ns) {
  return tick_ns == 0 ? 0 : (static_cast<uint64_t>(kNanosecondsPerSecond) + tick_ns / 2) / tick_ns;
}

// ---- The fine-clock reader --------------------------------------------------

// The TSC, read after every earlier load has completed (lfence; rdtsc, as
// Linux's rdtsc_ordered), so it is not taken before the seqcount's begin.
inline uint64_t rdtsc_ordered() {
  uint32_t low, high;
  asm volatile("lfence; rdtsc" : "=a"(low), "=d"(high));
  return (uint64_t{high} << 32) | low;
}

// Who reads: the image (user space) may use the counter only when the page's
// clock mode says so; a kernel reads its own counter whatever user space is
// allowed (a boot option may turn user-space fine clocks off).
enum class CounterAccess { kUser, kKernel };

// The one fine-clock reader, used by the image and by a kernel's system
// call alike, so that the two can never disagree. `clock_id` must satisfy
// page_serves_fine(). Returns false, leaving *out alone, when `access` is
// kUser and the page's clock mode is not kTsc: the caller takes the
// fallback. `read_counter` is rdtsc_ordered in the image and in a kernel;
// tests hand a synthetic counter to the timekeeper.
//
// The clamp (cycles below cycle_last count as cycle_last) keeps a reader
// whose counter lags the writer's from going back past the base; the writer
// computes each next base with this very arithmetic, so a read just before
// an update never exceeds the update's base.
template <CounterAccess access, typename ReadCounter>
inline bool read_fine(const DataPage& page, int clock_id, Timespec* out, ReadCounter read_counter) {
  const FineBase& base = page.fine[clock_id];
  for (;;) {
    uint32_t seq;
    if (__builtin_expect(read_begin_once(page, &seq), 1)) {
      if (access == CounterAccess::kUser &&
          __builtin_expect(load_relaxed(page.clock_mode) != static_cast<uint32_t>(ClockMode::kTsc),
                           0)) {
        return false;
      }
      const uint64_t cycles = read_counter();
      const uint64_t cycle_last = load_relaxed(page.cycle_last);
      uint64_t snsec = load_relaxed(base.snsec);
      if (__builtin_expect(cycles > cycle_last, 1))
        snsec += (cycles - cycle_last) * load_relaxed(base.mult);
      // Computed before the retry check, as Linux does, so that few values
      // stay live; a torn copy is discarded (the & only keeps the shift
      // defined for one: x86's shift masks it alike, at no cost).
      uint64_t ns = snsec >> (load_relaxed(page.counter_shift) & 63);
      int64_t sec = load_relaxed(base.sec);
      if (__builtin_expect(!read_retry(page, seq), 1)) {
        // Less than two seconds between updates: a loop beats a division.
        while (__builtin_expect(ns >= static_cast<uint64_t>(kNanosecondsPerSecond), 0)) {
          ns -= static_cast<uint64_t>(kNanosecondsPerSecond);
          ++sec;
        }
        out->sec = sec;
        out->nsec = static_cast<int64_t>(ns);
        return true;
      }
    }
    cpu_relax();
  }
}

// ---- The virtual-time transform ---------------------------------------------
//
// The one copy, used by the image (fine clocks from the host), the
// timekeeper (the coarse clocks it publishes) and the supervisor (answered
// system calls, and deadlines through its inverse).

inline constexpr uint64_t kVirtualRateOne = uint64_t{1} << kVirtualRateShift;

// sec + nsec, with -10^9 < nsec < 2 * 10^9, as a timespec (0 <= nsec < 10^9).
constexpr Timespec normalised(int64_t sec, int64_t nsec) {
  if (nsec < 0) {
    nsec += kNanosecondsPerSecond;
    --sec;
  } else if (nsec >= kNanosecondsPerSecond) {
    nsec -= kNanosecondsPerSecond;
    ++sec;
  }
  return {sec, nsec};
}

// A clock whose host reading `host_base_ns` is `virtual_base` in virtual
// time, with its offset.
constexpr VirtualClock make_virtual_clock(int64_t host_base_ns, Timespec virtual_base) {
  return {host_base_ns, virtual_base,
          normalised(virtual_base.sec - host_base_ns / kNanosecondsPerSecond,
                     virtual_base.nsec - host_base_ns % kNanosecondsPerSecond)};
}

inline bool virtual_time_on(const DataPage& page) {
  return load_relaxed(page.virtual_time.mode) == static_cast<uint32_t>(VirtualTimeMode::kOn);
}

// Host time -> virtual time for a clock that virtual_time_moves(). The
// elapsed host time is scaled with floor rounding, so the transform is
// monotonic: a later host reading never gives an earlier virtual one.
inline Timespec to_virtual(const VirtualTime& vt, int clock_id, const Timespec& host) {
  const VirtualClock& clock = vt.clocks[clock_id];
  const uint64_t mult = load_relaxed(vt.rate_mult);
  if (__builtin_expect(mult == kVirtualRateOne, 1)) {
    // The same value as below (scaling by 2^shift >> shift is exact).
    int64_t sec = host.sec + load_relaxed(clock.offset.sec);
    int64_t nsec = host.nsec + load_relaxed(clock.offset.nsec);
    if (nsec >= kNanosecondsPerSecond) {
      nsec -= kNanosecondsPerSecond;
      ++sec;
    }
    return {sec, nsec};
  }
  const int64_t elapsed =
      host.sec * kNanosecondsPerSecond + host.nsec - load_relaxed(clock.host_base_ns);
  const auto scaled =
      static_cast<int64_t>((static_cast<__int128>(elapsed) * mult) >> kVirtualRateShift);
  return normalised(load_relaxed(clock.virtual_base.sec) + scaled / kNanosecondsPerSecond,
                    load_relaxed(clock.virtual_base.nsec) + scaled % kNanosecondsPerSecond);
}

// to_virtual() under the seqcount: the REALTIME family's transform changes
// when the tree sets its clock, and a torn copy of it could be a second off.
inline Timespec read_virtual(const DataPage& page, int clock_id, const Timespec& host) {
  for (;;) {
    uint32_t seq;
    if (read_begin_once(page, &seq)) {
      const Timespec virt = to_virtual(page.virtual_time, clock_id, host);
      if (!read_retry(page, seq))
        return virt;
    }
    cpu_relax();
  }
}

// A consistent copy of the whole transform, for a reader that uses it
// several times (the supervisor's deadline translation).
inline VirtualTime read_virtual_time(const DataPage& page) {
  for (;;) {
    uint32_t seq;
    if (read_begin_once(page, &seq)) {
      VirtualTime copy;
      copy.mode = load_relaxed(page.virtual_time.mode);
      copy.reserved = 0;
      copy.rate_mult = load_relaxed(page.virtual_time.rate_mult);
      for (uint32_t id = 0; id < kFineClockSlots; ++id) {
        const VirtualClock& from = page.virtual_time.clocks[id];
        copy.clocks[id] = {
            load_relaxed(from.host_base_ns),
            {load_relaxed(from.virtual_base.sec), load_relaxed(from.virtual_base.nsec)},
            {load_relaxed(from.offset.sec), load_relaxed(from.offset.nsec)}};
      }
      if (!read_retry(page, seq))
        return copy;
    }
    cpu_relax();
  }
}

// Virtual time -> the earliest host time whose to_virtual() is at least
// `virt`: where an absolute deadline on a virtual clock falls on the host's.
// Rounded up, so a translated deadline never expires early. False when no
// host time reaches it (a frozen clock and a deadline after its time);
// *host_ns is then left alone. Saturates at the ends of int64 nanoseconds.
inline bool to_host(const VirtualTime& vt, int clock_id, const Timespec& virt, int64_t* host_ns) {
  const VirtualClock& clock = vt.clocks[clock_id];
  const __int128 ahead = static_cast<__int128>(virt.sec - load_relaxed(clock.virtual_base.sec)) *
                             kNanosecondsPerSecond +
                         (virt.nsec - load_relaxed(clock.virtual_base.nsec));
  const uint64_t mult = load_relaxed(vt.rate_mult);
  const int64_t base = load_relaxed(clock.host_base_ns);
  if (mult == 0) {
    if (ahead > 0)
      return false;
    *host_ns = base;  // already reached: the clock stands at its base
    return true;
  }
  // ceil(ahead * 2^shift / mult), as floor of the negated for negatives.
  const __int128 shifted = ahead * (static_cast<__int128>(1) << kVirtualRateShift);
  __int128 elapsed = shifted / mult;
  if (elapsed * mult < shifted)
    ++elapsed;
  const __int128 host = static_cast<__int128>(base) + elapsed;
  constexpr int64_t kMax = 0x7fff'ffff'ffff'ffff;
  *host_ns = host > kMax ? kMax : host < -kMax ? -kMax : static_cast<int64_t>(host);
  return true;
}

}  // namespace vdso::abi
