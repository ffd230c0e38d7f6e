// COM1, the kernel's console: logs, test results and panic reports all go
// here (QEMU: -serial stdio). Polled output, no interrupts, so it works from
// any context, including an exception handler during a panic.
//
// COM2 and COM3, when the machine has them, carry the user's stdout and
// stderr byte for byte (console/user_console.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::serial {

inline constexpr uint16_t kCom1 = 0x3f8, kCom2 = 0x2f8, kCom3 = 0x3e8;

void init();
void write_char(char c);
void write(const char* text);

// Another 16550 at `base`: true if it answers (scratch register test) and
// is now set up like COM1.
bool init_port(uint16_t base);
// Raw bytes, no newline translation.
void write_bytes(uint16_t base, const uint8_t* data, size_t size);

}  // namespace kernel::serial
