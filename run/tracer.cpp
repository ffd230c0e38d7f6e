#include "tracer.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "clock_calls.h"

namespace vdso::run {
namespace {

constexpr long kTraceOptions = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                               PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

// Shared with the signal handler: the first process (0 once it is gone) and
// the signals that arrived since, for the rest of the tree.
volatile sig_atomic_t g_first_pid = 0;
volatile sig_atomic_t g_pending_signals = 0;  // bit n: signal n
// The terminal's stop signal (SIGTSTP, SIGTTIN, SIGTTOU) that reached
// vdso-run with its job, 0 after a SIGCONT.
volatile sig_atomic_t g_job_stop_signal = 0;
volatile sig_atomic_t g_report_requested = 0;
// The last terminating signal forwarded (SIGINT, SIGTERM, SIGHUP), 0 if
// none: once the first program has ended, the rest of the tree gets it.
volatile sig_atomic_t g_terminating_signal = 0;
volatile sig_atomic_t g_grace_over = 0;

// How long the rest of the tree has, once it was sent the terminating
// signal, before vdso-run exits and PTRACE_O_EXITKILL ends what is left.
constexpr long kTerminationGraceSec = 2;

void note_grace_over(int) {
  g_grace_over = 1;
}

std::string executable_of(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/exe", pid);
  char target[4096];
  const ssize_t n = readlink(path, target, sizeof(target) - 1);
  if (n <= 0)
    return "(unknown program)";
  return std::string(target, static_cast<size_t>(n));
}

// Our own tracer's pid (TracerPid in /proc/self/status), 0 if none.
pid_t own_tracer() {
  FILE* status = std::fopen("/proc/self/status", "re");
  if (status == nullptr)
    return 0;
  char line[256];
  int tracer = 0;
  while (std::fgets(line, sizeof(line), status) != nullptr) {
    if (std::sscanf(line, "TracerPid: %d", &tracer) == 1)
      break;
  }
  std::fclose(status);
  return tracer;
}

void resume(pid_t pid, int signal) {
  ptrace(PTRACE_CONT, pid, nullptr, signal);
}

bool is_group_stop_signal(int signal) {
  return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
}

}  // namespace

void forward_signal_to_tree(int signal) {
  g_terminating_signal = signal;
  const pid_t first = g_first_pid;
  if (first > 0) {
    kill(first, signal);
  } else {
    g_pending_signals = g_pending_signals | (1 << signal);
  }
}

void request_report(int) {
  g_report_requested = 1;
}

void note_job_control_signal(int signal) {
  g_job_stop_signal = signal == SIGCONT ? 0 : signal;
}

Result<void> Tracer::seize(pid_t pid) {
  // The seccomp stops: the filter asks for them for the sleeps and timers
  // translated under virtual time (which the tree may turn on by setting
  // its clock).
  const long options = kTraceOptions | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD;
  if (ptrace(PTRACE_SEIZE, pid, nullptr, options) != 0) {
    Error error = Error::from_errno("cannot trace the program (PTRACE_SEIZE)");
    const pid_t tracer = own_tracer();
    if (error.errno_value == EPERM && tracer > 0) {
      // strace -f, gdb with follow-fork: the child is already theirs.
      error.message += ": vdso-run is itself traced (by pid " + std::to_string(tracer) + ", " +
                       executable_of(tracer) +
                       ") and its tracer follows its children; a process has only one tracer, "
                       "so trace vdso-run without following its children (strace without -f)";
    }
    return error;
  }
  first_ = pid;
  g_first_pid = pid;
  tracees_.try_emplace(pid);
  return {};
}

void Tracer::handle_interruption() {
  if (g_report_requested != 0) {
    g_report_requested = 0;
    if (reporter_)
      reporter_();
  }
  const int pending = g_pending_signals;
  if (pending == 0)
    return;
  g_pending_signals = 0;
  if (!ending_tree_)
    return;  // the first signal since the first program ended: end_tree_after_termination
  for (int signal = 1; signal < 32; ++signal) {
    if ((pending & (1 << signal)) == 0)
      continue;
    for (const auto& [pid, tracee] : tracees_)
      kill(pid, signal);
  }
}

// A terminating signal was forwarded and the first program has ended: what
// `timeout` or a service manager expects is the end of the whole tree,
// not vdso-run waiting on for an orphan (on the host, an orphan in another
// session would live on; here it cannot outlive its kernel). Every process
// left gets the signal, and a grace to act on it; after that vdso-run
// kills what remains (the first program keeps as long as it likes: it
// got the signal itself and decides).
void Tracer::end_tree_after_termination() {
  const int signal = g_terminating_signal;
  if (signal == 0 || g_first_pid != 0 || ending_tree_)
    return;
  ending_tree_ = true;
  if (tracees_.empty())
    return;
  for (const auto& [pid, tracee] : tracees_)
    kill(pid, signal);
  struct sigaction action {};
  action.sa_handler = note_grace_over;
  sigemptyset(&action.sa_mask);
  sigaction(SIGALRM, &action, nullptr);  // no SA_RESTART: waitpid returns
  // Repeating after the grace, so an expiry that lands between the check
  // and waitpid() cannot leave the loop waiting forever.
  itimerval timer{};
  timer.it_value.tv_sec = kTerminationGraceSec;
  timer.it_interval.tv_usec = 200'000;
  setitimer(ITIMER_REAL, &timer, nullptr);
}

void Tracer::kill_tree_after_grace() {
  if (g_grace_over == 0)
    return;
  g_grace_over = 0;
  if (!tracees_.empty() && !killed_tree_) {
    std::fprintf(stderr,
                 "vdso-run: %zu task(s) of the tree still ran %ld s after signal %d: killed\n",
                 tracees_.size(), kTerminationGraceSec, static_cast<int>(g_terminating_signal));
  }
  killed_tree_ = true;
  for (const auto& [pid, tracee] : tracees_)
    kill(pid, SIGKILL);
}

int Tracer::run() {
  for (;;) {
    end_tree_after_termination();
    kill_tree_after_grace();
    int status = 0;
    const pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) {
        handle_interruption();
        kill_tree_after_grace();
        continue;
      }
      break;  // ECHILD: the tree is gone
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      tracees_.erase(pid);
      if (pid == first_) {
        first_status_ = status;
        g_first_pid = 0;
      }
      continue;
    }
    if (!WIFSTOPPED(status))
      continue;
    ++stats_.stops;
    Tracee& tracee = tracees_[pid];  // a new task may stop before its parent's event
    const int signal = WSTOPSIG(status);
    const int event = status >> 16;
    unsigned long message = 0;
    switch (event) {
      case PTRACE_EVENT_FORK:
      case PTRACE_EVENT_VFORK:
      case PTRACE_EVENT_CLONE:
        ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &message);
        tracees_.try_emplace(static_cast<pid_t>(message));
        ++(event == PTRACE_EVENT_CLONE ? stats_.threads : stats_.processes);
        resume(pid, 0);
        break;
      case PTRACE_EVENT_EXEC:
        // A non-leader thread that execs takes over the leader's pid; its
        // old thread id reports nothing more.
        ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &message);
        if (static_cast<pid_t>(message) != pid)
          tracees_.erase(static_cast<pid_t>(message));
        on_exec(pid, tracee);
        break;
      case PTRACE_EVENT_STOP:
        // A group-stop (job control): stay stopped but let SIGCONT through.
        // Otherwise a new task's first stop.
        if (is_group_stop_signal(signal)) {
          ptrace(PTRACE_LISTEN, pid, nullptr, nullptr);
          if (pid == first_)
            follow_job_stop(signal);
        } else {
          resume(pid, 0);
        }
        break;
      case PTRACE_EVENT_SECCOMP: on_seccomp_stop(pid, tracee); break;
      case 0:
        if (signal == (SIGTRAP | 0x80)) {
          // A syscall-exit-stop (PTRACE_O_TRACESYSGOOD): only ever asked
          // for after a translated sleep or timer; never a signal to deliver.
          if (tracee.time_fixup.pending)
            finish_time_arguments(pid, abi::read_virtual_time(page_), &tracee.time_fixup);
          resume(pid, 0);
        } else {
          on_signal_stop(pid, tracee, signal);
        }
        break;
      default: resume(pid, 0); break;
    }
  }
  return first_status_;
}

