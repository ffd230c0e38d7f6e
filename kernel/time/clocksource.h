// The precise clock: the TSC, calibrated against the PIT at boot and
// converted to nanoseconds with a fixed-point multiplier and shift (no
// division on the read path): the calibration the timekeeper publishes in
// the data page, so user space converts the TSC exactly as the kernel does.
// MONOTONIC is nanoseconds since the TSC read zero (machine reset), so the
// first tick's reading is the boot time.
#pragma once

#include <stdint.h>

#include "timekeeper.h"

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
// ns = (tsc * mult) >> shift, with the boot's calibration. Only for the
// boot stages before the tick starts and for durations: once it runs, the
// kernel's MONOTONIC is the timekeeper's (tick::monotonic_ns).
int64_t ns_from_tsc(uint64_t tsc);

// Whether user space may read the TSC for the fine clocks: only where the
// kernel trusts it itself (an invariant TSC, or a TCG guest, where QEMU
// derives the TSC from the host's clock), where every CPU's TSC agrees
// with the boot CPU's (smp::start_cpus checked it), and not when the boot
// option fineclocks=off says no. `reason` is the log's explanation.
struct UserAccess {
  vdso::abi::ClockMode mode;
  const char* reason;
};
UserAccess user_access(bool allowed_by_boot_option, bool synchronized_across_cpus);

// The timekeeper's calibration: the mult/shift above and `user_mode`.
vdso::CounterCalibration counter_calibration(vdso::abi::ClockMode user_mode);

// True under QEMU's TCG: the hypervisor CPUID leaf 0x40000000 says
// "TCGTCGTCGTCG" (QEMU's tcg-cpuid, on for every CPU model).
bool tcg_guest();

}  // namespace kernel::clocksource
