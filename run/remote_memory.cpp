#include "remote_memory.h"

#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

namespace vdso::run {
namespace {

// "cannot read 16 bytes at 0x7ffd1000 of pid 42: Bad address"
Error remote_error(const char* verb, pid_t pid, uint64_t address, size_t size, int errno_value) {
  char what[128];
  std::snprintf(what, sizeof(what), "cannot %s %zu bytes at 0x%" PRIx64 " of pid %d", verb, size,
                address, pid);
  return Error::from_errno(what, errno_value);
}

}  // namespace

Result<size_t> read_some_from_process(pid_t pid, uint64_t address, void* buffer, size_t size) {
  iovec local{buffer, size};
  iovec remote{reinterpret_cast<void*>(address), size};
  const ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (n < 0)
    return remote_error("read", pid, address, size, errno);
  return static_cast<size_t>(n);
}

Result<void> read_from_process(pid_t pid, uint64_t address, void* buffer, size_t size) {
  const Result<size_t> got = read_some_from_process(pid, address, buffer, size);
  if (!got)
    return got.error();
  if (*got != size)
    return remote_error("read", pid, address, size, EFAULT);
  return {};
}

Result<void> write_to_process(pid_t tid, uint64_t address, const void* bytes, size_t size) {
  iovec local{const_cast<void*>(bytes), size};
  iovec remote{reinterpret_cast<void*>(address), size};
  const ssize_t written = process_vm_writev(tid, &local, 1, &remote, 1, 0);
  if (written == static_cast<ssize_t>(size))
    return {};
  // A short write crossed into a page that cannot be written: the kernel's
  // copy_to_user fails the same way, having written the first part.
  return remote_error("write", tid, address, size, written >= 0 ? EFAULT : errno);
}

Result<void> TextWriter::write(pid_t pid, uint64_t address, const void* bytes, size_t size) {
  if (proc_mem_writes_) {
    const std::string path = "/proc/" + std::to_string(pid) + "/mem";
    const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      const ssize_t n = pwrite(fd, bytes, size, static_cast<off_t>(address));
      close(fd);
      if (n == static_cast<ssize_t>(size))
        return {};
    }
    proc_mem_writes_ = false;  // disabled on this kernel: poke from now on
  }
  const auto* source = static_cast<const uint8_t*>(bytes);
  for (size_t offset = 0; offset < size; offset += 8) {
    uint64_t word = 0;
    if (size - offset < 8) {  // keep the bytes past the end
      errno = 0;
      word = static_cast<uint64_t>(ptrace(PTRACE_PEEKTEXT, pid, address + offset, nullptr));
      if (errno != 0)
        return remote_error("write", pid, address, size, errno);
    }
    std::memcpy(&word, source + offset, std::min<size_t>(8, size - offset));
    if (ptrace(PTRACE_POKETEXT, pid, address + offset, word) != 0)
      return remote_error("write", pid, address, size, errno);
  }
  return {};
}

}  // namespace vdso::run
