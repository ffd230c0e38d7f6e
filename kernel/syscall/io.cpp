// File descriptors: reading, writing and duplicating them, whatever they
// are (the serial console: fds 0, 1 and 2 of the first process, a terminal:
// TCGETS answers, so libc line-buffers stdout; pipes; files of the tree and
// /proc, which syscall/fs.cpp opens), and epoll over them. Shared across
// fork, closed on exec when marked so. Blocking reads and writes wait in
// kWaiting and retry when a pipe changes; a signal cuts them short (EINTR).
#include "fs/epoll.h"
#include "fs/file.h"
#include "mm/layout.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "syscall/descriptors.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr uint64_t kMaxIovecs = 1024;  // IOV_MAX
constexpr uint64_t kTcgets = 0x5401, kTiocgwinsz = 0x5413, kTiocgpgrp = 0x540f;
constexpr size_t kChunkBytes = fs::kPipeBytes;  // a PIPE_BUF write moves in one piece

// Blocks the caller until something changes (a pipe, a child, a signal).
// False if a signal is pending: the caller returns EINTR.
bool wait_for_change() {
  proc::Thread& self = proc::current_thread();
  if (proc::has_deliverable_signal(self))
    return false;
  self.state = proc::State::kWaiting;
  sched::schedule();
  return !proc::has_deliverable_signal(self);
}

int64_t read_file(fs::File& file, uint64_t buffer, uint64_t count) {
  uint8_t chunk[kChunkBytes];
  uint64_t done = 0;
  while (done < count) {
    const uint64_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
    if (fs::is_seekable(file)) {
      // A file keeps its bytes: as Linux's, the read counts what reached
      // the process before a fault, and the offset moves by that much.
      const int64_t r = fs::read(file, chunk, n);
      if (r <= 0)
        return done > 0 ? static_cast<int64_t>(done) : r;
      const size_t copied =
          proc::copy_to_user_partial(buffer + done, chunk, static_cast<size_t>(r));
      file.offset -= static_cast<uint64_t>(r) - copied;
      done += copied;
      if (copied < static_cast<size_t>(r))
        return done > 0 ? static_cast<int64_t>(done) : -abi::kEFAULT;
      if (static_cast<uint64_t>(r) < n)
        break;
      continue;
    }
    // Check the destination before taking bytes out of a pipe: a failed
    // copy would lose them.
    if (!proc::user_writable(buffer + done, n))
      return done > 0 ? static_cast<int64_t>(done) : -abi::kEFAULT;
    const int64_t r = fs::read(file, chunk, n);
    if (r == -abi::kEAGAIN) {
      if (done > 0)
        break;
      if (file.status_flags & fs::kOpenNonblock)
        return -abi::kEAGAIN;
      if (!wait_for_change())
        return -abi::kERESTARTSYS;  // nothing read yet: SA_RESTART resumes it
      continue;
    }
    if (r <= 0)
      return done > 0 ? static_cast<int64_t>(done) : r;
    proc::copy_to_user(buffer + done, chunk, static_cast<size_t>(r));
    done += static_cast<uint64_t>(r);
    if (static_cast<uint64_t>(r) < n)
      break;  // what there was: do not wait for more
  }
  return static_cast<int64_t>(done);
}

int64_t write_file(fs::File& file, uint64_t buffer, uint64_t count) {
  uint8_t chunk[kChunkBytes];
  uint64_t done = 0;
  while (done < count) {
    uint64_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
    // A file takes the bytes that could be read before a fault (Linux's
    // short write); a pipe takes all or, on a fault, none.
    const size_t copied = fs::is_seekable(file)
                              ? proc::copy_from_user_partial(chunk, buffer + done, n)
                              : (proc::copy_from_user(chunk, buffer + done, n) == 0 ? n : 0);
    if (copied == 0)
      return done > 0 ? static_cast<int64_t>(done) : -abi::kEFAULT;
    const bool faulted = copied < n;
    n = copied;
    uint64_t written = 0;
    while (written < n) {
      const int64_t r = fs::write(file, chunk + written, n - written);
      const uint64_t so_far = done + written;
      if (r == -abi::kEAGAIN) {
        if (file.status_flags & fs::kOpenNonblock)
          return so_far > 0 ? static_cast<int64_t>(so_far) : -abi::kEAGAIN;
        if (!wait_for_change())
          return so_far > 0 ? static_cast<int64_t>(so_far) : -abi::kERESTARTSYS;
        continue;
      }
      if (r == -abi::kEPIPE) {
        proc::send_thread_signal(proc::current_thread(), proc::kSigPipe);
        return so_far > 0 ? static_cast<int64_t>(so_far) : -abi::kEPIPE;
      }
      if (r < 0)
        return so_far > 0 ? static_cast<int64_t>(so_far) : r;
      written += static_cast<uint64_t>(r);
    }
    done += n;
    if (faulted)
      break;
  }
  return static_cast<int64_t>(done);
}

