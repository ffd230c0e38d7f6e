// The 8254 PIT, used only as a reference of known frequency to calibrate
// the TSC and the LAPIC timer against. Channel 2 (the speaker channel)
// counts down freely; we read its count directly (latch command), so no
// interrupt and no edge detection is involved.
#pragma once

#include <stdint.h>

namespace kernel::pit {

inline constexpr uint64_t kFrequencyHz = 1'193'182;

// Starts channel 2 counting down from 0xffff (55 ms to wrap).
void start_free_countdown();
// The current count of channel 2.
uint16_t read_count();

}  // namespace kernel::pit