// The terminal stopped the job (Ctrl-Z): vdso-run and its first program.
// vdso-run caught the signal instead of stopping at once, so that the
// program's own stop signal was delivered first; now that the program is
// stopped, vdso-run stops too, and the shell sees its job stopped. The
// shell's SIGCONT resumes both. A stop that did not come to vdso-run as
// well (kill -STOP of the program alone) is not followed, so the clock
// never stops for a tree that someone resumes behind our back.
void Tracer::follow_job_stop(int signal) {
  if (g_job_stop_signal == 0 || g_job_stop_signal != signal)
    return;
  g_job_stop_signal = 0;
  kill(getpid(), SIGSTOP);
}

void Tracer::on_exec(pid_t pid, Tracee& tracee) {
  bool privilege_withheld = false;
  // --verbose asks for a trapping stub: the only way to learn the address.
  const Result<void> started =
      injector_.begin(pid, verbose_, &tracee.injection, &privilege_withheld);
  if (privilege_withheld) {
    std::fprintf(stderr,
                 "vdso-run: warning: %s is set-user-ID or set-group-ID; under an unprivileged "
                 "vdso-run (ptrace, no_new_privs) it runs without that privilege\n",
                 executable_of(pid).c_str());
  }
  if (!started) {
    ++stats_.execs_not_served;
    std::fprintf(stderr, "vdso-run: warning: pid %d runs %s without our VDSO: %s\n", pid,
                 executable_of(pid).c_str(), started.error().message.c_str());
  } else if (!tracee.injection.traps) {
    ++stats_.execs_served;  // unless its stub reports a failure
  }
  resume(pid, 0);
}