struct Iovec {
  uint64_t base;
  uint64_t length;
};

}  // namespace

fs::File* file_of(uint64_t fd) {
  return fd < proc::kMaxFds ? proc::current().files[fd] : nullptr;
}

int lowest_free_fd(int from) {
  const proc::Process& p = proc::current();
  for (int fd = from; fd < proc::kMaxFds; ++fd) {
    if (p.files[fd] == nullptr)
      return fd;
  }
  return -abi::kEMFILE;
}

void install(int fd, fs::File* file, bool cloexec) {
  proc::Process& p = proc::current();
  if (p.files[fd] != nullptr)
    fs::release(p.files[fd]);
  p.files[fd] = file;
  p.close_on_exec = cloexec ? p.close_on_exec | (1u << fd) : p.close_on_exec & ~(1u << fd);
}

int64_t sys_read(Frame& f) {
  fs::File* file = file_of(arg0(f));
  return file != nullptr ? read_file(*file, arg1(f), arg2(f)) : -abi::kEBADF;
}

int64_t sys_write(Frame& f) {
  fs::File* file = file_of(arg0(f));
  return file != nullptr ? write_file(*file, arg1(f), arg2(f)) : -abi::kEBADF;
}

namespace {

// readv and writev: one transfer per iovec; a short one ends the call.
template <bool kWrite>
int64_t vector_io(Frame& f) {
  fs::File* file = file_of(arg0(f));
  const uint64_t iov = arg1(f), count = arg2(f);
  if (file == nullptr)
    return -abi::kEBADF;
  if (count > kMaxIovecs)
    return -abi::kEINVAL;
  int64_t total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    Iovec v;
    if (proc::read_user(iov + i * sizeof(Iovec), v) != 0)
      return total == 0 ? -abi::kEFAULT : total;
    if (v.length == 0)
      continue;
    const int64_t n =
        kWrite ? write_file(*file, v.base, v.length) : read_file(*file, v.base, v.length);
    if (n < 0)
      return total == 0 ? n : total;
    total += n;
    if (static_cast<uint64_t>(n) < v.length)
      break;
  }
  return total;
}

}  // namespace

int64_t sys_writev(Frame& f) {
  return vector_io<true>(f);
}

int64_t sys_readv(Frame& f) {
  return vector_io<false>(f);
}

int64_t sys_close(Frame& f) {
  const uint64_t fd = arg0(f);
  if (file_of(fd) == nullptr)
    return -abi::kEBADF;
  install(static_cast<int>(fd), nullptr, false);
  return 0;
}

int64_t sys_pipe2(Frame& f) {
  const uint64_t flags = arg1(f);
  if (flags & ~uint64_t{fs::kOpenNonblock | fs::kOpenCloexec})
    return -abi::kEINVAL;
  const int read_fd = lowest_free_fd(0);
  const int write_fd = read_fd < 0 ? read_fd : lowest_free_fd(read_fd + 1);
  if (write_fd < 0)
    return -abi::kEMFILE;
  if (!proc::user_writable(arg0(f), 2 * sizeof(int32_t)))
    return -abi::kEFAULT;
  fs::File *read_end, *write_end;
  if (!fs::open_pipe(read_end, write_end))
    return -abi::kENFILE;
  read_end->status_flags = write_end->status_flags =
      static_cast<uint32_t>(flags & fs::kOpenNonblock);
  install(read_fd, read_end, flags & fs::kOpenCloexec);
  install(write_fd, write_end, flags & fs::kOpenCloexec);
  const int32_t fds[2] = {read_fd, write_fd};
  proc::write_user(arg0(f), fds);
  return 0;
}

int64_t sys_pipe(Frame& f) {
  f.rsi = 0;  // pipe(fds) is pipe2(fds, 0)
  return sys_pipe2(f);
}

int64_t sys_dup(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  const int fd = lowest_free_fd(0);
  if (fd >= 0)
    install(fd, fs::retain(file), false);
  return fd;
}

