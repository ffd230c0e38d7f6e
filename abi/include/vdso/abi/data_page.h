// The VDSO data page: the one ABI shared by its only writer (the kernel's
// timekeeper) and every reader (the vdso.so image, the kernel's own
// clock_gettime, tests). Nothing else declares this layout: here are the
// page's structs, their asserted offsets and the predicates that say which
// clocks it serves. Beside it, as Linux's include/vdso + lib/vdso:
//   shared_field.h  atomic access to a shared field
//   seqcount.h      the seqcount protocol, as named helpers
//   readers.h       the readers of the clocks and the configuration
//   virtual_time.h  the virtual-time transform
//   time.h          timespec arithmetic
// and the architecture's part under vdso/arch/ (the counter, the fallback
// system call, getcpu).
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

#include <stdint.h>

#include "vdso/abi/linux.h"
#include "vdso/abi/shared_field.h"

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

// Which clock ids the data page serves as coarse clocks: at one tick's
// precision, with no counter. Everything else goes to the fine path or the
// fallback.
constexpr bool page_serves_coarse(int clock_id) {
  return clock_id == kClockRealtimeCoarse || clock_id == kClockMonotonicCoarse;
}
// Index into DataPage::coarse for an id that page_serves_coarse().
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

// Whether user space may read the counter the fine bases are in (which
// counter is the architecture's: vdso/arch/counter.h). kNone: the image
// takes the fallback for every fine clock. kUserCounter carries the layout
// version in its upper half, so the one comparison the fine path makes also
// checks that the page is of this layout (a zeroed page, or one of another
// version, serves no fine clock) without costing the path an instruction.
enum class ClockMode : uint32_t { kNone = 0, kUserCounter = (kLayoutVersion << 16) | 1 };
static_assert(static_cast<uint32_t>(ClockMode::kNone) == 0, "a zeroed page serves no fine clock");
static_assert(static_cast<uint32_t>(ClockMode::kUserCounter) >> 16 == kLayoutVersion);

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

// Fills a field of a host's Utsname (before publish_system_info) with
// `text`, cut to fit its terminator and zero-padded.
inline void set_utsname_field(char (&field)[kUtsnameFieldSize], const char* text) {
  uint32_t i = 0;
  for (; text[i] != '\0' && i + 1 < kUtsnameFieldSize; ++i)
    field[i] = text[i];
  for (; i < kUtsnameFieldSize; ++i)
    field[i] = '\0';
}

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
// read_virtual_time() (virtual_time.h); the mode and the rate never change
// once on, and a reader may test virtual_time_on() outside the seqcount.
// The coarse clocks in the page are
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
//   getcpu_mode            the architecture's GetcpuMode (vdso/arch/getcpu.h).
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

}  // namespace vdso::abi
