// vdso-run: plays the kernel of the seed's VDSO for one process tree on
// Linux. Kernel init (VdsoMemory), the tick (Ticker), process creation
// (Tracer + Injector) and binding by the programs' own dynamic linkers.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>

#include "host_vdso.h"
#include "injector.h"
#include "launch.h"
#include "options.h"
#include "seccomp_filter.h"
#include "seccomp_listener.h"
#include "ticker.h"
#include "tracer.h"
#include "vdso_memory.h"
#include "virtual_time.h"

#ifndef VDSO_RUN_VERSION
#define VDSO_RUN_VERSION "unknown"
#endif

namespace vdso::run {
namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "vdso-run: %s\n", message.c_str());
  std::fflush(stderr);
  _exit(kExitOwnError);
}

uint64_t random_cookie() {
  uint64_t cookie = 0;
  while (cookie == 0) {
    if (getrandom(&cookie, sizeof(cookie), 0) != sizeof(cookie))
      cookie = 0x76'6473'6f72'756e;
  }
  return cookie;
}

double seconds_since(const timespec& start) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec - start.tv_sec) +
         static_cast<double>(now.tv_nsec - start.tv_nsec) / 1e9;
}

// Installs `handler` for `signals`, except those ignored when we started
// (nohup, a shell's background job): they stay ignored, for us and, through
// exec, for the program.
void install_handler(void (*handler)(int), std::initializer_list<int> signals, int flags) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = flags;
  for (int signal : signals) {
    struct sigaction old {};
    if (sigaction(signal, nullptr, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;
    sigaction(signal, &action, nullptr);
  }
}

void install_signal_handlers() {
  // No SA_RESTART: waitpid returns, so the tracer loop sees the request.
  install_handler(forward_signal_to_tree, {SIGINT, SIGTERM, SIGHUP}, 0);
  install_handler(request_report, {SIGUSR1}, 0);
  // Job control: the terminal's stop signals reach the program directly;
  // vdso-run follows the program's stop instead of racing it.
  install_handler(note_job_control_signal, {SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT}, SA_RESTART);
}

void print_stats(const Options& options, const Ticker& ticker, const TraceStats& trace,
                 const SeccompListener& listener, const abi::DataPage& page,
                 const timespec& start) {
  const double wall = seconds_since(start);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::fprintf(
      stderr,
      "vdso-run: stats: hz %u, ticks %llu, worst lag %.3f ms (tick %.3f ms), "
      "realtime steps %llu, ticker %s\n",
      options.hz, static_cast<unsigned long long>(ticker.ticks()),
      static_cast<double>(ticker.worst_gap_ns()) / 1e6, static_cast<double>(ticker.tick_ns()) / 1e6,
      static_cast<unsigned long long>(ticker.realtime_steps()), ticker.scheduling().c_str());
  std::fprintf(stderr,
               "vdso-run: stats: execs served %llu (%llu with a second stop), not served %llu, "
               "fds delivered %llu, processes %llu, threads %llu, ptrace stops %llu, "
               "signals delivered %llu\n",
               static_cast<unsigned long long>(trace.execs_served),
               static_cast<unsigned long long>(trace.execs_trapped),
               static_cast<unsigned long long>(trace.execs_not_served),
               static_cast<unsigned long long>(listener.delivered()),
               static_cast<unsigned long long>(trace.processes),
               static_cast<unsigned long long>(trace.threads),
               static_cast<unsigned long long>(trace.stops),
               static_cast<unsigned long long>(trace.signals_delivered));
  const ClockCallStats clocks = listener.clock_calls();
  std::fprintf(stderr,
               "vdso-run: stats: clock system calls answered %llu (-EFAULT %llu), restarted "
               "after a signal %llu, caller gone %llu, left to the host %llu\n",
               static_cast<unsigned long long>(clocks.answered),
               static_cast<unsigned long long>(clocks.faults),
               static_cast<unsigned long long>(trace.clock_calls_restarted),
               static_cast<unsigned long long>(clocks.gone),
               static_cast<unsigned long long>(clocks.left_to_host));
  if (abi::virtual_time_on(page)) {
    const abi::VirtualClock& realtime = page.virtual_time.clocks[abi::kClockRealtime];
    std::fprintf(stderr,
                 "vdso-run: stats: virtual time: REALTIME started at %lld.%09lld, rate %.6f, "
                 "sleeps, timers, waits and file times translated %llu (seccomp stops %llu)\n",
                 static_cast<long long>(realtime.virtual_base.sec),
                 static_cast<long long>(realtime.virtual_base.nsec),
                 static_cast<double>(abi::load_relaxed(page.virtual_time.rate_mult)) /
                     static_cast<double>(abi::kVirtualRateOne),
                 static_cast<unsigned long long>(trace.deadlines_translated),
                 static_cast<unsigned long long>(trace.seccomp_stops));
  }
  const abi::Timespec realtime =
      abi::read_coarse(page, static_cast<uint32_t>(abi::CoarseClock::kRealtime));
  const abi::Timespec monotonic =
      abi::read_coarse(page, static_cast<uint32_t>(abi::CoarseClock::kMonotonic));
  std::fprintf(stderr,
               "vdso-run: stats: page: update %llu, seq %u, REALTIME_COARSE %lld.%09lld, "
               "MONOTONIC_COARSE %lld.%09lld, tick %llu ns\n",
               static_cast<unsigned long long>(abi::load_relaxed(page.update_count)),
               abi::load_relaxed(page.seq), static_cast<long long>(realtime.sec),
               static_cast<long long>(realtime.nsec), static_cast<long long>(monotonic.sec),
               static_cast<long long>(monotonic.nsec),
               static_cast<unsigned long long>(abi::load_relaxed(page.tick_ns)));
  uint32_t cpus[2] = {0, 0};
  abi::read_system_info(page, [&](const abi::SystemInfo& info) {
    cpus[0] = abi::load_relaxed(info.cpus_configured);
    cpus[1] = abi::load_relaxed(info.cpus_online);
  });
  std::fprintf(stderr,
               "vdso-run: stats: page: fine clocks chained to the host vDSO (clock mode none), "
               "getcpu %s, configuration: %u CPUs configured, %u online\n",
               getcpu_mode_name(static_cast<abi::GetcpuMode>(abi::load_relaxed(page.getcpu_mode))),
               cpus[0], cpus[1]);
  std::fprintf(stderr,
               "vdso-run: stats: supervisor cpu %.1f ms over %.3f s wall (%.2f%% of a core)\n",
               cpu * 1e3, wall, wall > 0 ? 100.0 * cpu / wall : 0.0);
}

// Whether the host's vDSO makes the system call for a fine clock (a clock
// source without a vDSO mode, such as hpet or acpi_pm). Asked of the
// filter itself: this thread inherits it, and under virtual time every such
// call is answered by the listener, so it is counted there.
bool host_vdso_calls_the_kernel(const SeccompListener& listener) {
  const uint64_t before = listener.clock_calls().answered;
  for (clockid_t id :
       {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_TAI}) {
    timespec ts;
    clock_gettime(id, &ts);
  }
  timeval tv;
  gettimeofday(&tv, nullptr);
  return listener.clock_calls().answered != before;
}

int exit_status_of(const char* program, int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    // As a shell does: an interrupted or broken-pipe program needs no note.
    if (signal != SIGINT && signal != SIGPIPE) {
      std::fprintf(stderr, "vdso-run: %s: terminated by signal %d (%s)\n", program, signal,
                   strsignal(signal));
    }
    return 128 + signal;
  }
  return kExitOwnError;
}

