// The panic path: says why and where, dumps what it knows, and stops. In
// test mode it then leaves QEMU with ExitCode::kPanic so that the runner can
// tell "panicked" from "hung" and from "tests failed".
#pragma once

#include <stdint.h>

namespace kernel::interrupts {
struct InterruptFrame;
}

namespace kernel {

[[noreturn]] void panic_at(const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

// An exception nobody handles: the vector, the error code decoded, the
// registers at the fault, and a backtrace from the faulting frame.
[[noreturn]] void panic_on_exception(const interrupts::InterruptFrame& frame);

// Once user programs run, a panic leaves QEMU (ExitCode::kPanic) as in
// test mode, so that vdso-kernel-run reports it instead of hanging.
void set_exit_on_panic(bool exit);

}  // namespace kernel

#define PANIC(...) ::kernel::panic_at(__FILE__, __LINE__, __VA_ARGS__)
// Checks an invariant in every build (the kernel has no NDEBUG variant).
#define KASSERT(cond)                       \
  do {                                      \
    if (!(cond))                            \
      PANIC("assertion failed: %s", #cond); \
  } while (0)
