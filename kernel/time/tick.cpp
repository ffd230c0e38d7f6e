#include "time/tick.h"

#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "console/print.h"
#include "lib/panic.h"
#include "time/clocksource.h"

namespace kernel::tick {
namespace {

uint32_t tick_hz = 0;
int64_t tick_ns = 0;
int64_t epoch_ns = 0;  // MONOTONIC when the timer started: period 0 began
// Written by the interrupt only, read by anyone (atomics: no torn reads).
uint64_t jiffies = 0;
uint64_t interrupt_count = 0;
int64_t last_interrupt = 0;
int64_t first_tick_ns = 0;

// The timekeeper needs its page at construction, which exists only at run
// time; static storage and placement new, no heap.
alignas(vdso::Timekeeper) unsigned char timekeeper_storage[sizeof(vdso::Timekeeper)];
vdso::Timekeeper* keeper = nullptr;
Listener listener = nullptr;
Listener other_cpu_listener = nullptr;
uint32_t period_counts = 0;

uint64_t read_tsc() {
  return cpu::rdtsc_ordered();
}

void count_this_cpu_tick() {
  smp::PerCpu& self = smp::this_cpu();
  __atomic_store_n(&self.ticks, self.ticks + 1, __ATOMIC_RELAXED);
}

// Another CPU's tick: never the page (one writer), only its own count and
// hook.
void on_other_cpu_tick(interrupts::InterruptFrame& frame) {
  count_this_cpu_tick();
  lapic::end_of_interrupt();
  const Listener hook = __atomic_load_n(&other_cpu_listener, __ATOMIC_ACQUIRE);
  if (hook != nullptr)
    hook(frame);
}

void on_tick(interrupts::InterruptFrame& frame) {
  if (smp::this_cpu_index() != 0) {
    on_other_cpu_tick(frame);
    return;
  }
  count_this_cpu_tick();
  keeper->tick_counter(read_tsc());  // seed step 3: the page, once per tick interrupt
  const int64_t now_ns = monotonic_ns();

  // One period more, or as many as the clock says have passed if
  // interrupts were lost (as Linux's tick_do_update_jiffies64 does).
  const uint64_t elapsed_periods = static_cast<uint64_t>((now_ns - epoch_ns) / tick_ns);
  const uint64_t next = jiffies + 1 > elapsed_periods ? jiffies + 1 : elapsed_periods;
  if (first_tick_ns == 0)
    __atomic_store_n(&first_tick_ns, now_ns, __ATOMIC_RELAXED);
  __atomic_store_n(&last_interrupt, now_ns, __ATOMIC_RELAXED);
  __atomic_store_n(&jiffies, next, __ATOMIC_RELAXED);
  __atomic_store_n(&interrupt_count, interrupt_count + 1, __ATOMIC_RELEASE);
  lapic::end_of_interrupt();
  if (listener != nullptr)
    listener(frame);
}

}  // namespace

void start(uint32_t hz, uint64_t lapic_timer_hz, vdso::abi::DataPage& page, int64_t realtime_ns,
           vdso::abi::ClockMode user_mode) {
  tick_hz = hz;
  tick_ns = 1'000'000'000 / hz;
  const uint64_t tsc_now = read_tsc();
  keeper = new (timekeeper_storage) vdso::Timekeeper(
      page, static_cast<uint64_t>(tick_ns), clocksource::counter_calibration(user_mode), tsc_now,
      clocksource::ns_from_tsc(tsc_now), realtime_ns, read_tsc);
  // Rounded to the nearest count: at 62.5 MHz the period is off by less
  // than 1 in 10^4 for any allowed hz.
  const uint64_t counts = (lapic_timer_hz + hz / 2) / hz;
  if (counts == 0 || counts > 0xffffffff)
    PANIC("no LAPIC period for hz=%u", hz);
  period_counts = static_cast<uint32_t>(counts);
  interrupts::set_handler(interrupts::kTimerVector, on_tick);
  epoch_ns = monotonic_ns();
  lapic::start_periodic(interrupts::kTimerVector, static_cast<uint32_t>(counts));
  kprint("tick: %u Hz (tick_ns=%ld), LAPIC period %lu counts at %lu Hz\n", hz, tick_ns, counts,
         lapic_timer_hz);
}

uint32_t hz() {
  return tick_hz;
}
uint32_t lapic_period_counts() {
  return period_counts;
}
int64_t monotonic_ns() {
  if (keeper == nullptr)
    return clocksource::ns_from_tsc(read_tsc());
  vdso::abi::Timespec now;
  keeper->clock_gettime(vdso::abi::kClockMonotonic, &now);
  return vdso::ns_from_timespec(now);
}
int64_t realtime_ns() {
  if (keeper == nullptr)
    return 0;
  vdso::abi::Timespec now;
  keeper->clock_gettime(vdso::abi::kClockRealtime, &now);
  return vdso::ns_from_timespec(now);
}
uint64_t count() {
  return __atomic_load_n(&jiffies, __ATOMIC_RELAXED);
}
uint64_t interrupts() {
  return __atomic_load_n(&interrupt_count, __ATOMIC_ACQUIRE);
}
int64_t last_interrupt_ns() {
  return __atomic_load_n(&last_interrupt, __ATOMIC_RELAXED);
}
int64_t first_tick_monotonic_ns() {
  return __atomic_load_n(&first_tick_ns, __ATOMIC_RELAXED);
}
int64_t realtime_offset_ns() {
  return keeper->published_realtime_offset_ns();
}
void set_getcpu_mode(vdso::abi::GetcpuMode mode) {
  keeper->set_getcpu_mode(mode);
}
void publish_system_info(const vdso::abi::SystemInfo& info) {
  keeper->publish_system_info(info);
}
const vdso::Timekeeper& timekeeper() {
  return *keeper;
}
void set_listener(Listener l) {
  listener = l;
}
void set_other_cpu_listener(Listener l) {
  __atomic_store_n(&other_cpu_listener, l, __ATOMIC_RELEASE);
}

}  // namespace kernel::tick
