// The local APIC: each CPU's own (one physical address, a private copy per
// CPU). Its timer delivers the tick; its interrupt command register sends
// the inter-processor interrupts that start the other CPUs and wake them.
#pragma once

#include <stdint.h>

namespace kernel::lapic {

// Maps and enables the LAPIC (spurious vector from interrupts.h). Panics
// without one: every x86_64 CPU has it.
void init();
// Enables the running CPU's LAPIC (an application processor's, once init
// has mapped the registers on the boot CPU).
void init_this_cpu();
// The running CPU's APIC id.
uint32_t id();

// Runs the timer as a free countdown from 0xffffffff, masked, so that
// calibration can read current_count() against the PIT.
void start_free_countdown();
uint32_t current_count();

// The tick: a periodic interrupt on `vector` every `counts` timer counts.
void start_periodic(uint8_t vector, uint32_t counts);

void end_of_interrupt();

// Inter-processor interrupts to the CPU whose APIC id is `apic_id`: INIT,
// STARTUP at physical page `page` (its real-mode code runs at page << 12),
// or a fixed interrupt on `vector`. Each waits until the LAPIC has sent it.
void send_init(uint32_t apic_id);
void send_startup(uint32_t apic_id, uint8_t page);
void send_fixed(uint32_t apic_id, uint8_t vector);
// A fixed interrupt to every CPU but this one.
void send_fixed_all_but_self(uint8_t vector);

}  // namespace kernel::lapic
