// kernel_main: the order in which the kernel comes up. Each step needs only
// the ones above it.
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/qemu_exit.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc_aux.h"
#include "arch/x86_64/user_protection.h"
#include "boot/boot_options.h"
#include "boot/multiboot.h"
#include "console/print.h"
#include "console/serial.h"
#include "console/user_console.h"
#include "fs/initramfs.h"
#include "fs/tree.h"
#include "lib/panic.h"
#include "lib/random.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/exec.h"
#include "proc/fault.h"
#include "proc/kernel_lock.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/syscall.h"
#include "tests/ktest.h"
#include "time/clocksource.h"
#include "time/rtc.h"
#include "time/tick.h"
#include "vdso/system_info.h"
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

// init's argv from the boot line: argv[0] is its path, then the words
// after "--", each percent-decoded in place.
proc::ProgramArguments init_arguments(const BootOptions& options) {
  constexpr int kMaxWords = 64;
  static char words[sizeof(options.init_arguments)];
  static const char* argv[kMaxWords + 1];
  // PATH: a userland's directories first, then the root, where the test
  // programs and vdso-kernel-run's PROGRAM live.
  static const char* const envp[] = {"HOME=/", "TERM=linux",
                                     "PATH=/sbin:/usr/sbin:/bin:/usr/bin:/"};
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  int argc = 0;
  argv[argc++] = options.init_path;
  const char* in = options.init_arguments;
  char* out = words;
  while (*in != '\0' && argc < kMaxWords) {
    while (*in == ' ')
      ++in;
    if (*in == '\0')
      break;
    argv[argc++] = out;
    for (; *in != '\0' && *in != ' '; ++in) {
      if (in[0] == '%' && hex(in[1]) >= 0 && hex(in[2]) >= 0) {
        *out++ = static_cast<char>(hex(in[1]) * 16 + hex(in[2]));
        in += 2;
      } else {
        *out++ = *in;
      }
    }
    *out++ = '\0';
  }
  argv[argc] = nullptr;
  return {argv, argc, envp, 3};
}

// User space: the system-call entry, the process table, the scheduler on
// the tick, and the initramfs (the first multiboot module).
void init_user_space(const multiboot::BootInfo& boot_info) {
  // The boot CPU builds user space under the kernel lock and keeps it until
  // its idle loop first sleeps (sched::run_idle).
  kernel_lock::acquire();
  fpu::init();
  user_protection::init();
  random::init();
  syscall::init();
  proc::init();
  proc::install_user_fault_handler();
  proc::set_verbose(boot_options().verbose);
  user_console::init();
  // A 10 ms time slice, as long as the tick allows.
  const uint32_t slice_ticks = boot_options().hz >= 100 ? boot_options().hz / 100 : 1;
  sched::init(slice_ticks);
  if (boot_info.module_count > 0) {
    const multiboot::Module& module = boot_info.modules[0];
    initramfs::init(layout::phys_to_virt<uint8_t>(module.start_phys),
                    module.end_phys - module.start_phys);
  }
  fs::build();
}

// Runs init until it exits (proc::exit_current stops the machine then).
[[noreturn]] void run_init(const multiboot::BootInfo& boot_info) {
  set_exit_on_panic(true);
  if (boot_info.module_count == 0) {
    kprint("VDSO-KERNEL-NO-INIT: no initramfs module (QEMU: -initrd FILE)\n");
    qemu_exit(ExitCode::kFail);
  }
  const proc::ProgramArguments arguments = init_arguments(boot_options());
  if (!proc::start_init(boot_options().init_path, arguments)) {
    kprint("VDSO-KERNEL-NO-INIT: cannot run %s\n", boot_options().init_path);
    qemu_exit(ExitCode::kFail);
  }
  kprint("init: %s (pid 1) started\n", boot_options().init_path);
  sched::run_idle();
}

}  // namespace
}  // namespace kernel

