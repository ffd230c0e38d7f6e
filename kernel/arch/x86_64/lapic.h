// The local APIC of the boot CPU: its timer delivers the tick.
#pragma once

#include <stdint.h>

namespace kernel::lapic {

// Maps and enables the LAPIC (spurious vector from interrupts.h). Panics
// without one: every x86_64 CPU has it.
void init();

// Runs the timer as a free countdown from 0xffffffff, masked, so that
// calibration can read current_count() against the PIT.
void start_free_countdown();
uint32_t current_count();

// The tick: a periodic interrupt on `vector` every `counts` timer counts.
void start_periodic(uint8_t vector, uint32_t counts);

void end_of_interrupt();

}  // namespace kernel::lapic
