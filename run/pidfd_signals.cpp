// Which process a descriptor of the tree names: see pidfd_signals.h.
#include "pidfd_signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vdso::run {
namespace {

// The pid in the "Pid:" line of fdinfo `fdinfo` (a pidfd's; in the
// namespace of our /proc), 0 without one (not a pidfd, or its process
// gone: "Pid: -1").
long pidfd_pid(int fdinfo) {
  char text[1024];
  const ssize_t size = read(fdinfo, text, sizeof(text) - 1);
  if (size <= 0)
    return 0;
  text[size] = '\0';
  const char* line = std::strstr(text, "\nPid:");
  if (line == nullptr)
    return 0;
  const long pid = std::strtol(line + 5, nullptr, 10);
  return pid > 0 ? pid : 0;
}

// The N of a /proc/N directory descriptor (its link, as the caller sees
// it), 0 for anything else.
long proc_directory_pid(pid_t caller, int fd) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/fd/%d", caller, fd);
  char link[64];
  const ssize_t size = readlink(path, link, sizeof(link) - 1);
  if (size <= 0)
    return 0;
  link[size] = '\0';
  char* end = nullptr;
  if (std::strncmp(link, "/proc/", 6) != 0)
    return 0;
  const long pid = std::strtol(link + 6, &end, 10);
  return *end == '\0' && pid > 0 ? pid : 0;
}

}  // namespace

bool names_supervisor(long id) {
  if (id <= 0)
    return false;
  if (id == getpid())
    return true;
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/self/task/%ld", id);
  return access(path, F_OK) == 0;
}

Result<long> process_named_by(pid_t caller, uint64_t fd,
                              const std::function<bool()>& still_waiting) {
  if (fd > 0x7fff'ffff)
    return 0;  // not a descriptor: the host says EBADF
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", caller, static_cast<int>(fd));
  const int fdinfo = open(path, O_RDONLY | O_CLOEXEC);
  if (fdinfo < 0) {
    // EACCES: a caller we may not read (non-dumpable, and we unprivileged).
    // ENOENT: no such descriptor (the host says EBADF) or the caller gone.
    if (errno == EACCES || errno == EPERM)
      return Error::from_errno(path);
    return 0;
  }
  long named = 0;
  if (still_waiting()) {
    named = pidfd_pid(fdinfo);
    if (named == 0)
      named = proc_directory_pid(caller, static_cast<int>(fd));
  }
  close(fdinfo);
  return named;
}

}  // namespace vdso::run
