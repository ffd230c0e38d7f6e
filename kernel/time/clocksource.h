// The precise clock: the TSC, calibrated against the PIT at boot and
// converted to nanoseconds with a fixed-point multiplier (no division on
// the read path). MONOTONIC is nanoseconds since the TSC read zero (machine
// reset), so the first tick's reading is the boot time.
#pragma once

#include <stdint.h>

namespace kernel::clocksource {

// What calibration measured over the same PIT windows.
struct Calibration {
  uint64_t tsc_hz;
  uint64_t lapic_timer_hz;  // LAPIC timer counts per second (after its divider)
};

// Measures both frequencies over a few PIT windows (median), and starts the
// clock. `lapic_count` reads the LAPIC timer's current count, which must be
// counting down from a large initial value during the call.
Calibration calibrate(uint32_t (*lapic_count)());

bool tsc_invariant();
uint64_t tsc_hz();
int64_t monotonic_ns();
int64_t ns_from_tsc(uint64_t tsc);

}  // namespace kernel::clocksource
