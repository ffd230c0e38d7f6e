#include "fs/file.h"

#include "console/print.h"
#include "console/user_console.h"
#include "fs/epoll.h"
#include "mm/heap.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/timers.h"
#include "vdso/abi/linux.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" size_t strlen(const char*);

namespace abi = vdso::abi;
namespace kernel::fs {

struct Pipe {
  bool used;
  uint32_t readers, writers;
  size_t head, size;  // ring buffer: bytes at [head, head + size)
  uint8_t data[kPipeBytes];
};

namespace {

constexpr int kMaxFiles = 256;
constexpr int kMaxPipes = 32;
File files[kMaxFiles];
Pipe pipes[kMaxPipes];
Spinlock lock;

File* allocate_file(File::Kind kind, Pipe* pipe) {
  LockGuard guard(lock);
  for (File& f : files) {
    if (f.kind == File::Kind::kFree) {
      f = File{};
      f.kind = kind;
      f.refs = 1;
      f.pipe = pipe;
      f.timer_slot = -1;
      return &f;
    }
  }
  return nullptr;
}

char* copy_string(const char* s) {
  const size_t n = strlen(s);
  auto* copy = static_cast<char*>(heap::allocate(n + 1));
  if (copy != nullptr)
    memcpy(copy, s, n + 1);
  return copy;
}

// A /proc file's contents as of now (made at each read from offset 0, so
// a reader that seeks back sees fresh values, as Linux's seq_file).
int64_t refresh_text(File& file) {
  if (file.text != nullptr)
    heap::free(file.text);
  file.text = nullptr;
  file.text_length = procfs::generate(file.proc, file.text);
  return file.text_length < 0 ? file.text_length : 0;
}

}  // namespace

// Threads blocked on a file wait in kWaiting and retry when woken: wake
// them all (a handful at most; each re-checks its own condition).
void wake_waiters() {
  for (int i = 1; i < proc::kMaxThreads; ++i) {
    proc::Thread& t = *proc::thread_slot(i);
    if (t.state == proc::State::kWaiting)
      sched::wake(t);
  }
}

File* open_timer(int clock_id) {
  File* file = allocate_file(File::Kind::kTimer, nullptr);
  if (file == nullptr)
    return nullptr;
  file->timer_slot = proc::timers::create_for_file(clock_id);
  if (file->timer_slot < 0) {
    file->kind = File::Kind::kFree;
    return nullptr;
  }
  return file;
}

File* open_console(int fd) {
  const File::Kind kind = fd == 0   ? File::Kind::kConsoleIn
                          : fd == 1 ? File::Kind::kConsoleOut
                                    : File::Kind::kConsoleErr;
  return allocate_file(kind, nullptr);
}

bool open_pipe(File*& read_end, File*& write_end) {
  Pipe* pipe = nullptr;
  for (Pipe& p : pipes) {
    if (!p.used) {
      pipe = &p;
      break;
    }
  }
  if (pipe == nullptr)
    return false;
  read_end = allocate_file(File::Kind::kPipeRead, pipe);
  write_end = read_end != nullptr ? allocate_file(File::Kind::kPipeWrite, pipe) : nullptr;
  if (write_end == nullptr) {
    if (read_end != nullptr)
      read_end->kind = File::Kind::kFree;
    return false;
  }
  pipe->used = true;
  pipe->readers = 1;
  pipe->writers = 1;
  pipe->head = 0;
  pipe->size = 0;
  return true;
}

Spinlock& files_lock() {
  return lock;
}

int open_location(Node* node, const procfs::Entry& proc, const char* path, uint32_t flags,
                  File*& out) {
  File* file = allocate_file(node != nullptr ? File::Kind::kNode : File::Kind::kProc, nullptr);
  if (file == nullptr)
    return -abi::kENFILE;
  file->node = node;
  file->proc = proc;
  file->status_flags = flags & (kOpenAccessMask | kOpenAppend | kOpenNonblock);
  file->path = copy_string(path);
  if (file->path == nullptr) {
    file->kind = File::Kind::kFree;
    return -abi::kENOMEM;
  }
  if (node != nullptr)
    opened(*node);
  out = file;
  return 0;
}

File* allocate_epoll_file(Epoll* epoll) {
  File* file = allocate_file(File::Kind::kEpoll, nullptr);
  if (file != nullptr)
    file->epoll = epoll;
  return file;
}

uint32_t poll_events(const File& file) {
  switch (file.kind) {
    case File::Kind::kConsoleIn: return kEpollIn;  // end of file
    case File::Kind::kConsoleOut:
    case File::Kind::kConsoleErr: return kEpollOut;
    case File::Kind::kPipeRead: {
      const Pipe& pipe = *file.pipe;
      return (pipe.size > 0 ? kEpollIn : 0) | (pipe.writers == 0 ? kEpollHup : 0);
    }
    case File::Kind::kPipeWrite: {
      const Pipe& pipe = *file.pipe;
      if (pipe.readers == 0)
        return kEpollErr;
      return pipe.size < kPipeBytes ? kEpollOut : 0;
    }
    case File::Kind::kNode:
    case File::Kind::kProc: return kEpollIn | kEpollOut;  // never blocks
    case File::Kind::kTimer: return proc::timers::has_expirations(file.timer_slot) ? kEpollIn : 0;
    case File::Kind::kEpoll: return 0;  // FIXME: an epoll inside epoll never reports ready
    case File::Kind::kFree: return 0;
  }
  return 0;
}

File* retain(File* file) {
  LockGuard guard(lock);
  ++file->refs;
  return file;
}

void release(File* file) {
  {
    LockGuard guard(lock);
    if (--file->refs != 0)
      return;
  }
  if (file->node != nullptr)
    closed(*file->node);
  if (file->text != nullptr)
    heap::free(file->text);
  if (file->path != nullptr)
    heap::free(file->path);
  if (Pipe* pipe = file->pipe) {
    if (file->kind == File::Kind::kPipeRead) {
      --pipe->readers;
    } else {
      --pipe->writers;
    }
    if (pipe->readers == 0 && pipe->writers == 0)
      pipe->used = false;
    wake_waiters();  // end of file for readers, EPIPE for writers
  }
  if (file->kind == File::Kind::kEpoll)
    epoll_release(*file->epoll);
  if (file->kind == File::Kind::kTimer)
    proc::timers::release_for_file(file->timer_slot);
  file->kind = File::Kind::kFree;
}

int64_t read_at(File& file, uint8_t* buffer, size_t size, uint64_t offset) {
  if ((file.status_flags & kOpenAccessMask) == kOpenWriteOnly)
    return -abi::kEBADF;
  if (file.kind == File::Kind::kNode)
    return fs::read_at(*file.node, buffer, size, offset);
  if (file.kind != File::Kind::kProc)
    return -abi::kESPIPE;
  if (procfs::is_directory(file.proc))
    return -abi::kEISDIR;
  if (offset == 0 || file.text == nullptr) {
    const int64_t r = refresh_text(file);
    if (r < 0)
      return r;
  }
  if (offset >= static_cast<uint64_t>(file.text_length))
    return 0;
  const uint64_t left = static_cast<uint64_t>(file.text_length) - offset;
  const size_t n = size < left ? size : static_cast<size_t>(left);
  memcpy(buffer, file.text + offset, n);
  return static_cast<int64_t>(n);
}

int64_t write_at(File& file, const uint8_t* buffer, size_t size, uint64_t offset) {
  if ((file.status_flags & kOpenAccessMask) == 0)
    return -abi::kEBADF;
  if (file.kind == File::Kind::kNode)
    return fs::write_at(*file.node, buffer, size, offset);
  return file.kind == File::Kind::kProc ? -abi::kEACCES : -abi::kESPIPE;
}

int64_t read(File& file, uint8_t* buffer, size_t size) {
  switch (file.kind) {
    case File::Kind::kNode:
    case File::Kind::kProc: {
      const int64_t r = read_at(file, buffer, size, file.offset);
      if (r > 0)
        file.offset += static_cast<uint64_t>(r);
      return r;
    }
    case File::Kind::kConsoleIn: return 0;  // FIXME: no console input: end of file
    case File::Kind::kPipeRead: {
      Pipe& pipe = *file.pipe;
      if (pipe.size == 0)
        return pipe.writers == 0 ? 0 : -abi::kEAGAIN;
      size_t n = 0;
      for (; n < size && pipe.size > 0; ++n) {
        buffer[n] = pipe.data[pipe.head];
        pipe.head = (pipe.head + 1) % kPipeBytes;
        --pipe.size;
      }
      wake_waiters();  // room for writers
      return static_cast<int64_t>(n);
    }
    case File::Kind::kTimer: {
      if (size < sizeof(uint64_t))
        return -abi::kEINVAL;
      const uint64_t expirations = proc::timers::take_expirations(file.timer_slot);
      if (expirations == 0)
        return -abi::kEAGAIN;
      __builtin_memcpy(buffer, &expirations, sizeof(expirations));
      return sizeof(expirations);
    }
    case File::Kind::kConsoleOut:
    case File::Kind::kConsoleErr:
    case File::Kind::kPipeWrite:
    case File::Kind::kEpoll:
    case File::Kind::kFree: return -abi::kEBADF;
  }
  return -abi::kEBADF;
}

int64_t write(File& file, const uint8_t* buffer, size_t size) {
  switch (file.kind) {
    case File::Kind::kNode:
    case File::Kind::kProc: {
      if (file.kind == File::Kind::kNode && (file.status_flags & kOpenAppend))
        file.offset = file.node->size;
      const int64_t r = write_at(file, buffer, size, file.offset);
      if (r > 0)
        file.offset += static_cast<uint64_t>(r);
      return r;
    }
    case File::Kind::kConsoleIn:  // writing to a terminal's stdin writes the terminal
    case File::Kind::kConsoleOut:
      user_console::write(1, buffer, size);
      return static_cast<int64_t>(size);
    case File::Kind::kConsoleErr:
      user_console::write(2, buffer, size);
      return static_cast<int64_t>(size);
    case File::Kind::kPipeWrite: {
      Pipe& pipe = *file.pipe;
      if (pipe.readers == 0)
        return -abi::kEPIPE;
      // Writes of up to PIPE_BUF bytes are atomic: all or nothing yet.
      if (size <= kPipeBytes && kPipeBytes - pipe.size < size)
        return -abi::kEAGAIN;
      size_t n = 0;
      for (; n < size && pipe.size < kPipeBytes; ++n) {
        pipe.data[(pipe.head + pipe.size) % kPipeBytes] = buffer[n];
        ++pipe.size;
      }
      if (n == 0)
        return -abi::kEAGAIN;
      wake_waiters();  // data for readers
      return static_cast<int64_t>(n);
    }
    case File::Kind::kTimer: return -abi::kEINVAL;  // as Linux: a timerfd is read only
    case File::Kind::kPipeRead:
    case File::Kind::kEpoll:
    case File::Kind::kFree: return -abi::kEBADF;
  }
  return -abi::kEBADF;
}

bool is_console(const File& file) {
  return file.kind == File::Kind::kConsoleIn || file.kind == File::Kind::kConsoleOut ||
         file.kind == File::Kind::kConsoleErr;
}

bool is_pipe(const File& file) {
  return file.pipe != nullptr;
}

bool is_seekable(const File& file) {
  return file.kind == File::Kind::kNode || file.kind == File::Kind::kProc;
}

bool is_directory(const File& file) {
  return (file.kind == File::Kind::kNode && is_directory(*file.node)) ||
         (file.kind == File::Kind::kProc && procfs::is_directory(file.proc));
}

uint32_t access_mode(const File& file) {
  switch (file.kind) {
    case File::Kind::kPipeRead: return 0;
    case File::Kind::kPipeWrite: return kOpenWriteOnly;
    case File::Kind::kNode:
    case File::Kind::kProc: return file.status_flags & kOpenAccessMask;
    default: return kOpenReadWrite;
  }
}

size_t describe(const File& file, char* out, size_t size) {
  switch (file.kind) {
    case File::Kind::kPipeRead:
    case File::Kind::kPipeWrite:
      return format_to(out, size, "pipe:[%lu]",
                       static_cast<uint64_t>(file.pipe - pipes) + kPipeInodeBase);
    case File::Kind::kNode:
    case File::Kind::kProc: return format_to(out, size, "%s", file.path);
    // As Linux names its anonymous inodes.
    case File::Kind::kEpoll: return format_to(out, size, "anon_inode:[eventpoll]");
    case File::Kind::kTimer: return format_to(out, size, "anon_inode:[timerfd]");
    default: return format_to(out, size, "/dev/console");
  }
}

}  // namespace kernel::fs
