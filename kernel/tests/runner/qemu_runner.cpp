// kernel-qemu-run: boots vdso-kernel under QEMU for one test and judges it
// from the host side.
//
// The kernel reports on serial and leaves through isa-debug-exit; this
// runner adds what the kernel cannot check alone:
//   - a host-side timeout, so a hang fails (and shows the last serial lines)
//     instead of blocking ctest;
//   - the outcome (pass / fail / panic / hang) against the expected one;
//   - lines the output must contain (a panic report's fields);
//   - with --hz, the tick windows against the host's clocks: the MARK lines
//     are timestamped on arrival, so in one of the windows the kernel
//     measured, ticks per host second must be hz within 5% and the kernel's
//     precise MONOTONIC must advance with the host's monotonic clock; and
//     REALTIME must agree with the host's wall clock.
// The accelerator and the QEMU command line come from tools/qemu_machine.h
// (KVM only where it can run us; --cpu MODEL is always TCG).
//
// QEMU runs at nice -10 when we may raise its priority (root): under TCG a
// virtual CPU thread that the host scheduler leaves waiting for a few
// milliseconds makes the emulated LAPIC drop timer interrupts, and the
// timing checks would then measure the other load on the machine (2 cores
// here, shared with other test suites) instead of the kernel.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/qemu_machine.h"
#include "tools/qemu_process.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kQemuNice = -10;

enum class Outcome { kPass, kFail, kPanic, kHang, kOther };

const char* name(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kPanic: return "panic";
    case Outcome::kHang: return "hang";
    case Outcome::kOther: return "other";
  }
  return "?";
}

std::optional<Outcome> parse_outcome(const std::string& s) {
  for (Outcome o : {Outcome::kPass, Outcome::kFail, Outcome::kPanic, Outcome::kHang}) {
    if (s == name(o))
      return o;
  }
  return std::nullopt;
}

struct Options {
  std::string qemu = "qemu-system-x86_64";
  std::string kernel;
  std::string symbols;  // the ELF64 with symbols: panic addresses -> functions
  std::string append;
  std::string initrd;  // the initramfs (multiboot module), if any
  std::string cpu;     // QEMU -cpu model, under TCG (default: the decided accelerator)
  double timeout_s = 60;
  Outcome expect = Outcome::kPass;
  std::vector<std::string> expect_lines;
  unsigned hz = 0;  // 0: no timing checks
  double tolerance = 0.05;
  unsigned memory_mb = 128;
  int init_status = -1;  // -1: no exit line expected
  unsigned cpus = 1;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "kernel-qemu-run: %s\n"
               "usage: kernel-qemu-run --kernel PATH [--symbols ELF64] [--append \"OPTIONS\"]\n"
               "       [--initrd CPIO] [--cpu MODEL]\n"
               "       [--timeout SECONDS]\n"
               "       [--expect pass|fail|panic|hang] [--expect-line TEXT]... [--hz N]\n"
               "       [--tolerance FRACTION] [--qemu PATH] [--memory MB] [--cpus N]\n"
               "       [--expect-init-status STATUS]\n",
               why);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(("missing value for " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--kernel") {
      o.kernel = value();
    } else if (arg == "--symbols") {
      o.symbols = value();
    } else if (arg == "--append") {
      o.append = value();
    } else if (arg == "--initrd") {
      o.initrd = value();
    } else if (arg == "--cpu") {
      o.cpu = value();
    } else if (arg == "--timeout") {
      o.timeout_s = std::atof(value().c_str());
    } else if (arg == "--expect") {
      const auto outcome = parse_outcome(value());
      if (!outcome)
        usage("--expect takes pass, fail, panic or hang");
      o.expect = *outcome;
    } else if (arg == "--expect-line") {
      o.expect_lines.push_back(value());
    } else if (arg == "--hz") {
      o.hz = static_cast<unsigned>(std::atoi(value().c_str()));
    } else if (arg == "--tolerance") {
      o.tolerance = std::atof(value().c_str());
    } else if (arg == "--qemu") {
      o.qemu = value();
    } else if (arg == "--memory") {
      o.memory_mb = static_cast<unsigned>(std::atoi(value().c_str()));
    } else if (arg == "--expect-init-status") {
      o.init_status = std::atoi(value().c_str());
      if (o.init_status < 0)
        usage("--expect-init-status takes a wait status (0 or more)");
    } else if (arg == "--cpus") {
      o.cpus = kernel::tools::parse_cpu_count(value());
      if (o.cpus == 0)
        usage("--cpus must be 1..16");
    } else {
      usage(("unknown argument " + arg).c_str());
    }
  }
  if (o.kernel.empty())
    usage("--kernel is required");
  if (o.timeout_s <= 0)
    usage("--timeout must be positive");
  return o;
}