int64_t sys_dup3(Frame& f) {
  const uint64_t old_fd = arg0(f), new_fd = arg1(f), flags = arg2(f);
  fs::File* file = file_of(old_fd);
  if (file == nullptr || new_fd >= proc::kMaxFds)
    return -abi::kEBADF;
  if (old_fd == new_fd || (flags & ~uint64_t{fs::kOpenCloexec}))
    return -abi::kEINVAL;
  install(static_cast<int>(new_fd), fs::retain(file), flags & fs::kOpenCloexec);
  return static_cast<int64_t>(new_fd);
}

int64_t sys_dup2(Frame& f) {
  if (arg0(f) == arg1(f))
    return file_of(arg0(f)) != nullptr ? static_cast<int64_t>(arg1(f)) : -abi::kEBADF;
  f.rdx = 0;  // dup2 is dup3 without flags
  return sys_dup3(f);
}

int64_t sys_fcntl(Frame& f) {
  constexpr uint64_t kDupFd = 0, kGetFd = 1, kSetFd = 2, kGetFl = 3, kSetFl = 4,
                     kDupFdCloexec = 1030;
  constexpr uint64_t kFdCloexec = 1;
  const uint64_t fd = arg0(f), argument = arg2(f);
  fs::File* file = file_of(fd);
  if (file == nullptr)
    return -abi::kEBADF;
  proc::Process& p = proc::current();
  switch (arg1(f)) {
    case kDupFd:
    case kDupFdCloexec: {
      if (argument >= proc::kMaxFds)
        return -abi::kEINVAL;
      const int new_fd = lowest_free_fd(static_cast<int>(argument));
      if (new_fd >= 0)
        install(new_fd, fs::retain(file), arg1(f) == kDupFdCloexec);
      return new_fd;
    }
    case kGetFd: return (p.close_on_exec >> fd) & 1 ? kFdCloexec : 0;
    case kSetFd:
      p.close_on_exec =
          (argument & kFdCloexec) ? p.close_on_exec | (1u << fd) : p.close_on_exec & ~(1u << fd);
      return 0;
    case kGetFl: return fs::access_mode(*file) | (file->status_flags & ~fs::kOpenAccessMask);
    case kSetFl:
      file->status_flags = (file->status_flags & fs::kOpenAccessMask) |
                           static_cast<uint32_t>(argument & (fs::kOpenNonblock | fs::kOpenAppend));
      return 0;
    default: return -abi::kEINVAL;
  }
}

int64_t sys_ioctl(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (!fs::is_console(*file))
    return -abi::kENOTTY;
  switch (arg1(f)) {
    case kTcgets: {
      // struct termios (asm-generic/termbits.h): a raw-ish 115200 serial
      // line with the usual output processing.
      struct {
        uint32_t iflag, oflag, cflag, lflag;
        uint8_t line;
        uint8_t cc[19];
      } termios{};
      static_assert(sizeof(termios) == 36);
      termios.iflag = 0x500;                 // ICRNL | IXON
      termios.oflag = 0x5;                   // OPOST | ONLCR
      termios.cflag = 0x1002 | 0x30 | 0x80;  // B115200 | CS8 | CREAD
      termios.lflag = 0x8a3b;                // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
      return proc::write_user(arg2(f), termios) == 0 ? 0 : -abi::kEFAULT;
    }
    case kTiocgwinsz: {
      const uint16_t winsize[4] = {24, 80, 0, 0};
      return proc::write_user(arg2(f), winsize) == 0 ? 0 : -abi::kEFAULT;
    }
    case kTiocgpgrp: {
      const int32_t group = 1;
      return proc::write_user(arg2(f), group) == 0 ? 0 : -abi::kEFAULT;
    }
    default: return -abi::kENOTTY;
  }
}

}  // namespace kernel::syscall

