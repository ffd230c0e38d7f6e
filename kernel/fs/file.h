// Open files: what a process's file descriptors point to. The serial
// console (stdin reads as end of file; stdout and stderr are the user
// console's two streams), the ends of a pipe, epoll instances, and what a
// path names: a node of the file tree (fs/tree.h) or an entry of /proc
// (fs/procfs.h); and timerfds (a read answers the expirations since the
// last one, 8 bytes).
// Files and pipes come from static pools and are reference counted: fork
// and dup share a File (and its offset), its last close releases it.
//
// Locking: files_lock() protects the pools (allocation, reference counts);
// a File's offset and contents are its holders' (one CPU runs a process).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/procfs.h"
#include "fs/tree.h"
#include "lib/spinlock.h"

namespace kernel::fs {

// open(2)'s flags (asm-generic/fcntl.h).
inline constexpr uint32_t kOpenAccessMask = 3;  // O_RDONLY 0, O_WRONLY 1, O_RDWR 2
inline constexpr uint32_t kOpenWriteOnly = 1, kOpenReadWrite = 2;
inline constexpr uint32_t kOpenCreate = 0x40, kOpenExclusive = 0x80, kOpenNoCtty = 0x100,
                          kOpenTruncate = 0x200, kOpenAppend = 0x400;
inline constexpr uint32_t kOpenNonblock = 0x800;      // O_NONBLOCK
inline constexpr uint32_t kOpenDirectory = 0x1'0000;  // O_DIRECTORY
inline constexpr uint32_t kOpenNoFollow = 0x2'0000;   // O_NOFOLLOW
inline constexpr uint32_t kOpenCloexec = 0x8'0000;    // O_CLOEXEC
inline constexpr uint32_t kOpenPath = 0x20'0000;      // O_PATH
inline constexpr size_t kPipeBytes = 4096;            // PIPE_BUF, and the capacity
inline constexpr uint64_t kPipeInodeBase = 0x1000;    // a pipe's st_ino: this + its slot

struct Pipe;
struct Epoll;

struct File {
  enum class Kind {
    kFree,
    kConsoleIn,
    kConsoleOut,
    kConsoleErr,
    kPipeRead,
    kPipeWrite,
    kNode,
    kProc,
    kEpoll,
    kTimer
  };
  Kind kind;
  uint32_t refs;
  uint32_t status_flags;  // the access mode, O_APPEND, O_NONBLOCK
  Pipe* pipe;
  Node* node;          // kNode
  procfs::Entry proc;  // kProc
  uint64_t offset;     // read/write position; a directory's: the next entry's index
  char* text;          // a /proc file's contents, made at a read from offset 0
  int64_t text_length;
  char* path;      // kNode, kProc: the canonical path (fchdir, openat, /proc/PID/fd)
  int timer_slot;  // kTimer: its timer (proc/timers.h)
  Epoll* epoll;    // kEpoll (fs/epoll.h)
};

Spinlock& files_lock();

// Opens what `where` names (fs/lookup.h's Location, given as its parts)
// with open(2)'s `flags`; `path` is its canonical path. 0 or -errno
// (ENFILE, ENOMEM).
int open_location(Node* node, const procfs::Entry& proc, const char* path, uint32_t flags,
                  File*& out);

// A console file for fd 0, 1 or 2 of the first process; null if the pool
// is exhausted.
File* open_console(int fd);
// Both ends of a new pipe; false when a pool is exhausted.
bool open_pipe(File*& read_end, File*& write_end);

// A file for a new epoll instance (fs/epoll.cpp's open_epoll).
File* allocate_epoll_file(Epoll* epoll);
// A timerfd on `clock_id`; null when a pool or the timer table is full.
File* open_timer(int clock_id);

File* retain(File* file);
void release(File* file);

// Data transfer through kernel buffers. Each returns bytes moved (0 is
// end of file for reads), or -EAGAIN when it would block: the caller
// blocks and retries (syscall/io.cpp). Writes to a pipe without readers
// return -EPIPE.
int64_t read(File& file, uint8_t* buffer, size_t size);
int64_t write(File& file, const uint8_t* buffer, size_t size);

// Wakes every process blocked on a file (each re-checks its own
// condition): a pipe changed, or a timerfd's timer expired.
void wake_waiters();
// At an explicit offset (pread64/pwrite64), for files of the tree and
// /proc; the byte count or -errno.
int64_t read_at(File& file, uint8_t* buffer, size_t size, uint64_t offset);
int64_t write_at(File& file, const uint8_t* buffer, size_t size, uint64_t offset);

// What /proc/PID/fd/N says of a file: its path, "pipe:[N]" or the
// console's device; the length written into `out` (`size` bytes).
size_t describe(const File& file, char* out, size_t size);

// What poll/epoll would report for `file` now: EPOLLIN, EPOLLOUT,
// EPOLLHUP, EPOLLERR bits.
uint32_t poll_events(const File& file);

bool is_console(const File& file);
bool is_pipe(const File& file);
// A regular file of the tree or /proc (seekable, has a size).
bool is_seekable(const File& file);
bool is_directory(const File& file);
uint32_t access_mode(const File& file);

}  // namespace kernel::fs