struct Line {
  double host_s;           // seconds since QEMU was started (steady clock)
  double host_realtime_s;  // host wall clock at arrival
  std::string text;
};

double wall_now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Value of `key=` in a MARK line, or nullopt.
std::optional<long double> field(const std::string& line, const std::string& key) {
  const size_t at = line.find(" " + key + "=");
  if (at == std::string::npos)
    return std::nullopt;
  return std::strtold(line.c_str() + at + key.size() + 2, nullptr);
}

const Line* find_line(const std::vector<Line>& lines, const std::string& needle) {
  for (const Line& l : lines) {
    if (l.text.find(needle) != std::string::npos)
      return &l;
  }
  return nullptr;
}

struct Verdict {
  int failures = 0;
  void check(bool ok, const std::string& what) {
    std::printf("runner: %s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok)
      ++failures;
  }
};

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buffer[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buffer, sizeof(buffer), fmt, args);
  va_end(args);
  return buffer;
}

// The kernel prints raw addresses (it carries no symbol table); name them
// with addr2line on the ELF64 that has one.
void symbolize(const std::string& elf, const std::vector<Line>& lines) {
  std::vector<std::string> addresses;
  for (const Line& l : lines) {
    size_t at = l.text.find("rip=");
    if (at != std::string::npos) {
      addresses.push_back(l.text.substr(at + 4, 16));
      continue;
    }
    at = l.text.find("  #");
    if (at != std::string::npos) {
      const size_t space = l.text.find(' ', at + 3);
      if (space != std::string::npos)
        addresses.push_back(l.text.substr(space + 1, 16));
    }
  }
  if (addresses.empty())
    return;
  std::string command = "addr2line -f -C -s -e '" + elf + "'";
  for (const std::string& a : addresses)
    command += " " + a;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return;
  std::printf("runner: where (addr2line):\n");
  char function[512], location[512];
  for (const std::string& a : addresses) {
    if (std::fgets(function, sizeof(function), pipe) == nullptr ||
        std::fgets(location, sizeof(location), pipe) == nullptr) {
      break;
    }
    function[std::strcspn(function, "\n")] = '\0';
    location[std::strcspn(location, "\n")] = '\0';
    std::printf("    %s  %s  %s\n", a.c_str(), function, location);
  }
  pclose(pipe);
}