// epoll (fs/epoll.h): the Go runtime's poller, among others.
namespace kernel::syscall {
namespace {

constexpr int kMaxEpollEventsPerCall = 64;

int64_t create_epoll(bool cloexec) {
  const int fd = lowest_free_fd(0);
  if (fd < 0)
    return fd;
  fs::File* file = fs::open_epoll();
  if (file == nullptr)
    return -abi::kENFILE;
  install(fd, file, cloexec);
  return fd;
}

// How many of the `capacity` events at `events` the process may write now:
// the writable pages from the start, probed a page at a time (an event
// that straddles a page it may not write does not count).
int writable_events(uint64_t events, int capacity) {
  const uint64_t end = events + static_cast<uint64_t>(capacity) * sizeof(fs::EpollEvent);
  uint64_t writable_end = events;
  while (writable_end < end) {
    const uint64_t page_end = (writable_end & ~(layout::kPageSize - 1)) + layout::kPageSize;
    const uint64_t probe_end = page_end < end ? page_end : end;
    if (!proc::user_writable(writable_end, probe_end - writable_end))
      break;
    writable_end = probe_end;
  }
  return static_cast<int>((writable_end - events) / sizeof(fs::EpollEvent));
}

// epoll_wait and epoll_pwait (its mask in place around it): level-triggered readiness
// now, else a wait in kWaiting until a pipe changes, a signal, or the
// timeout in milliseconds (-1: none) on the page's MONOTONIC.
int64_t wait_epoll(uint64_t epfd, uint64_t events, int max_events, int timeout_ms) {
  fs::File* epoll = file_of(epfd);
  if (epoll == nullptr)
    return -abi::kEBADF;
  if (epoll->kind != fs::File::Kind::kEpoll || max_events <= 0)
    return -abi::kEINVAL;
  const int capacity = max_events < kMaxEpollEventsPerCall ? max_events : kMaxEpollEventsPerCall;
  // As Linux: the whole array must lie in the user half, but only the
  // events that come are stored, so only their room must be writable.
  if (!proc::user_range_ok(events, static_cast<uint64_t>(max_events) * sizeof(fs::EpollEvent)))
    return -abi::kEFAULT;
  const int64_t deadline_ns =
      timeout_ms < 0 ? 0 : tick::monotonic_ns() + int64_t{timeout_ms} * 1'000'000;
  proc::Thread& self = proc::current_thread();
  fs::EpollEvent ready[kMaxEpollEventsPerCall];
  for (;;) {
    // Collecting consumes events (edge-triggered, one-shot): collect no
    // more than the leading slots the process may write, so that the copy
    // cannot fail (nothing else runs kernel code meanwhile). With no room
    // at all, a ready event is Linux's EFAULT.
    const int room = writable_events(events, capacity);
    if (room == 0 && fs::epoll_any_ready(*epoll))
      return -abi::kEFAULT;
    const int count = room == 0 ? 0 : fs::epoll_collect(*epoll, ready, room);
    if (count > 0) {
      if (proc::copy_to_user(events, ready, count * sizeof(fs::EpollEvent)) != 0)
        return -abi::kEFAULT;
      return count;
    }
    if (timeout_ms == 0 || (timeout_ms > 0 && tick::monotonic_ns() >= deadline_ns))
      return 0;
    if (proc::has_deliverable_signal(self))
      return -abi::kEINTR;  // as Linux: never restarted
    self.wake_at_ns = deadline_ns;
    self.state = proc::State::kWaiting;
    sched::schedule();
  }
}

}  // namespace

int64_t sys_epoll_create(Frame& f) {
  if (static_cast<int32_t>(arg0(f)) <= 0)
    return -abi::kEINVAL;
  return create_epoll(false);
}

int64_t sys_epoll_create1(Frame& f) {
  if (arg0(f) & ~uint64_t{fs::kOpenCloexec})
    return -abi::kEINVAL;
  return create_epoll(arg0(f) & fs::kOpenCloexec);
}

int64_t sys_epoll_ctl(Frame& f) {
  fs::File* epoll = file_of(arg0(f));
  const int operation = static_cast<int>(arg1(f));
  fs::File* target = file_of(arg2(f));
  if (epoll == nullptr || target == nullptr)
    return -abi::kEBADF;
  if (epoll->kind != fs::File::Kind::kEpoll)
    return -abi::kEINVAL;
  fs::EpollEvent event{};
  if (operation != fs::kEpollCtlDel && proc::read_user(arg3(f), event) != 0)
    return -abi::kEFAULT;
  return fs::epoll_control(*epoll, operation, static_cast<int>(arg2(f)), *target, event);
}

int64_t sys_epoll_wait(Frame& f) {
  return wait_epoll(arg0(f), arg1(f), static_cast<int32_t>(arg2(f)), static_cast<int32_t>(arg3(f)));
}

int64_t sys_epoll_pwait(Frame& f) {
  return proc::wait_with_signal_mask(arg4(f), arg5(f), [&] {
    return wait_epoll(arg0(f), arg1(f), static_cast<int32_t>(arg2(f)),
                      static_cast<int32_t>(arg3(f)));
  });
}

}  // namespace kernel::syscall
