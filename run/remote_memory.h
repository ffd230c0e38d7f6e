// Reading and writing another process's memory, the three ways vdso-run
// needs: reading as the kernel's copy_from_user would, writing as its
// copy_to_user would (the answers to system calls), and writing over read-
// only text as a debugger does (the stub, at exec).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

namespace vdso::run {

// Reads up to `size` bytes at `address` of process `pid` (process_vm_readv):
// fewer when the range runs into an unmapped page. False on an error
// (errno says which), with nothing read.
bool read_from_process(pid_t pid, uint64_t address, void* buffer, size_t size, size_t* got);

// Reads exactly `size` bytes, or fails.
bool read_from_process(pid_t pid, uint64_t address, void* buffer, size_t size);

// Writes into the memory of thread `tid` as the kernel's copy_to_user
// would: a read-only or unmapped destination fails with EFAULT (which is
// why this is process_vm_writev, not /proc/PID/mem, which writes through
// read-only mappings). 0, or -errno: -EFAULT, or -ESRCH / -EPERM when the
// process is gone or cannot be written by us.
int write_to_process(pid_t tid, uint64_t address, const void* bytes, size_t size);

// Writes into a traced process, read-only text included, as a debugger
// does: one /proc/PID/mem write (the kernel lets a tracer write through
// read-only mappings, FOLL_FORCE), or PTRACE_POKETEXT word by word where
// that is disabled.
class TextWriter {
 public:
  bool write(pid_t pid, uint64_t address, const void* bytes, size_t size);

 private:
  bool proc_mem_writes_ = true;  // until the kernel refuses one
};

}  // namespace vdso::run