size_t count_lines_starting(const std::vector<Line>& lines, const std::string& prefix) {
  size_t n = 0;
  for (const Line& l : lines)
    n += l.text.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

// The in-kernel tests' summary against the lines of the tests that ran, so
// that no test states how many tests the suite holds: every test that
// started ended, the summary counts what the lines show, and a run expected
// to pass ran at least one test and failed none.
void check_ktest_summary(const Options& o, const std::vector<Line>& lines, Verdict& v) {
  const Line* summary = find_line(lines, "KTEST SUMMARY ");
  if (summary == nullptr) {
    v.check(false, "the in-kernel tests' KTEST SUMMARY line is present");
    return;
  }
  const auto passed = field(summary->text, "passed");
  const auto failed = field(summary->text, "failed");
  const size_t ran = count_lines_starting(lines, "KTEST RUN ");
  const size_t pass_lines = count_lines_starting(lines, "KTEST PASS ");
  const size_t failed_lines = count_lines_starting(lines, "KTEST FAILED ");
  const bool agrees = passed && failed && *passed == pass_lines && *failed == failed_lines &&
                      pass_lines + failed_lines == ran;
  v.check(agrees,
          format("in-kernel tests: %zu ran, %zu passed, %zu failed; the summary agrees (%s)", ran,
                 pass_lines, failed_lines, summary->text.c_str()));
  if (o.expect == Outcome::kPass)
    v.check(ran > 0 && failed_lines == 0, "in-kernel tests: at least one ran, none failed");
}

// The host's view of one tick window (a window.begin and the window.end
// after it): each check's outcome and what it printed.
std::vector<std::pair<bool, std::string>> judge_window(const Options& o, const Line& begin,
                                                       const Line& end) {
  std::vector<std::pair<bool, std::string>> checks;
  const double host_elapsed = end.host_s - begin.host_s;
  const long double ticks = *field(end.text, "ticks") - *field(begin.text, "ticks");
  const long double handled = *field(end.text, "interrupts") - *field(begin.text, "interrupts");
  const double rate = static_cast<double>(ticks) / host_elapsed;
  checks.emplace_back(std::fabs(rate - o.hz) <= o.tolerance * o.hz,
                      format("tick rate against the host clock: %.0Lf ticks in %.3f s = %.1f Hz "
                             "(hz=%u, tolerance %.0f%%)",
                             ticks, host_elapsed, rate, o.hz, o.tolerance * 100));
  // Interrupts may be fewer (an emulator that is not scheduled in time
  // merges them; the kernel counts those periods from its clock), never more.
  const double interrupt_rate = static_cast<double>(handled) / host_elapsed;
  checks.emplace_back(interrupt_rate >= 0.75 * o.hz && interrupt_rate <= (1 + o.tolerance) * o.hz,
                      format("tick interrupts per host second: %.1f (hz=%u; allowed %.0f..%.0f)",
                             interrupt_rate, o.hz, 0.75 * o.hz, (1 + o.tolerance) * o.hz));
  const double mono_elapsed =
      static_cast<double>(*field(end.text, "mono_ns") - *field(begin.text, "mono_ns")) / 1e9;
  checks.emplace_back(std::fabs(mono_elapsed - host_elapsed) <= o.tolerance * host_elapsed,
                      format("kernel MONOTONIC advanced %.3f s while the host's advanced %.3f s",
                             mono_elapsed, host_elapsed));
  return checks;
}

// The kernel measures up to three tick windows and stops at the first
// whose timing holds (time.tick_window says why): the host's timing checks
// must hold in one of the windows the kernel measured. REALTIME against
// the host's wall clock is no timing check and must hold at the end.
void check_timing(const Options& o, const std::vector<Line>& lines, Verdict& v) {
  std::vector<std::pair<const Line*, const Line*>> windows;
  const Line* begin = nullptr;
  for (const Line& l : lines) {
    if (l.text.find("KTEST MARK window.begin") != std::string::npos) {
      begin = &l;
    } else if (l.text.find("KTEST MARK window.end") != std::string::npos && begin != nullptr) {
      windows.emplace_back(begin, &l);
      begin = nullptr;
    }
  }
  v.check(!windows.empty(), "tick window marks present");
  if (windows.empty())
    return;
  std::vector<std::pair<bool, std::string>> checks;
  for (size_t i = 0; i < windows.size(); ++i) {
    checks = judge_window(o, *windows[i].first, *windows[i].second);
    bool held = true;
    for (const auto& [ok, what] : checks)
      held = held && ok;
    if (held || i + 1 == windows.size())
      break;
    for (const auto& [ok, what] : checks)
      std::printf("runner: window %zu of %zu (%s): %s\n", i + 1, windows.size(),
                  ok ? "ok" : "missed", what.c_str());
  }
  for (const auto& [ok, what] : checks)
    v.check(ok, what);
  // REALTIME comes from a whole-second RTC reading, and QEMU's RTC itself
  // counts whole seconds from QEMU's start (not from the host's second
  // boundaries): each may lag up to 1 s. It can never run ahead, beyond the
  // slop of reading the two clocks at different moments.
  const Line* end = windows.back().second;
  const double realtime_s = static_cast<double>(*field(end->text, "realtime_ns")) / 1e9;
  const double skew = realtime_s - end->host_realtime_s;
  v.check(skew >= -2.1 && skew <= 0.25,
          format("kernel REALTIME is %+.3f s from the host's wall clock (allowed: -2.1 .. +0.25 s)",
                 skew));
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);

  // The accelerator was decided once for the whole run (the
  // kernel_accelerator fixture); a test that names a CPU model is a TCG test.
  kernel::tools::Accelerator accelerator;
  if (!o.cpu.empty()) {
    accelerator = kernel::tools::tcg_with_cpu(o.cpu);
  } else {
    const kernel::tools::AcceleratorChoice choice = kernel::tools::accelerator_for(o.kernel);
    if (!choice.ok) {
      std::printf("runner: %s\n", choice.error.c_str());
      return 2;
    }
    accelerator = choice.accelerator;
  }
  kernel::tools::Boot boot;
  boot.qemu = o.qemu;
  boot.kernel = o.kernel;
  boot.initrd = o.initrd;
  boot.append = o.append;
  boot.memory_mb = o.memory_mb;
  boot.cpus = o.cpus;
  boot.extra_args = {"-serial", "stdio"};
  std::vector<std::string> args = kernel::tools::qemu_command(accelerator, boot);
  std::printf("runner: %s (accel %s%s%s: %s)\n", o.append.c_str(), accelerator.name.c_str(),
              accelerator.cpu.empty() ? "" : " -cpu ", accelerator.cpu.c_str(),
              accelerator.reason.c_str());
  std::fflush(stdout);

  std::vector<Line> lines;
  const Clock::time_point start = Clock::now();
  auto arrived = [&](const std::string& text) {
    const double host_s = std::chrono::duration<double>(Clock::now() - start).count();
    lines.push_back({host_s, wall_now_s(), text});
    std::printf("[%8.3f] %s\n", host_s, text.c_str());
  };
  kernel::tools::LineSplitter serial(arrived);
  kernel::tools::RunLimits limits;
  limits.timeout_s = o.timeout_s;
  limits.in_child = [] {
    if (setpriority(PRIO_PROCESS, 0, kQemuNice) != 0) {
      std::fprintf(stderr, "runner: cannot raise QEMU's priority (%s); timing may suffer\n",
                   std::strerror(errno));
    }
  };
  const kernel::tools::QemuRun run = kernel::tools::run_qemu(args,
                                                             {{{STDOUT_FILENO, STDERR_FILENO},
                                                               [&](std::string_view bytes) {
                                                                 serial.feed(bytes);
                                                                 std::fflush(stdout);
                                                               }}},
                                                             limits);
  serial.finish();
  if (!run.error.empty()) {
    std::printf("runner: %s\n", run.error.c_str());
    return 2;
  }

  Outcome outcome = Outcome::kOther;
  if (run.timed_out) {
    outcome = Outcome::kHang;
    std::printf("runner: TIMEOUT after %.0f s: the kernel hung. Last serial lines:\n", o.timeout_s);
    const size_t from = lines.size() > 20 ? lines.size() - 20 : 0;
    for (size_t i = from; i < lines.size(); ++i)
      std::printf("    | %s\n", lines[i].text.c_str());
  } else if (WIFEXITED(run.wait_status)) {
    switch (WEXITSTATUS(run.wait_status)) {
      case 33: outcome = Outcome::kPass; break;
      case 35: outcome = Outcome::kFail; break;
      case 37: outcome = Outcome::kPanic; break;
      default:
        std::printf(
            "runner: QEMU exited with status %d (a triple fault resets, and -no-reboot "
            "then exits 0)\n",
            WEXITSTATUS(run.wait_status));
    }
  } else {
    std::printf("runner: QEMU ended by signal %d\n", WTERMSIG(run.wait_status));
  }

  if (outcome == Outcome::kPanic && !o.symbols.empty())
    symbolize(o.symbols, lines);

  Verdict v;
  v.check(outcome == o.expect, format("outcome %s (expected %s)", name(outcome), name(o.expect)));
  for (const std::string& needle : o.expect_lines) {
    v.check(find_line(lines, needle) != nullptr, "output contains \"" + needle + "\"");
  }
  if (find_line(lines, "KTEST RUN ") != nullptr)
    check_ktest_summary(o, lines, v);
  if (o.init_status >= 0) {
    int status = -1;
    for (const Line& l : lines) {
      if (const int s = kernel::tools::init_wait_status(l.text); s >= 0)
        status = s;
    }
    v.check(status == o.init_status,
            format("init's wait status on the kernel's exit line: %d (expected %d)", status,
                   o.init_status));
  }
  if (o.hz != 0)
    check_timing(o, lines, v);
  if (const Line* first = find_line(lines, "tick: first tick")) {
    std::printf(
        "runner: boot to first tick: %.3f s after QEMU started (host clock); kernel says: %s\n",
        first->host_s, first->text.c_str());
  }
  std::printf("runner: %s\n", v.failures == 0 ? "PASS" : "FAIL");
  return v.failures == 0 ? 0 : 1;
}
