#include "tests/ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/qemu_exit.h"
#include "arch/x86_64/user_access.h"
#include "console/print.h"
#include "lib/panic.h"
#include "mm/heap.h"
#include "mm/paging.h"
#include "proc/process.h"
#include "time/clocksource.h"
#include "time/tick.h"
#include "vdso/image/embedded_image.h"
#include "vdso/vdso_pages.h"

extern "C" void* memcpy(void*, const void*, size_t);

namespace kernel::ktest {
namespace {

bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// ---- Scenarios: things that must end in a panic report (or a hang the
// runner must catch), one per boot.

[[gnu::noinline]] void null_dereference() {
  volatile uint64_t* null = nullptr;
  kprint("scenario: reading address 0\n");
  (void)*null;
}

void write_kernel_text() {
  kprint("scenario: writing into kernel text\n");
  *reinterpret_cast<volatile uint8_t*>(&write_kernel_text) = 0xcc;
}

// The data page through the mapping a process would get: the supervisor
// write faults too (CR0.WP), so no mode can write the page through it.
void write_vdso_data_through_user_mapping() {
  const paging::AddressSpace space = paging::create_address_space();
  const vdso_pages::Mapping mapping = vdso_pages::map_into(space, 0x7fff'0000'0000);
  paging::activate(space);
  kprint("scenario: writing the VDSO data page through its user mapping at 0x%lx\n",
         mapping.data_page);
  *reinterpret_cast<volatile uint64_t*>(mapping.data_page) = 0;
}

// Runs off the end of the boot stack into its guard page: the #PF cannot
// be delivered on that stack, so the CPU raises #DF, whose handler runs on
// its own IST stack and reports.
volatile uint64_t recursion_limit = ~0ull;  // far beyond any stack
[[gnu::noinline]] uint64_t recurse(uint64_t depth) {
  volatile uint8_t frame[512];
  frame[0] = static_cast<uint8_t>(depth);
  if (depth == recursion_limit)
    return frame[0];
  return recurse(depth + 1) + frame[0];
}
void overflow_stack() {
  kprint("scenario: overflowing the kernel stack\n");
  recurse(0);
}

// The boot check on a copy of the image with one byte changed, as if the
// kernel image had been corrupted on disk.
void refuse_corrupted_image() {
  const uint64_t size = vdso_pages::image_size();
  auto* copy = static_cast<uint8_t*>(heap::allocate(size));
  KASSERT(copy != nullptr);
  memcpy(copy, vdso::image::embedded_image(), size);
  copy[0x100] ^= 0xff;
  kprint("scenario: boot check of a corrupted vdso.so\n");
  vdso_pages::require_valid_image(copy, size);
}

// A process whose kernel stack ran past its bottom: the canary the
// scheduler checks at every switch is gone.
void overflow_process_stack() {
  proc::Thread* victim = proc::allocate(0, "victim");
  KASSERT(victim != nullptr);
  kprint("scenario: a process's kernel stack overflowed\n");
  victim->kernel_stack[0] ^= 0xff;
  proc::check_kernel_stack(*victim);
}

void failed_assertion() {
  kprint("scenario: failing a KASSERT\n");
  KASSERT(tick::hz() == 0);
}

[[noreturn]] void hang() {
  kprint("scenario: hanging with interrupts on (the runner must time out)\n");
  for (;;)
    cpu::wait_for_interrupt();
}

// A fault at a user-access instruction whose address is the kernel's (a
// bad kernel buffer, not the user's) is a kernel bug: it must panic, not
// become -EFAULT.
void fault_on_kernel_side_of_user_copy() {
  kprint("scenario: a user-access copy into an unmapped kernel address\n");
  const uint64_t source = 0;
  user_access_copy(reinterpret_cast<void*>(0xffff'9000'0000'0000), &source, sizeof(source));
}

struct Scenario {
  const char* name;
  void (*run)();
};
constexpr Scenario kScenarios[] = {
    {"panic-null-deref", null_dereference},
    {"panic-write-text", write_kernel_text},
    {"panic-user-copy-kernel-side", fault_on_kernel_side_of_user_copy},
    {"panic-write-vdso-data", write_vdso_data_through_user_mapping},
    {"panic-assert", failed_assertion},
    {"panic-stack-overflow", overflow_stack},
    {"panic-corrupt-image", refuse_corrupted_image},
    {"panic-process-stack", overflow_process_stack},
    {"hang", hang},
};

[[noreturn]] void run_scenario(const char* name) {
  for (const Scenario& scenario : kScenarios) {
    if (same(name, scenario.name)) {
      scenario.run();
      kprint("KTEST FAIL scenario %s: returned instead of panicking\n", name);
      qemu_exit(ExitCode::kFail);
    }
  }
  kprint("KTEST FAIL unknown scenario '%s'\n", name);
  qemu_exit(ExitCode::kFail);
}

int run_suite(const Test* tests, int count, const BootOptions& options, int& failed) {
  for (int i = 0; i < count; ++i) {
    Context context(tests[i].name);
    kprint("KTEST RUN %s\n", tests[i].name);
    tests[i].run(context, options);
    kprint("KTEST %s %s\n", context.failed() ? "FAILED" : "PASS", tests[i].name);
    if (context.failed())
      ++failed;
  }
  return count;
}

}  // namespace

void Context::fail(const char* file, int line, const char* check, const char* fmt, ...) {
  ++failures_;
  kprint("KTEST FAIL %s: %s:%d: expected %s: ", name_, file, line, check);
  va_list args;
  va_start(args, fmt);
  vkprint(fmt, args);
  va_end(args);
  kprint("\n");
}

void mark(const char* label) {
  vdso::abi::Timespec realtime;
  tick::timekeeper().clock_gettime(vdso::abi::kClockRealtimeCoarse, &realtime);
  kprint("KTEST MARK %s ticks=%lu interrupts=%lu mono_ns=%ld realtime_ns=%ld\n", label,
         tick::count(), tick::interrupts(), tick::monotonic_ns(),
         realtime.sec * 1'000'000'000 + realtime.nsec);
}

namespace {

// The suites a boot on several CPUs runs instead of the whole one.
struct CpuSuite {
  const char* scenario;
  const Test* tests;
  const int* count;
};
constexpr CpuSuite kCpuSuites[] = {
    {"smp", kSmpTests, &kSmpTestCount},
    {"smp-broken-reader", kSmpBrokenReaderTests, &kSmpBrokenReaderTestCount},
};

}  // namespace

void run(const BootOptions& options) {
  int total = 0, failed = 0;
  for (const CpuSuite& suite : kCpuSuites) {
    if (same(options.test_scenario, suite.scenario)) {
      total = run_suite(suite.tests, *suite.count, options, failed);
      kprint("KTEST SUMMARY passed=%d failed=%d\n", total - failed, failed);
      qemu_exit(failed == 0 ? ExitCode::kPass : ExitCode::kFail);
    }
  }
  if (options.test_scenario[0] != '\0' && !same(options.test_scenario, "suite")) {
    run_scenario(options.test_scenario);
  }
  total += run_suite(kMemoryTests, kMemoryTestCount, options, failed);
  total += run_suite(kVdsoTests, kVdsoTestCount, options, failed);
  total += run_suite(kProtectionTests, kProtectionTestCount, options, failed);
  total += run_suite(kTimeTests, kTimeTestCount, options, failed);
  total += run_suite(kAcpiTests, kAcpiTestCount, options, failed);
  kprint("KTEST SUMMARY passed=%d failed=%d\n", total - failed, failed);
  qemu_exit(failed == 0 ? ExitCode::kPass : ExitCode::kFail);
}

}  // namespace kernel::ktest
