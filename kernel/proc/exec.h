// exec: a program from the file tree replaces a process's user half.
//
// The address space it builds (top down; every base randomised per exec):
//   stack_top          0x7fff'ff00'0000 - up to 1 GiB; the stack grows on
//                      demand down to stack_top - 8 MiB
//   VDSO               [chain page][data page][vdso.so], below the stack
//                      by a random gap of up to 1 GiB: AT_SYSINFO_EHDR
//   mmap               top down from below the VDSO
//   brk                from the end of the program's highest segment
//   program            ET_EXEC at its addresses; static-pie at
//                      0x5555'0000'0000 + up to 4 GiB
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupts.h"
#include "proc/process.h"

namespace kernel::proc {

// Limits (Linux's ARG_MAX is larger; ours keeps the kernel's copy small).
inline constexpr uint64_t kMaxArgumentBytes = 128 * 1024;
inline constexpr int kMaxArguments = 1024;

struct ProgramArguments {
  const char* const* argv;
  int argc;
  const char* const* envp;
  int envc;
};

// Loads `path` (a file of the tree, relative to the working directory,
// links followed: fs/lookup.h) into a new address space with its stack and
// the VDSO; on success installs it in the process of `t` (freeing the old
// one; any other thread of it ends) and rewrites `frame` to enter the
// program. Returns 0 or -errno (ENOENT, ENOTDIR, ELOOP, EACCES, ENOEXEC,
// E2BIG, ENOMEM); on failure nothing is changed.
int64_t exec(Thread& t, const char* path, const ProgramArguments& arguments,
             interrupts::InterruptFrame& frame);

// Creates pid 1 from `path`. False (with a message) when it cannot.
bool start_init(const char* path, const ProgramArguments& arguments);

}  // namespace kernel::proc
