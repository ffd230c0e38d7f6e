// COM1, the kernel's console: logs, test results and panic reports all go
// here (QEMU: -serial stdio). Polled output, no interrupts, so it works from
// any context, including an exception handler during a panic.
#pragma once

namespace kernel::serial {

void init();
void write_char(char c);
void write(const char* text);

}  // namespace kernel::serial
