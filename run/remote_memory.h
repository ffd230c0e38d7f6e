// Reading and writing another process's memory, the three ways vdso-run
// needs: reading as the kernel's copy_from_user would, writing as its
// copy_to_user would (the answers to system calls), and writing over read-
// only text as a debugger does (the stub, at exec).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "result.h"

namespace vdso::run {

// Reads up to `size` bytes at `address` of process `pid` (process_vm_readv):
// how many, fewer when the range runs into an unmapped page.
Result<size_t> read_some_from_process(pid_t pid, uint64_t address, void* buffer, size_t size);

// Reads exactly `size` bytes, or fails (EFAULT for a short read).
Result<void> read_from_process(pid_t pid, uint64_t address, void* buffer, size_t size);

// Writes into the memory of thread `tid` as the kernel's copy_to_user
// would: a read-only or unmapped destination fails with EFAULT (which is
// why this is process_vm_writev, not /proc/PID/mem, which writes through
// read-only mappings); ESRCH or EPERM when the process is gone or cannot
// be written by us.
Result<void> write_to_process(pid_t tid, uint64_t address, const void* bytes, size_t size);

// Writes into a traced process, read-only text included, as a debugger
// does: one /proc/PID/mem write (the kernel lets a tracer write through
// read-only mappings, FOLL_FORCE), or PTRACE_POKETEXT word by word where
// that is disabled.
class TextWriter {
 public:
  Result<void> write(pid_t pid, uint64_t address, const void* bytes, size_t size);

 private:
  bool proc_mem_writes_ = true;  // until the kernel refuses one
};

}  // namespace vdso::run
