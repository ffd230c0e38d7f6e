// Where a process's stdout and stderr go. With the machine's COM2 and COM3
// present (vdso-kernel-run gives QEMU three serial ports), stdout is COM2
// and stderr COM3, raw bytes, so the host can stream them apart from the
// kernel's log on COM1. Without them (the test runner's one port), both
// go to COM1 with the kernel's log.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::user_console {

void init();
// fd 0 and 1 write stdout, fd 2 stderr.
void write(int fd, const uint8_t* data, size_t size);
bool separate_streams();

}  // namespace kernel::user_console
