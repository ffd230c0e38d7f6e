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

#include <stdint.h>

#include "vdso/abi/linux.h"

namespace vdso::abi {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kDataPageMagic = 0x4547'4150'4f53'4456;   // "VDSOPAGE"
inline constexpr uint64_t kChainPageMagic = 0x4e49'4148'4f53'4456;  // "VDSOHAIN"
// Bump on any change a reader could observe; readers check magic + version.
inline constexpr uint32_t kLayoutVersion = 1;

// Offsets of the two pages relative to the image's ELF header.
inline constexpr int64_t kDataPageOffsetFromImage = -static_cast<int64_t>(kPageSize);
inline constexpr int64_t kChainPageOffsetFromImage = -2 * static_cast<int64_t>(kPageSize);
// Pages that precede the image in a VDSO mapping.
inline constexpr uint64_t kPagesBeforeImage = 2;

// The clocks the page serves, in the order of DataPage::coarse.
enum class CoarseClock : uint32_t { kRealtime = 0, kMonotonic = 1 };
inline constexpr uint32_t kCoarseClockCount = 2;

// Which clock ids the data page answers without a system call. Everything
// else goes to the fallback: the chain target or the system call.
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

// Fields:
//   magic, layout_version  identify the page; written once before any reader.
//   seq                    seqcount: odd while the writer is mid-update.
//   coarse[2]              the clocks at the last tick (see CoarseClock).
//   tick_ns                the tick period: the coarse clocks' resolution.
//   update_count           number of publications since the page was made.
struct alignas(kPageSize) DataPage {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t seq;
  Timespec coarse[kCoarseClockCount];
  uint64_t tick_ns;
  uint64_t update_count;
  uint8_t reserved[kPageSize - 64];
};

static_assert(sizeof(DataPage) == kPageSize);
static_assert(alignof(DataPage) == kPageSize);
static_assert(__builtin_offsetof(DataPage, magic) == 0);
static_assert(__builtin_offsetof(DataPage, layout_version) == 8);
static_assert(__builtin_offsetof(DataPage, seq) == 12);
static_assert(__builtin_offsetof(DataPage, coarse) == 16);
static_assert(__builtin_offsetof(DataPage, tick_ns) == 48);
static_assert(__builtin_offsetof(DataPage, update_count) == 56);
static_assert(__builtin_offsetof(DataPage, reserved) == 64);

// Per-process page the host may fill before the program starts: where the
// clocks the data page does not serve should go. A zero entry means "make the
// system call". A host that keeps the process's own vDSO mapped (vdso-run)
// publishes its functions here, so those clocks cost what they cost without
// us. Written once before the program runs, then read-only.
struct alignas(kPageSize) ChainPage {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t reserved0;
  uint64_t clock_gettime;  // int (*)(int, Timespec*)
  uint64_t gettimeofday;   // int (*)(Timeval*, Timezone*)
  uint64_t clock_getres;   // int (*)(int, Timespec*)
  uint8_t reserved[kPageSize - 40];
};

static_assert(sizeof(ChainPage) == kPageSize);
static_assert(__builtin_offsetof(ChainPage, clock_gettime) == 16);
static_assert(__builtin_offsetof(ChainPage, gettimeofday) == 24);
static_assert(__builtin_offsetof(ChainPage, clock_getres) == 32);

// ---- Shared-field access -------------------------------------------------

template <typename T>
inline T load_relaxed(const T& field) {
  return __atomic_load_n(&field, __ATOMIC_RELAXED);
}
template <typename T>
inline void store_relaxed(T& field, T value) {
  __atomic_store_n(&field, value, __ATOMIC_RELAXED);
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

}  // namespace vdso::abi