int usage_error(const Error& error) {
  std::fprintf(stderr, "vdso-run: %s\nTry 'vdso-run --help'.\n", error.message.c_str());
  return kExitOwnError;
}

int run_main(int argc, char** argv) {
  const Result<Options> parsed = parse_options(argc, argv);
  if (!parsed)
    return usage_error(parsed.error());
  const Options& options = *parsed;
  if (options.help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (options.version) {
    std::printf("vdso-run %s\n", VDSO_RUN_VERSION);
    return 0;
  }
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  // Before anything runs: a start out of range is a usage error.
  abi::VirtualTime virtual_time{};
  const bool virtual_time_on = options.virtual_time.on();
  if (virtual_time_on) {
    const Result<abi::VirtualTime> made = make_virtual_time(options.virtual_time);
    if (!made)
      return usage_error(made.error());
    virtual_time = *made;
  }

  // Seed steps 1-2: the data page and the code page.
  VdsoMemory memory;
  if (const Result<void> created = memory.create(); !created)
    die("cannot create the VDSO pages: " + created.error().message);
  // Seed step 3: the tick.
  Ticker ticker(memory.data_page(), options.hz, read_host_configuration());
  if (virtual_time_on)
    ticker.set_virtual_time(virtual_time);
  if (const Result<void> started = ticker.start(); !started)
    die(started.error().message);

  const HostVdso host = HostVdso::resolve();
  if (!host.present()) {
    std::fprintf(stderr,
                 "vdso-run: warning: the host has no vDSO; unserved clocks make system calls\n");
  }
  const uint64_t cookie = random_cookie();
  TimeSetting time_setting(ticker, cookie);  // before the filter: see time_setting.h
  SeccompListener listener(memory.fd(), cookie, ticker.timekeeper(), time_setting, virtual_time_on);
  if (const Result<void> started = listener.start(options.virtual_time.file_times); !started)
    die(started.error().message);
  if (options.verbose && listener.set_no_new_privs())
    std::fprintf(stderr,
                 "vdso-run: no_new_privs set (needed for an unprivileged seccomp filter)\n");

  // Orphans of the tree become our children, so we keep serving them.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    die(Error::from_errno("cannot become a subreaper").message);
  install_signal_handlers();

  Injector injector(memory, host, listener.cookie());
  // Whether or not virtual time is on yet: the tree may turn it on by
  // setting its clock, and the image would then transform an answer the
  // supervisor gave in virtual time already.
  if (host_vdso_calls_the_kernel(listener)) {
    injector.drop_fine_clock_chain();
    if (options.verbose) {
      std::fprintf(stderr,
                   "vdso-run: the host vDSO makes the system call for the fine clocks: the "
                   "image makes it directly, answered in virtual time\n");
    }
  }
  Tracer tracer(injector, options.verbose, memory.data_page(), virtual_time_on);
  tracer.set_reporter(
      [&] { print_stats(options, ticker, tracer.stats(), listener, memory.data_page(), start); });
  Launch launch;
  // Every thread of ours exists by now (main, ticker, listener).
  const std::vector<sock_filter> reach_filter = build_reach_filter(own_thread_ids());
  const Result<pid_t> forked = launch.fork_child(options.program_argv, reach_filter);
  if (!forked)
    die(forked.error().message);
  const pid_t first = *forked;
  if (const Result<void> seized = tracer.seize(first); !seized) {
    kill(first, SIGKILL);
    waitpid(first, nullptr, 0);
    die(seized.error().message);
  }
  // No process of the tree may read or write our memory, where the data
  // page is writable. Only after the seize: the child copied the flag at
  // fork, and without privilege we could not trace a non-dumpable child.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  launch.go();

  const int status = tracer.run();
  if (options.stats)
    print_stats(options, ticker, tracer.stats(), listener, memory.data_page(), start);
  return exit_status_of(options.program_argv[0], status);
}

}  // namespace
}  // namespace vdso::run

int main(int argc, char** argv) {
  const int status = vdso::run::run_main(argc, argv);
  std::fflush(stdout);
  std::fflush(stderr);
  // The ticker and listener threads never return: end the process without
  // running destructors under their feet.
  _exit(status);
}
