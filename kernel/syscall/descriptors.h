// The current process's descriptor table, as the system calls use it
// (syscall/io.cpp implements it; syscall/fs.cpp opens files into it).
#pragma once

#include <stdint.h>

#include "fs/file.h"

namespace kernel::syscall {

// The file behind `fd`, or null when it is not open.
fs::File* file_of(uint64_t fd);
// The lowest free descriptor at or above `from`, or -EMFILE.
int lowest_free_fd(int from);
// Points `fd` at `file` (closing what was there), with its close-on-exec.
void install(int fd, fs::File* file, bool cloexec);

}  // namespace kernel::syscall
