// I/O on the serial console, the only device: fds 0, 1 and 2 are open on
// it from the start (a terminal: TCGETS answers, so libc line-buffers
// stdout). FIXME: no open(): the initramfs is reachable only by execve.
#include "console/user_console.h"
#include "fs/initramfs.h"
#include "lib/errno.h"
#include "proc/process.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"

namespace kernel::syscall {
namespace {

constexpr int kConsoleFds = 3;
constexpr uint64_t kMaxIovecs = 1024;  // IOV_MAX
constexpr uint64_t kTcgets = 0x5401, kTiocgwinsz = 0x5413, kTiocgpgrp = 0x540f;
constexpr uint64_t kAtEmptyPath = 0x1000;
constexpr int kAtFdCwd = -100;

bool is_console(uint64_t fd) {
  return fd < kConsoleFds;
}

// Writes user bytes to the console; returns bytes written or -EFAULT if
// none could be.
int64_t write_console(int fd, uint64_t buffer, uint64_t count) {
  uint8_t chunk[256];
  uint64_t done = 0;
  while (done < count) {
    const uint64_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
    if (proc::copy_from_user(chunk, buffer + done, n) != 0)
      return done == 0 ? -kEFAULT : static_cast<int64_t>(done);
    user_console::write(fd, chunk, n);
    done += n;
  }
  return static_cast<int64_t>(done);
}

struct Iovec {
  uint64_t base;
  uint64_t length;
};

// struct stat on x86_64 (arch/x86/include/uapi/asm/stat.h).
struct Stat {
  uint64_t dev, ino, nlink;
  uint32_t mode, uid, gid, pad0;
  uint64_t rdev;
  int64_t size, blksize, blocks;
  int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
  int64_t reserved[3];
};
static_assert(sizeof(Stat) == 144);

Stat console_stat() {
  Stat st{};
  st.dev = 5;
  st.ino = 1;
  st.nlink = 1;
  st.mode = 0020620;        // S_IFCHR | rw--w----
  st.rdev = (4 << 8) | 64;  // ttyS0
  st.blksize = 1024;
  return st;
}

}  // namespace

int64_t sys_read(Frame& f) {
  if (!is_console(arg0(f)))
    return -kEBADF;
  // FIXME: no console input driver: stdin reads as end of file.
  (void)f;
  return 0;
}

int64_t sys_write(Frame& f) {
  if (!is_console(arg0(f)))
    return -kEBADF;
  return write_console(static_cast<int>(arg0(f)), arg1(f), arg2(f));
}

int64_t sys_writev(Frame& f) {
  const uint64_t fd = arg0(f), iov = arg1(f), count = arg2(f);
  if (!is_console(fd))
    return -kEBADF;
  if (count > kMaxIovecs)
    return -kEINVAL;
  int64_t total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    Iovec v;
    if (proc::read_user(iov + i * sizeof(Iovec), v) != 0)
      return total == 0 ? -kEFAULT : total;
    if (v.length == 0)
      continue;
    const int64_t n = write_console(static_cast<int>(fd), v.base, v.length);
    if (n < 0)
      return total == 0 ? n : total;
    total += n;
    if (static_cast<uint64_t>(n) < v.length)
      break;
  }
  return total;
}

int64_t sys_readv(Frame& f) {
  if (!is_console(arg0(f)))
    return -kEBADF;
  return 0;  // end of file, as read
}

int64_t sys_close(Frame& f) {
  // FIXME: the console fds stay open (there is nothing to release).
  return is_console(arg0(f)) ? 0 : -kEBADF;
}

int64_t sys_lseek(Frame& f) {
  return is_console(arg0(f)) ? -kESPIPE : -kEBADF;
}

int64_t sys_fcntl(Frame& f) {
  constexpr uint64_t kGetFd = 1, kSetFd = 2, kGetFl = 3;
  constexpr int64_t kOReadWrite = 2;
  if (!is_console(arg0(f)))
    return -kEBADF;
  switch (arg1(f)) {
    case kGetFd: return 0;
    case kSetFd: return 0;
    case kGetFl: return kOReadWrite;
    default: return -kEINVAL;
  }
}

int64_t sys_ioctl(Frame& f) {
  if (!is_console(arg0(f)))
    return -kEBADF;
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
      return proc::write_user(arg2(f), termios) == 0 ? 0 : -kEFAULT;
    }
    case kTiocgwinsz: {
      const uint16_t winsize[4] = {24, 80, 0, 0};
      return proc::write_user(arg2(f), winsize) == 0 ? 0 : -kEFAULT;
    }
    case kTiocgpgrp: {
      const int32_t group = 1;
      return proc::write_user(arg2(f), group) == 0 ? 0 : -kEFAULT;
    }
    default: return -kENOTTY;
  }
}

int64_t sys_fstat(Frame& f) {
  if (!is_console(arg0(f)))
    return -kEBADF;
  return proc::write_user(arg1(f), console_stat()) == 0 ? 0 : -kEFAULT;
}

int64_t sys_newfstatat(Frame& f) {
  const int dirfd = static_cast<int>(arg0(f));
  char path[256];
  const int64_t length = proc::copy_string_from_user(path, sizeof(path), arg1(f));
  if (length < 0)
    return length;
  if (length == 0) {
    if ((arg3(f) & kAtEmptyPath) == 0)
      return -kENOENT;
    if (!is_console(static_cast<uint64_t>(dirfd)))
      return -kEBADF;
    return proc::write_user(arg2(f), console_stat()) == 0 ? 0 : -kEFAULT;
  }
  if (path[0] != '/' && dirfd != kAtFdCwd)
    return -kEBADF;
  initramfs::File file;
  if (!initramfs::find(path, file))
    return -kENOENT;
  Stat st{};
  st.dev = 1;
  st.nlink = 1;
  st.mode = file.mode;
  st.size = static_cast<int64_t>(file.size);
  st.blksize = 4096;
  st.blocks = static_cast<int64_t>((file.size + 511) / 512);
  return proc::write_user(arg2(f), st) == 0 ? 0 : -kEFAULT;
}

int64_t sys_readlink(Frame&) {
  return -kENOENT;  // no symbolic links (and no /proc)
}

int64_t sys_readlinkat(Frame&) {
  return -kENOENT;
}

int64_t sys_getcwd(Frame& f) {
  static constexpr char kRoot[] = "/";
  if (arg1(f) < sizeof(kRoot))
    return -kERANGE;
  return proc::copy_to_user(arg0(f), kRoot, sizeof(kRoot)) == 0
             ? static_cast<int64_t>(sizeof(kRoot))
             : -kEFAULT;
}

}  // namespace kernel::syscall
