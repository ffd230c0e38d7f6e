// One QEMU run of vdso-kernel, written once for every launcher (the
// accelerator's probe boot in qemu_machine.cpp, the test runner
// kernel-qemu-run, vdso-kernel-run): fork and exec the command line of
// qemu_command(), poll its output pipes until QEMU closes them, stop it with
// SIGKILL when the deadline passes or the caller was interrupted by a
// signal, and reap it. What the output means stays with each launcher; the
// lines the kernel prints for the host are in console/host_protocol.h.
#pragma once

#include <signal.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kernel::tools {

// One pipe from QEMU: `child_fds` are the descriptors in QEMU that write
// into it (STDOUT_FILENO and STDERR_FILENO for "-serial stdio", 3 for a
// chardev opened through /proc/self/fd/3); `on_output` gets its bytes as
// they arrive. QEMU's stdin is /dev/null, and so is its stdout when no pipe
// takes it; its stderr, when no pipe takes it, stays the launcher's (QEMU's
// own errors then reach the user).
struct OutputPipe {
  std::vector<int> child_fds;
  std::function<void(std::string_view bytes)> on_output;
};

struct RunLimits {
  double timeout_s = 0;  // 0: no deadline
  // Set by the launcher's SIGINT/SIGTERM handler: QEMU is then stopped.
  const volatile sig_atomic_t* interrupted = nullptr;
  // Runs in the child before exec (e.g. to raise QEMU's priority).
  std::function<void()> in_child;
};

struct QemuRun {
  std::string error;  // non-empty: QEMU was not started (pipe or fork failed)
  bool timed_out = false;
  bool interrupted = false;
  int wait_status = 0;  // QEMU's own, from waitpid
  double seconds = 0;   // from the fork to QEMU's end
};

// Runs `args` (qemu_command's argv) until QEMU has exited and closed every
// pipe, or was killed at the deadline or on interruption; QEMU is always
// reaped before this returns.
QemuRun run_qemu(std::vector<std::string> args, std::vector<OutputPipe> pipes,
                 const RunLimits& limits);

// Init's wait status from the kernel's exit line (console/host_protocol.h),
// or -1 when `line` is not that line.
int init_wait_status(std::string_view line);

// Cuts a byte stream into lines for a launcher that reads the serial log:
// '\r' is dropped, each line goes to `on_line` without its '\n', and
// finish() hands over a last line that QEMU left unterminated.
class LineSplitter {
 public:
  explicit LineSplitter(std::function<void(const std::string& line)> on_line)
      : on_line_(std::move(on_line)) {}
  void feed(std::string_view bytes);
  void finish();

 private:
  std::function<void(const std::string& line)> on_line_;
  std::string partial_;
};

}  // namespace kernel::tools
