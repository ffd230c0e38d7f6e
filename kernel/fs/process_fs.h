// What a process holds of the file system besides its descriptors: its
// working directory and the program it runs, both as absolute paths, and
// its umask (a
// working directory may be below /proc, which has no nodes). Each is
// written only by its own process (chdir, execve) and copied at fork.
#pragma once

#include "fs/tree.h"

namespace kernel::fs {

struct ProcessFs {
  char working_directory[kMaxPathBytes];
  char executable[kMaxPathBytes];  // /proc/PID/exe
  uint32_t umask;
};

}  // namespace kernel::fs
