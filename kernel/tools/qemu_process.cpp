#include "qemu_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "console/host_protocol.h"

namespace kernel::tools {
namespace {

using Clock = std::chrono::steady_clock;

// How long the pipes may stay open after QEMU was killed: they close when it
// dies, so this only bounds a descriptor some other process inherited.
constexpr auto kDrainAfterKill = std::chrono::seconds(2);
// Above every descriptor a launcher has open when it starts QEMU, so that
// moving the pipes onto their numbers in the child never overwrites one
// that is still to be moved.
constexpr int kChildScratchFd = 100;

// In the child: runs `args`, or says why not on stderr and exits with 127.
[[noreturn]] void exec_or_exit(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

// In the child: each pipe's write end onto its descriptors, stdin (and
// stdout unless a pipe takes it) from /dev/null.
void connect_child(const std::vector<OutputPipe>& pipes, const std::vector<int>& write_ends) {
  std::vector<int> parked;
  for (const int fd : write_ends)
    parked.push_back(fcntl(fd, F_DUPFD_CLOEXEC, kChildScratchFd));
  bool stdout_taken = false;
  for (size_t i = 0; i < pipes.size(); ++i) {
    for (const int target : pipes[i].child_fds) {
      dup2(parked[i], target);  // the copy is not close-on-exec
      stdout_taken = stdout_taken || target == STDOUT_FILENO;
    }
  }
  const int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, STDIN_FILENO);
    if (!stdout_taken)
      dup2(devnull, STDOUT_FILENO);  // QEMU's own chatter
  }
}

}  // namespace

QemuRun run_qemu(std::vector<std::string> args, std::vector<OutputPipe> pipes,
                 const RunLimits& limits) {
  QemuRun run;
  std::vector<int> read_ends, write_ends;
  auto close_all = [&] {
    for (const int fd : read_ends)
      close(fd);
    for (const int fd : write_ends)
      close(fd);
  };
  for (size_t i = 0; i < pipes.size(); ++i) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) {
      run.error = std::string("pipe: ") + std::strerror(errno);
      close_all();
      return run;
    }
    read_ends.push_back(ends[0]);
    write_ends.push_back(ends[1]);
  }

  const Clock::time_point start = Clock::now();
  const pid_t qemu = fork();
  if (qemu < 0) {
    run.error = std::string("fork: ") + std::strerror(errno);
    close_all();
    return run;
  }
  if (qemu == 0) {
    if (limits.in_child)
      limits.in_child();
    connect_child(pipes, write_ends);
    exec_or_exit(std::move(args));
  }
  for (const int fd : write_ends)
    close(fd);

  std::vector<pollfd> polled;
  for (const int fd : read_ends)
    polled.push_back({fd, POLLIN, 0});
  size_t open_pipes = polled.size();
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(limits.timeout_s > 0 ? limits.timeout_s : 0));
  bool killed = false;
  Clock::time_point killed_at;
  auto stop = [&] {
    kill(qemu, SIGKILL);
    killed = true;
    killed_at = Clock::now();
  };
  while (open_pipes > 0) {
    const Clock::time_point now = Clock::now();
    if (!killed && limits.timeout_s > 0 && now >= deadline) {
      run.timed_out = true;
      stop();
    }
    if (!killed && limits.interrupted != nullptr && *limits.interrupted != 0) {
      run.interrupted = true;
      stop();
    }
    if (killed && now - killed_at >= kDrainAfterKill)
      break;
    int wait_ms = -1;
    if (killed) {
      wait_ms = 100;
    } else if (limits.timeout_s > 0) {
      wait_ms = static_cast<int>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) +
                1;
    }
    const int ready = poll(polled.data(), polled.size(), wait_ms);
    if (ready < 0 && errno != EINTR)
      break;
    if (ready <= 0)
      continue;  // a signal, or the deadline to check again
    for (size_t i = 0; i < polled.size(); ++i) {
      if (polled[i].fd < 0 || (polled[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
        continue;
      char buffer[65536];
      const ssize_t n = read(polled[i].fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        close(polled[i].fd);
        polled[i].fd = -1;
        --open_pipes;
        continue;
      }
      if (pipes[i].on_output)
        pipes[i].on_output(std::string_view(buffer, static_cast<size_t>(n)));
    }
  }
  for (const pollfd& p : polled) {
    if (p.fd >= 0)
      close(p.fd);
  }
  if (!killed && open_pipes > 0)
    kill(qemu, SIGKILL);  // poll failed: never leave QEMU running
  while (waitpid(qemu, &run.wait_status, 0) < 0 && errno == EINTR) {
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

int init_wait_status(std::string_view line) {
  const std::string_view marker = host_protocol::kExitMarker;
  if (line.substr(0, marker.size()) != marker)
    return -1;
  return std::atoi(std::string(line.substr(marker.size())).c_str());
}

void LineSplitter::feed(std::string_view bytes) {
  for (const char c : bytes) {
    if (c == '\r')
      continue;
    if (c != '\n') {
      partial_ += c;
      continue;
    }
    on_line_(partial_);
    partial_.clear();
  }
}

void LineSplitter::finish() {
  if (partial_.empty())
    return;
  on_line_(partial_);
  partial_.clear();
}

}  // namespace kernel::tools
