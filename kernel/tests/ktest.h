// In-kernel tests (boot option `test`): each test prints its result on
// serial as one line the host runner parses, and the kernel then leaves
// QEMU through isa-debug-exit with pass or fail.
//
//   KTEST RUN <name>
//   KTEST FAIL <name>: <file>:<line>: <what>      (one per failed check)
//   KTEST PASS <name> | KTEST FAILED <name>
//   KTEST MARK <label> ticks=<n> interrupts=<n> mono_ns=<ns> realtime_ns=<ns>
//                     the runner timestamps MARK lines with the host's
//                     clocks to check the tick rate and clocks against them
//   KTEST SUMMARY passed=<n> failed=<n>
#pragma once

#include "boot/boot_options.h"

namespace kernel::ktest {

class Context {
 public:
  explicit Context(const char* name) : name_(name) {}
  // Records a failed check; the test goes on, so one run shows them all.
  // `check` names what was expected (the source text of a KEXPECT).
  void fail(const char* file, int line, const char* check, const char* fmt, ...)
      __attribute__((format(printf, 5, 6)));
  bool failed() const { return failures_ != 0; }
  const char* name() const { return name_; }

 private:
  const char* name_;
  int failures_ = 0;
};

struct Test {
  const char* name;
  void (*run)(Context& context, const BootOptions& options);
};

// The suites, one per file in kernel/tests/.
extern const Test kMemoryTests[];
extern const int kMemoryTestCount;
extern const Test kTimeTests[];
extern const int kTimeTestCount;
extern const Test kVdsoTests[];
extern const int kVdsoTestCount;
extern const Test kProtectionTests[];
extern const int kProtectionTestCount;
extern const Test kAcpiTests[];
extern const int kAcpiTestCount;
// Booted with several CPUs (test=smp, and test=smp-broken-reader, which
// must fail).
extern const Test kSmpTests[];
extern const int kSmpTestCount;
extern const Test kSmpBrokenReaderTests[];
extern const int kSmpBrokenReaderTestCount;

// Runs the suite (or options.test_scenario) and leaves QEMU.
[[noreturn]] void run(const BootOptions& options);

// Prints a MARK line for the host runner.
void mark(const char* label);

}  // namespace kernel::ktest

#define KEXPECT(ctx, cond, ...)                           \
  do {                                                    \
    if (!(cond))                                          \
      (ctx).fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
  } while (0)
