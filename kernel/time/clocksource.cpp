#include "time/clocksource.h"

#include "arch/x86_64/cpu.h"
#include "console/print.h"
#include "lib/panic.h"
#include "time/pit.h"

namespace kernel::clocksource {
namespace {

// Five 4 ms windows, the median kept: 20 ms of the boot. One PIT tick of
// error per window is 210 ppm, far inside what the tick and clock tests
// allow (5%). Short windows lose nothing to the host's scheduling: under
// QEMU the PIT, the TSC and the LAPIC timer all follow the host's clock,
// so a window the vCPU spends descheduled still measures the right ratio.
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

}  // namespace

// One reading of all three counters. The PIT read (three port accesses) is
// bracketed by TSC reads and timed at their midpoint, so the cost of the
// I/O does not bias the result; the LAPIC read is a single MMIO load.
struct Sample {
  uint64_t tsc;
  uint16_t pit;
  uint32_t lapic;
};

Sample take_sample(uint32_t (*lapic_count)()) {
  const uint64_t before = cpu::rdtsc_ordered();
  const uint16_t pit_count = pit::read_count();
  const uint32_t lapic = lapic_count();
  const uint64_t after = cpu::rdtsc_ordered();
  return {before + (after - before) / 2, pit_count, lapic};
}

Calibration calibrate(uint32_t (*lapic_count)()) {
  uint64_t tsc_rates[kWindows], lapic_rates[kWindows];
  for (int w = 0; w < kWindows; ++w) {
    pit::start_free_countdown();
    const Sample begin = take_sample(lapic_count);
    Sample end = begin;
    // Bounded: a machine without a PIT (some microVMs) must not hang here.
    for (uint32_t reads = 0; static_cast<uint16_t>(begin.pit - end.pit) < kWindowPitTicks;
         ++reads) {
      if (reads == kMaxReadsPerWindow)
        PANIC("the PIT is not counting: no reference to calibrate");
      end = take_sample(lapic_count);
    }
    const uint64_t pit_ticks = static_cast<uint16_t>(begin.pit - end.pit);
    tsc_rates[w] = (end.tsc - begin.tsc) * pit::kFrequencyHz / pit_ticks;
    lapic_rates[w] = static_cast<uint64_t>(begin.lapic - end.lapic) * pit::kFrequencyHz / pit_ticks;
  }
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

uint64_t tsc_hz() {
  return frequency_hz;
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

UserAccess user_access(bool allowed_by_boot_option) {
  using vdso::abi::ClockMode;
  if (!allowed_by_boot_option)
    return {ClockMode::kNone, "the boot option fineclocks=off"};
  if (tsc_invariant())
    return {ClockMode::kTsc, "the TSC is invariant"};
  if (tcg_guest())
    return {ClockMode::kTsc, "a TCG guest: QEMU derives the TSC from the host's clock"};
  return {ClockMode::kNone, "the TSC is not invariant and this is no TCG guest"};
}

}  // namespace kernel::clocksource