extern "C" [[noreturn]] void kernel_main(uint32_t multiboot_magic, uint64_t multiboot_info_phys) {
  using namespace kernel;
  // TSC readings of the boot stages, converted once the TSC is calibrated.
  const uint64_t tsc_at_entry = cpu::rdtsc_ordered();
  smp::init_boot_cpu();  // GS, GDT and TSS: this_cpu() works from here on
  serial::init();
  kprint("vdso-kernel: booting\n");
  const multiboot::BootInfo& boot_info = multiboot::parse(multiboot_magic, multiboot_info_phys);
  parse_boot_options(boot_info.command_line);
  kprint("cmdline: '%s'\n", boot_info.command_line);

  interrupts::init();
  frames::init(boot_info);
  paging::init();
  heap::init();
  const uint64_t tsc_memory_up = cpu::rdtsc_ordered();

  vdso_pages::init();  // seed steps 1 and 2: data page and code page

  lapic::init();
  lapic::start_free_countdown();
  const clocksource::Calibration calibration = clocksource::calibrate(lapic::current_count);
  const uint64_t tsc_calibrated = cpu::rdtsc_ordered();
  kprint("clock: TSC %lu kHz (invariant: %s), LAPIC timer %lu kHz\n", calibration.tsc_hz / 1000,
         clocksource::tsc_invariant() ? "yes" : "no", calibration.lapic_timer_hz / 1000);
  // FIXME: the kernel itself uses the TSC even where it does not trust it
  // for user space (no frequency changes happen in a VM, and there is no
  // HPET driver yet); user space gets it only where it is trusted.
  // The other CPUs, from the firmware's tables: each checks its TSC
  // against this one's, which decides whether user space may read it.
  const smp::StartResult cpus =
      smp::start_cpus(smp::kMaxCpus, calibration.tsc_hz, boot_options().fake_tsc_warp);
  const clocksource::UserAccess fine_access =
      clocksource::user_access(boot_options().fine_clocks, cpus.tsc_synchronized);
  kprint("clock: user-space fine clocks: %s (%s)\n",
         fine_access.mode == vdso::abi::ClockMode::kUserCounter ? "TSC" : "off, system call",
         fine_access.reason);
  // The boot stages are timed from the kernel's entry: the TSC's origin is
  // the machine's reset only under TCG, and a hypervisor may start it
  // anywhere (one showed 733 s at entry), so the entry's own reading is
  // printed as what it is.
  const auto us_after_entry = [tsc_at_entry](uint64_t tsc) {
    return clocksource::ns_from_tsc(tsc - tsc_at_entry) / 1000;
  };
  kprint("boot: TSC at kernel entry %ld us (counted from its origin: the reset under TCG)\n",
         clocksource::ns_from_tsc(tsc_at_entry) / 1000);
  kprint("boot: memory up %ld us after kernel entry, clocks calibrated at %ld us\n",
         us_after_entry(tsc_memory_up), us_after_entry(tsc_calibrated));
  const int64_t rtc_seconds = rtc::read_epoch_seconds();
  kprint("clock: RTC says %ld s since the epoch\n", rtc_seconds);

  // Seed step 3: from here on every tick updates the data page.
  tick::start(boot_options().hz, calibration.lapic_timer_hz, vdso_pages::data_page(),
              rtc_seconds * 1'000'000'000, fine_access.mode);
  const vdso::abi::GetcpuMode getcpu_mode = tsc_aux::init();
  tick::set_getcpu_mode(getcpu_mode);
  kprint("vdso: getcpu through %s\n", tsc_aux::describe(getcpu_mode));
  system_info::publish();
  cpu::enable_interrupts();
  while (tick::count() == 0)
    cpu::wait_for_interrupt();
  const int64_t first_ns = tick::first_tick_monotonic_ns() - clocksource::ns_from_tsc(tsc_at_entry);
  kprint("tick: first tick %ld.%06ld s after kernel entry\n", first_ns / 1'000'000'000,
         (first_ns / 1000) % 1'000'000);

  init_user_space(boot_info);
  // The other CPUs take this one's set-up and start their ticks.
  smp::release_cpus(tick::lapic_period_counts());
  if (boot_options().test_mode)
    ktest::run(boot_options());
  if (boot_info.module_count > 0)
    run_init(boot_info);
  idle();
}
