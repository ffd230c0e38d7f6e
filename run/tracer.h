// The process side of vdso-run's kernel: follows every process and thread
// of the tree with ptrace (PTRACE_SEIZE, fork/vfork/clone/exec events,
// EXITKILL) and runs the exec path (Injector) at each exec.
//
// Stops, and what the tracer does at each:
//   fork/vfork/clone event   note the new task, resume
//   new task's first stop    resume
//   exec event               Injector::begin, resume into the stub, which
//                            usually starts the program itself
//   stub's SIGTRAP           (a trapping or failed stub) Injector::finish,
//                            resume the program
//   group-stop               PTRACE_LISTEN, so job control works
//   seccomp event            (virtual time only) a sleep, timer or timed
//                            wait: translate it (time_arguments.h), resume
//                            to its syscall-exit-stop, which restores it
//   any other signal         deliver it unchanged; if it interrupted an
//                            answered clock call, that call restarts
//                            (clock_calls.h)
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <unordered_map>

#include "injector.h"
#include "result.h"
#include "time_arguments.h"

namespace vdso::run {

struct TraceStats {
  uint64_t execs_served = 0;
  uint64_t execs_not_served = 0;
  uint64_t execs_trapped = 0;  // served with a second stop (stub over the entry page)
  uint64_t processes = 0;      // forks and vforks
  uint64_t threads = 0;        // clones
  uint64_t stops = 0;          // ptrace stops handled
  uint64_t signals_delivered = 0;
  uint64_t clock_calls_restarted = 0;  // interrupted while the listener answered
  uint64_t deadlines_translated = 0;   // sleeps, timers and timed waits on virtual time
  uint64_t seccomp_stops = 0;          // of which the tracer translated the above
};

class Tracer {
 public:
  // `page`: the tree's data page, whose virtual time (on from the start,
  // or once the tree sets its clock) the sleeps and timers are translated
  // with; it must outlive the tracer. `virtual_time`: whether virtual time
  // is on from the start (the filter's shape).
  Tracer(Injector& injector, bool verbose, const abi::DataPage& page, bool virtual_time)
      : injector_(injector), verbose_(verbose), page_(page), virtual_time_(virtual_time) {}

  // Seizes the first process of the tree (still waiting to exec).
  Result<void> seize(pid_t pid);

  // Runs until no process of the tree is left. Returns the first process's
  // wait status.
  int run();

  const TraceStats& stats() const { return stats_; }

  // Called from the loop when a report was asked for (SIGUSR1).
  void set_reporter(std::function<void()> reporter) { reporter_ = std::move(reporter); }

 private:
  struct Tracee {
    Injection injection;
    TimeFixup time_fixup;  // a translated sleep, timer or wait awaiting its exit
  };

  void on_exec(pid_t pid, Tracee& tracee);
  void on_signal_stop(pid_t pid, Tracee& tracee, int signal);
  void on_seccomp_stop(pid_t pid, Tracee& tracee);
  void handle_interruption();
  void follow_job_stop(int signal);
  void end_tree_after_termination();
  void kill_tree_after_grace();

  Injector& injector_;
  const bool verbose_;
  const abi::DataPage& page_;
  const bool virtual_time_;
  pid_t first_ = -1;
  int first_status_ = 0;
  std::unordered_map<pid_t, Tracee> tracees_;
  TraceStats stats_;
  std::function<void()> reporter_;
  bool ending_tree_ = false;  // the rest of the tree was sent the terminating signal
  bool killed_tree_ = false;  // and, after the grace, SIGKILL
};

// Called from the supervisor's handlers for SIGINT, SIGTERM and SIGHUP:
// sends the signal to the first process while it lives, else to every
// process left in the tree. Once the first process has ended, the rest of
// the tree gets the signal too, and after a grace of 2 s whatever is left
// is killed (Tracer::run). Async-signal-safe.
void forward_signal_to_tree(int signal);

// Called from the supervisor's handler for SIGUSR1: the loop prints the
// live statistics and page. Async-signal-safe.
void request_report(int signal);

// Called from the supervisor's handlers for SIGTSTP, SIGTTIN, SIGTTOU and
// SIGCONT: vdso-run stops with its job once the first program has stopped
// (see Tracer::follow_job_stop). Async-signal-safe.
void note_job_control_signal(int signal);

}  // namespace vdso::run
