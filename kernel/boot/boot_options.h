// Options from the kernel command line (QEMU: -append "..."):
//
//   hz=N          tick rate, 10..10000 (default 1000: 1 ms coarse resolution)
//   test          run the in-kernel test suite, report on serial, and leave
//                 QEMU through isa-debug-exit with pass/fail
//   test=NAME     run one named scenario instead (kernel/tests/scenarios.cpp):
//                 the deliberate faults and the hang the runner must catch
//   test.seconds=N  length of the timing window of the tick tests (default 3)
//   init=PATH     the first process, from the initramfs (default /init)
//   verbose       a line per process exit with its system-call counts
//   fineclocks=off  user space may not read the TSC: the VDSO's fine clocks
//                 (REALTIME, MONOTONIC, ..., gettimeofday) take the fallback
//                 system call, so that path stays tested (default on: the
//                 TSC where the kernel trusts it, see time/clocksource.h)
//   tscwarp=1     the TSC check between CPUs (arch/x86_64/smp.h) sees the
//                 other CPUs' TSCs 1 ms behind, as if unsynchronised: proves
//                 that the check fails and the page then says clock mode
//                 "none" (tests only)
//   -- ARGS...    the rest of the line: init's argv[1..], each word
//                 percent-decoded (%20 is a space), so any byte can pass
#pragma once

#include <stdint.h>

namespace kernel {

struct BootOptions {
  static constexpr uint32_t kDefaultHz = 1000;
  static constexpr uint32_t kMinHz = 10;
  static constexpr uint32_t kMaxHz = 10000;

  uint32_t hz = kDefaultHz;
  bool test_mode = false;
  char test_scenario[32] = "";  // empty: the whole suite
  uint32_t test_seconds = 3;
  char init_path[128] = "/init";
  bool verbose = false;
  bool fine_clocks = true;
  bool fake_tsc_warp = false;
  char init_arguments[1024] = "";  // after "--", still encoded
};

// Parses `command_line`; unknown words are logged and ignored.
void parse_boot_options(const char* command_line);
const BootOptions& boot_options();

}  // namespace kernel