namespace {

// A SECCOMP_RET_TRACE of the program's own filter: without a tracer (as
// on the host) the kernel fails the call with ENOSYS; so do we, rather
// than run it.
bool refuse_untraced_call(pid_t pid) {
  unsigned long data = 0;
  user_regs_struct regs;
  if (ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &data) != 0 ||
      ptrace(PTRACE_GETREGS, pid, nullptr, &regs) != 0) {
    return false;
  }
  const auto nr = static_cast<long>(regs.orig_rax);
  if (data == 0 && is_translated_call(nr))
    return false;                             // ours
  regs.orig_rax = static_cast<uint64_t>(-1);  // skip the call
  regs.rax = static_cast<uint64_t>(-static_cast<int64_t>(ENOSYS));
  return ptrace(PTRACE_SETREGS, pid, nullptr, &regs) == 0;
}

}  // namespace

void Tracer::on_seccomp_stop(pid_t pid, Tracee& tracee) {
  if (refuse_untraced_call(pid)) {
    resume(pid, 0);
    return;
  }
  ++stats_.seccomp_stops;
  // Off until the tree sets its clock, if it did not start on virtual time.
  const abi::VirtualTime vt = abi::read_virtual_time(page_);
  if (vt.mode == static_cast<uint32_t>(abi::VirtualTimeMode::kOn) &&
      translate_time_arguments(pid, vt, &tracee.time_fixup)) {
    ++stats_.deadlines_translated;
    ptrace(PTRACE_SYSCALL, pid, nullptr, 0);
    return;
  }
  resume(pid, 0);
}

void Tracer::on_signal_stop(pid_t pid, Tracee& tracee, int signal) {
  if (!Injector::is_stub_stop(pid, tracee.injection, signal)) {
    ++stats_.signals_delivered;
    if (restart_interrupted_clock_call(pid, virtual_time_))
      ++stats_.clock_calls_restarted;
    resume(pid, signal);
    return;
  }
  // The stub's own trap or fault: the signal is ours, not the program's.
  const bool counted = !tracee.injection.traps;
  const Result<uint64_t> image_address = injector_.finish(pid, &tracee.injection);
  if (image_address) {
    ++stats_.execs_served;
    ++stats_.execs_trapped;
    if (verbose_) {
      std::fprintf(stderr, "vdso-run: pid %d: %s: our VDSO at 0x%" PRIx64 "\n", pid,
                   executable_of(pid).c_str(), *image_address);
    }
  } else {
    if (counted)
      --stats_.execs_served;
    ++stats_.execs_not_served;
    std::fprintf(stderr, "vdso-run: warning: pid %d runs %s without our VDSO: %s\n", pid,
                 executable_of(pid).c_str(), image_address.error().message.c_str());
  }
  resume(pid, 0);
}

}  // namespace vdso::run
