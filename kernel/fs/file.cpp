#include "fs/file.h"

#include "console/user_console.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::fs {

struct Pipe {
  bool used;
  uint32_t readers, writers;
  size_t head, size;  // ring buffer: bytes at [head, head + size)
  uint8_t data[kPipeBytes];
};

namespace {

constexpr int kMaxFiles = 128;
constexpr int kMaxPipes = 32;
File files[kMaxFiles];
Pipe pipes[kMaxPipes];

File* allocate_file(File::Kind kind, Pipe* pipe) {
  for (File& f : files) {
    if (f.kind == File::Kind::kFree) {
      f = File{kind, 1, 0, pipe};
      return &f;
    }
  }
  return nullptr;
}

// Threads blocked on a pipe wait in kWaiting and retry when woken: wake
// them all (a handful at most; each re-checks its own condition).
void wake_waiters() {
  for (int i = 1; i < proc::kMaxThreads; ++i) {
    proc::Thread& t = *proc::thread_slot(i);
    if (t.state == proc::State::kWaiting)
      sched::wake(t);
  }
}

}  // namespace

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

File* retain(File* file) {
  ++file->refs;
  return file;
}

void release(File* file) {
  if (--file->refs != 0)
    return;
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
  file->kind = File::Kind::kFree;
}

int64_t read(File& file, uint8_t* buffer, size_t size) {
  switch (file.kind) {
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
    case File::Kind::kConsoleOut:
    case File::Kind::kConsoleErr:
    case File::Kind::kPipeWrite:
    case File::Kind::kFree: return -abi::kEBADF;
  }
  return -abi::kEBADF;
}

int64_t write(File& file, const uint8_t* buffer, size_t size) {
  switch (file.kind) {
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
    case File::Kind::kPipeRead:
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

}  // namespace kernel::fs
