// The clock tick: a LAPIC timer interrupt every 1/hz seconds on every CPU.
// The boot CPU's drives the one Timekeeper (the shared timekeeper/ code)
// that writes the VDSO data page, as Linux's tick_do_timer_cpu; every other
// CPU's tick only counts itself and calls its own hook. The kernel's own
// clock_gettime reads the same page through the same timekeeper.
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupts.h"
#include "timekeeper.h"
#include "vdso/abi/data_page.h"

namespace kernel::tick {

// Builds the timekeeper on `page` as a counter host on the TSC, with the
// clock source's calibration (REALTIME = `realtime_ns` now; user space may
// read the TSC as `user_mode` says) and starts the timer; `lapic_timer_hz`
// is the calibrated timer frequency.
void start(uint32_t hz, uint64_t lapic_timer_hz, vdso::abi::DataPage& page, int64_t realtime_ns,
           vdso::abi::ClockMode user_mode);

uint32_t hz();
// The LAPIC timer's period in counts (every CPU's timer runs at it).
uint32_t lapic_period_counts();

// The kernel's MONOTONIC and REALTIME: the timekeeper's fine clocks, read
// from the data page with the image's reader, so every kernel deadline and
// system call uses the very clocks user space reads. Before start(), the
// clock source's conversion (MONOTONIC; REALTIME is then unknown: 0).
int64_t monotonic_ns();
int64_t realtime_ns();
// REALTIME - MONOTONIC, from one publication of the page (the coarse pair):
// a REALTIME deadline less this is a MONOTONIC one; at boot it is the boot
// time (MONOTONIC counts from the machine's reset).
int64_t realtime_offset_ns();

// The page's other contents, through its one writer.
void set_getcpu_mode(vdso::abi::GetcpuMode mode);
void publish_system_info(const vdso::abi::SystemInfo& info);

// Ticks since start: one per tick period, like Linux's jiffies. A period
// whose interrupt never came (an emulator or hypervisor that was not
// scheduled in time merges two timer interrupts into one) is counted by the
// next interrupt, from the clock source, so the count keeps time.
uint64_t count();
// Tick interrupts handled: each one publishes the data page once.
uint64_t interrupts();
// MONOTONIC when the last tick interrupt ran.
int64_t last_interrupt_ns();
// MONOTONIC at the first tick: the time from machine reset to the first
// tick. Zero until then.
int64_t first_tick_monotonic_ns();
const vdso::Timekeeper& timekeeper();

// Called at the end of every tick interrupt on the boot CPU, after the page
// is published and the interrupt acknowledged: the scheduler's hook (it may
// switch to another process before returning).
using Listener = void (*)(interrupts::InterruptFrame& frame);
void set_listener(Listener listener);
// The same on every other CPU's tick (after it is counted in its
// smp::PerCpu::ticks and acknowledged). None until the scheduler runs on
// several CPUs.
void set_other_cpu_listener(Listener listener);

}  // namespace kernel::tick
