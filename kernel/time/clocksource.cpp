#include "time/clocksource.h"

#include "arch/x86_64/cpu.h"
#include "console/print.h"
#include "lib/panic.h"
#include "time/pit.h"

namespace kernel::clocksource {
namespace {

// Five 4 ms windows, the median kept: 20 ms of the boot. One PIT tick of
// error per window is 210 ppm, far inside what the tick and clock tests
// allow (5%). Under QEMU the PIT, the TSC and the LAPIC timer all follow
// the host's clock, so a vCPU descheduled between two samples still
// measures the right ratio; one descheduled inside a sample (between its
// TSC reads) does not, which is why wide samples are retaken (take_sample).
constexpr int kWindows = 5;
constexpr uint16_t kWindowPitTicks = 4'773;  // 4 ms
// Far more reads than 4 ms allow even when each is a slow emulated I/O.
constexpr uint32_t kMaxReadsPerWindow = 10'000'000;
constexpr uint64_t kNsPerSecond = 1'000'000'000;

// The longest TSC interval a reader must convert without overflowing 64
// bits, as Linux's clocks_calc_mult_shift(maxsec): the fine path multiplies
// (cycles - cycle_last) by mult, and ticks can be lost for a while under an
// emulator on a loaded host.
constexpr uint64_t kMaxConversionSeconds = 600;

uint64_t frequency_hz = 0;
// ns = (tsc * mult) >> shift.
uint32_t ns_mult = 0;
uint32_t ns_shift = 0;

// The largest shift (finest mult) with which kMaxConversionSeconds of
// cycles, times a mult slewed by the timekeeper's most, fits in 63 bits,
// and the mult fits in 32.
void choose_mult_shift(uint64_t hz) {
  for (uint32_t shift = 32; shift > 0; --shift) {
    // 10^9 << 32 still fits in 64 bits: no 128-bit division (the kernel has
    // no libgcc).
    const uint64_t mult = ((kNsPerSecond << shift) + hz / 2) / hz;
    const uint64_t fastest = mult + mult / 1000 + 1;
    const unsigned __int128 product =
        static_cast<unsigned __int128>(fastest) * hz * kMaxConversionSeconds;
    if (fastest <= 0xffffffffu && product < (static_cast<unsigned __int128>(1) << 63)) {
      ns_mult = static_cast<uint32_t>(mult);
      ns_shift = shift;
      return;
    }
  }
  PANIC("no mult/shift converts a %lu Hz TSC", hz);
}

uint64_t median(uint64_t (&v)[kWindows]) {
  for (int i = 0; i < kWindows; ++i) {
    for (int j = i + 1; j < kWindows; ++j) {
      if (v[j] < v[i]) {
        const uint64_t t = v[i];
        v[i] = v[j];
        v[j] = t;
      }
    }
  }
  return v[kWindows / 2];
}

// One reading of all three counters. The PIT read (three port accesses) is
// bracketed by TSC reads and timed at their midpoint, so the cost of the
// I/O does not bias the result; the LAPIC read is a single MMIO load.
struct Sample {
  uint64_t tsc;
  uint16_t pit;
  uint32_t lapic;
};

struct TimedSample {
  Sample sample;
  uint64_t before, after;  // the TSC reads around the PIT and LAPIC reads
  uint64_t width() const { return after - before; }
};

TimedSample take_timed_sample(uint32_t (*lapic_count)()) {
  const uint64_t before = cpu::rdtsc_ordered();
  const uint16_t pit_count = pit::read_count();
  const uint32_t lapic = lapic_count();
  const uint64_t after = cpu::rdtsc_ordered();
  return {{before + (after - before) / 2, pit_count, lapic}, before, after};
}

// On a loaded host the vCPU can be descheduled in the middle of a window,
// and two things then go wrong:
//   - inside a sample (between its TSC reads), its midpoint is off by half
//     the pause: only samples no wider than a few times the narrowest seen
//     (learned from warm-up samples, kept updated) may end a window;
//   - for 55 ms or more, the 16-bit PIT count wraps and the window's PIT
//     ticks are short by a multiple of 65536 (seen: the TSC calibrated at
//     3-9x its rate with both cores busy at a higher priority than QEMU).
//     Such a pause is most of the window's TSC time, where the ordinary
//     hiccups of an emulator (~0.1 ms) are a small part of 4 ms: a window
//     with one pause over half its TSC time is measured again.
constexpr uint64_t kWidestSampleFactor = 4;
constexpr int kWarmUpSamples = 16;
constexpr int kMaxWindowAttempts = 50;
constexpr int kMaxBeginRetakes = 1000;
uint64_t narrowest_width = ~0ull;

bool narrow(const TimedSample& t) {
  if (t.width() < narrowest_width)
    narrowest_width = t.width();
  return t.width() <= kWidestSampleFactor * narrowest_width;
}

struct WindowRates {
  uint64_t tsc_hz;
  uint64_t lapic_hz;
};

// One window of kWindowPitTicks; false when the vCPU was away too long in
// it (the rates are then still filled, from what was measured).
bool measure_window(uint32_t (*lapic_count)(), WindowRates& rates) {
  pit::start_free_countdown();
  TimedSample begin = take_timed_sample(lapic_count);
  for (int retakes = 0; !narrow(begin) && retakes < kMaxBeginRetakes; ++retakes)
    begin = take_timed_sample(lapic_count);
  Sample end = begin.sample;
  uint64_t end_after = begin.after;
  uint64_t previous_after = begin.after;
  uint64_t longest_pause = 0;
  // Bounded: a machine without a PIT (some microVMs) must not hang here.
  for (uint32_t reads = 0; static_cast<uint16_t>(begin.sample.pit - end.pit) < kWindowPitTicks;
       ++reads) {
    if (reads == kMaxReadsPerWindow)
      PANIC("the PIT is not counting: no reference to calibrate");
    const TimedSample t = take_timed_sample(lapic_count);
    // From the end of one sample to the end of the next: a pause inside a
    // (then wide, skipped) sample counts too.
    if (t.after - previous_after > longest_pause)
      longest_pause = t.after - previous_after;
    previous_after = t.after;
    if (narrow(t)) {
      end = t.sample;
      end_after = t.after;
    }
  }
  const uint64_t pit_ticks = static_cast<uint16_t>(begin.sample.pit - end.pit);
  rates.tsc_hz = (end.tsc - begin.sample.tsc) * pit::kFrequencyHz / pit_ticks;
  rates.lapic_hz =
      static_cast<uint64_t>(begin.sample.lapic - end.lapic) * pit::kFrequencyHz / pit_ticks;
  return 2 * longest_pause <= end_after - begin.before;
}

}  // namespace

Calibration calibrate(uint32_t (*lapic_count)()) {
  for (int i = 0; i < kWarmUpSamples; ++i)
    narrow(take_timed_sample(lapic_count));
  uint64_t tsc_rates[kWindows], lapic_rates[kWindows];
  int disturbed = 0;
  for (int w = 0; w < kWindows; ++w) {
    WindowRates rates;
    // A host that never lets a window through undisturbed gets the last
    // attempt: the median of five still rejects a minority of bad ones.
    for (int attempt = 1; !measure_window(lapic_count, rates) && attempt < kMaxWindowAttempts;
         ++attempt) {
      ++disturbed;
    }
    tsc_rates[w] = rates.tsc_hz;
    lapic_rates[w] = rates.lapic_hz;
  }
  if (disturbed != 0)
    kprint("clock: %d calibration windows measured again (the vCPU was away)\n", disturbed);
  frequency_hz = median(tsc_rates);
  if (frequency_hz < kNsPerSecond / 4)
    PANIC("TSC calibrated at %lu Hz: too slow", frequency_hz);
  choose_mult_shift(frequency_hz);
  return {frequency_hz, median(lapic_rates)};
}

bool tsc_invariant() {
  if (cpu::cpuid(0x80000000).eax < 0x80000007)
    return false;
  return (cpu::cpuid(0x80000007).edx >> 8) & 1;
}

int64_t ns_from_tsc(uint64_t tsc) {
  return static_cast<int64_t>((static_cast<unsigned __int128>(tsc) * ns_mult) >> ns_shift);
}

vdso::CounterCalibration counter_calibration(vdso::abi::ClockMode user_mode) {
  return {ns_mult, ns_shift, user_mode};
}

bool tcg_guest() {
  constexpr uint32_t kHypervisorPresent = 1u << 31;  // CPUID.1:ECX
  if ((cpu::cpuid(1).ecx & kHypervisorPresent) == 0)
    return false;
  const cpu::CpuidResult leaf = cpu::cpuid(0x4000'0000);
  // "TCGTCGTCGTCG" in ebx, ecx, edx, little-endian.
  return leaf.ebx == 0x5447'4354 && leaf.ecx == 0x4354'4743 && leaf.edx == 0x4743'5447;
}

UserAccess user_access(bool allowed_by_boot_option, bool synchronized_across_cpus) {
  using vdso::abi::ClockMode;
  if (!allowed_by_boot_option)
    return {ClockMode::kNone, "the boot option fineclocks=off"};
  // A thread that moves between CPUs would see its clock go backwards.
  if (!synchronized_across_cpus)
    return {ClockMode::kNone, "the CPUs' TSCs disagree"};
  if (tsc_invariant())
    return {ClockMode::kUserCounter, "the TSC is invariant"};
  if (tcg_guest())
    return {ClockMode::kUserCounter, "a TCG guest: QEMU derives the TSC from the host's clock"};
  return {ClockMode::kNone, "the TSC is not invariant and this is no TCG guest"};
}

}  // namespace kernel::clocksource
