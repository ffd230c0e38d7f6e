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

uint64_t frequency_hz = 0;
// ns = (tsc * mult) >> 32; mult < 2^32 * 1e9 / tsc_hz fits for any TSC
// above 1 GHz / 4.3 (it is checked).
uint64_t ns_mult = 0;

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
  ns_mult = (kNsPerSecond << 32) / frequency_hz;
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
  return static_cast<int64_t>((static_cast<unsigned __int128>(tsc) * ns_mult) >> 32);
}

int64_t monotonic_ns() {
  return ns_from_tsc(cpu::rdtsc_ordered());
}

}  // namespace kernel::clocksource
