// kernel_main: the order in which the kernel comes up. Each step needs only
// the ones above it.
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/lapic.h"
#include "boot/boot_options.h"
#include "boot/multiboot.h"
#include "console/print.h"
#include "console/serial.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/paging.h"
#include "tests/ktest.h"
#include "time/clocksource.h"
#include "time/rtc.h"
#include "time/tick.h"
#include "vdso/vdso_pages.h"

namespace kernel {
namespace {

// Hand-run mode: show the clocks the page publishes, every few seconds.
[[noreturn]] void idle() {
  constexpr int kReportSeconds = 5;
  uint64_t next_report = static_cast<uint64_t>(tick::hz()) * kReportSeconds;
  for (;;) {
    cpu::wait_for_interrupt();
    if (tick::count() < next_report)
      continue;
    next_report += static_cast<uint64_t>(tick::hz()) * kReportSeconds;
    vdso::abi::Timespec realtime, monotonic;
    tick::timekeeper().clock_gettime(vdso::abi::kClockRealtimeCoarse, &realtime);
    tick::timekeeper().clock_gettime(vdso::abi::kClockMonotonicCoarse, &monotonic);
    const auto& page = vdso_pages::data_page();
    kprint(
        "ticks=%lu page: seq=%u updates=%lu MONOTONIC_COARSE=%ld.%09ld REALTIME_COARSE=%ld.%09ld\n",
        tick::count(), vdso::abi::load_relaxed(page.seq),
        vdso::abi::load_relaxed(page.update_count), monotonic.sec, monotonic.nsec, realtime.sec,
        realtime.nsec);
  }
}

}  // namespace
}  // namespace kernel

extern "C" [[noreturn]] void kernel_main(uint32_t multiboot_magic, uint64_t multiboot_info_phys) {
  using namespace kernel;
  // TSC readings of the boot stages, converted once the TSC is calibrated.
  const uint64_t tsc_at_entry = cpu::rdtsc_ordered();
  serial::init();
  kprint("vdso-kernel: booting\n");
  const multiboot::BootInfo& boot_info = multiboot::parse(multiboot_magic, multiboot_info_phys);
  parse_boot_options(boot_info.command_line);
  kprint("cmdline: '%s'\n", boot_info.command_line);

  gdt::init();
  interrupts::init();
  frames::init(boot_info);
  paging::init();
  heap::init();
  const uint64_t tsc_memory_up = cpu::rdtsc_ordered();

  vdso_pages::init();  // seed steps 1 and 2: data page and code page

  lapic::init();
  lapic::start_free_countdown();
  const clocksource::Calibration calibration = clocksource::calibrate(lapic::current_count);
  kprint("clock: TSC %lu kHz (invariant: %s), LAPIC timer %lu kHz\n", calibration.tsc_hz / 1000,
         clocksource::tsc_invariant() ? "yes" : "no", calibration.lapic_timer_hz / 1000);
  // FIXME: without an invariant TSC (TCG's default CPU model) we still use
  // it: no frequency changes happen in a VM, and there is no HPET driver yet.
  const auto us_since_reset = [](uint64_t tsc) { return clocksource::ns_from_tsc(tsc) / 1000; };
  kprint(
      "boot: kernel entered %ld us after reset, memory up at %ld us, clocks calibrated at %ld us\n",
      us_since_reset(tsc_at_entry), us_since_reset(tsc_memory_up),
      us_since_reset(cpu::rdtsc_ordered()));
  const int64_t rtc_seconds = rtc::read_epoch_seconds();
  kprint("clock: RTC says %ld s since the epoch\n", rtc_seconds);

  // Seed step 3: from here on every tick updates the data page.
  tick::start(boot_options().hz, calibration.lapic_timer_hz, vdso_pages::data_page(),
              rtc_seconds * 1'000'000'000);
  cpu::enable_interrupts();
  while (tick::count() == 0)
    cpu::wait_for_interrupt();
  const int64_t first_ns = tick::first_tick_monotonic_ns();
  kprint("tick: first tick %ld.%06ld s after machine reset\n", first_ns / 1'000'000'000,
         (first_ns / 1000) % 1'000'000);

  if (boot_options().test_mode)
    ktest::run(boot_options());
  idle();
}
