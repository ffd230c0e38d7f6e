// Starting PROGRAM: the first process of the tree, traced before it execs.
//
// The child waits until the supervisor has seized it (so its exec is the
// first event), drops CAP_SYS_PTRACE from its bounding set (so no process of
// the tree can reach into the supervisor's memory, where the only writable
// mapping of the data page lives) and execs PROGRAM with the conventions of
// env(1) and the shell: a PATH search for a name without a slash, a script
// without "#!" run by /bin/sh, and exit status 127 (not found) or 126
// (found, cannot run) with a message naming the program and the reason.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <vector>

#include "result.h"

namespace vdso::run {

// Exit statuses of vdso-run that are not the program's own.
inline constexpr int kExitOwnError = 125;
inline constexpr int kExitCannotRun = 126;
inline constexpr int kExitNotFound = 127;

class Launch {
 public:
  // Forks the child, which waits for go(), then installs `reach_filter`
  // (seccomp_filter.h: the supervisor out of the tree's reach) and execs.
  // The child's pid.
  Result<pid_t> fork_child(char* const argv[], const std::vector<sock_filter>& reach_filter);
  // Lets the child exec (after PTRACE_SEIZE).
  void go();

 private:
  int go_pipe_write_ = -1;
};

}  // namespace vdso::run
