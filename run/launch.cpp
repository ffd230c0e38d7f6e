#include "launch.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "seccomp_filter.h"

extern char** environ;

namespace vdso::run {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
constexpr const char* kShell = "/bin/sh";

// As bash decides: a file whose first line (up to 80 bytes) holds a NUL is
// a binary, not a script for the shell.
bool looks_like_script(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char head[80];
  const ssize_t n = read(fd, head, sizeof(head));
  close(fd);
  if (n < 0)
    return false;
  for (ssize_t i = 0; i < n && head[i] != '\n'; ++i) {
    if (head[i] == '\0')
      return false;
  }
  return true;
}

// execve, and for ENOEXEC on a text file, the shell with the file (POSIX
// execvp). Returns only on failure, with errno set.
void exec_file(const char* path, char* const argv[]) {
  execve(path, argv, environ);
  if (errno != ENOEXEC || !looks_like_script(path))
    return;
  std::vector<char*> shell_argv{const_cast<char*>(kShell), const_cast<char*>(path)};
  for (size_t i = 1; argv[i] != nullptr; ++i)
    shell_argv.push_back(argv[i]);
  shell_argv.push_back(nullptr);
  execve(kShell, shell_argv.data(), environ);
  errno = ENOEXEC;
}

[[noreturn]] void fail(const char* program, const char* reason, int status) {
  std::fprintf(stderr, "vdso-run: %s: %s\n", program, reason);
  _exit(status);
}

[[noreturn]] void fail_errno(const char* program, const char* path, int error) {
  if (error == ENOENT)
    fail(program, "No such file or directory", kExitNotFound);
  struct stat st;
  if (error == EACCES && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    fail(program, "Is a directory", kExitCannotRun);
  }
  if (error == ENOEXEC) {
    fail(program, "cannot execute binary file: Exec format error", kExitCannotRun);
  }
  fail(program, strerror(error), kExitCannotRun);
}

[[noreturn]] void exec_program(char* const argv[]) {
  const char* program = argv[0];
  if (program[0] == '\0')
    fail("''", "No such file or directory", kExitNotFound);
  if (std::strchr(program, '/') != nullptr) {
    exec_file(program, argv);
    fail_errno(program, program, errno);
  }
  const char* path = std::getenv("PATH");
  if (path == nullptr)
    path = kDefaultPath;
  int denied = 0;  // the first "found but cannot run" error, if any
  std::string denied_path;
  for (const char* dir = path;; ++dir) {
    const char* end = std::strchr(dir, ':');
    const std::string prefix = end ? std::string(dir, end) : std::string(dir);
    const std::string candidate = (prefix.empty() ? "." : prefix) + "/" + program;
    exec_file(candidate.c_str(), argv);
    if (errno != ENOENT && errno != ENOTDIR && denied == 0) {
      denied = errno;
      denied_path = candidate;
    }
    if (end == nullptr)
      break;
    dir = end;
  }
  if (denied != 0)
    fail_errno(program, denied_path.c_str(), denied);
  fail(program, "command not found", kExitNotFound);
}

// The tree must not reach the supervisor's memory through ptrace or
// /proc/PID/mem: the supervisor is not dumpable, and without
// CAP_SYS_PTRACE (gone from the bounding set, so no exec gives it back) no
// process may override that. Without privilege there is nothing to drop.
void drop_ptrace_capability() {
  prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0);
}

}  // namespace

Result<pid_t> Launch::fork_child(char* const argv[], const std::vector<sock_filter>& reach_filter) {
  int go_pipe[2];
  if (pipe2(go_pipe, O_CLOEXEC) != 0)
    return Error::from_errno("cannot fork");
  const pid_t pid = fork();
  if (pid < 0)
    return Error::from_errno("cannot fork");
  if (pid == 0) {
    close(go_pipe[1]);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Our handlers end at exec; what was ignored when we started stays so.
    char byte;
    // EOF instead of a byte: the supervisor died before seizing us.
    if (read(go_pipe[0], &byte, 1) != 1)
      _exit(kExitOwnError);
    drop_ptrace_capability();
    if (const Result<void> installed = install_reach_filter(reach_filter); !installed) {
      dprintf(STDERR_FILENO, "vdso-run: %s\n", installed.error().message.c_str());
      _exit(kExitOwnError);
    }
    exec_program(argv);
  }
  close(go_pipe[0]);
  go_pipe_write_ = go_pipe[1];
  return pid;
}

void Launch::go() {
  const char byte = 1;
  if (write(go_pipe_write_, &byte, 1) != 1) {
    // The child sees EOF and exits with our error status.
  }
  close(go_pipe_write_);
  go_pipe_write_ = -1;
}

}  // namespace vdso::run
