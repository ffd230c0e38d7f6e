// Open files: what a process's file descriptors point to. Three kinds: the
// serial console (stdin reads as end of file; stdout and stderr are the
// user console's two streams), the ends of a pipe, and timerfds (a read
// answers the expirations since the last one, 8 bytes). Files and pipes come
// from static pools and are reference counted: fork and dup share a File,
// its last close releases it.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::fs {

inline constexpr uint32_t kOpenNonblock = 0x800;    // O_NONBLOCK
inline constexpr uint32_t kOpenCloexec = 0x8'0000;  // O_CLOEXEC
inline constexpr size_t kPipeBytes = 4096;          // PIPE_BUF, and the capacity

struct Pipe;

struct File {
  enum class Kind { kFree, kConsoleIn, kConsoleOut, kConsoleErr, kPipeRead, kPipeWrite, kTimer };
  Kind kind;
  uint32_t refs;
  uint32_t status_flags;  // O_NONBLOCK
  Pipe* pipe;
  int timer_slot;  // kTimer: its timer (proc/timers.h)
};

// A console file for fd 0, 1 or 2 of the first process; null if the pool
// is exhausted.
File* open_console(int fd);
// Both ends of a new pipe; false when a pool is exhausted.
bool open_pipe(File*& read_end, File*& write_end);

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

bool is_console(const File& file);
bool is_pipe(const File& file);

}  // namespace kernel::fs
