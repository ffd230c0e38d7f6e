// printf-style formatting for the kernel, checked by the compiler
// (format attribute): %d %i %u %x %X %c %s %p %%, with l/ll/z length
// modifiers, a field width and '0' padding.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace kernel {

// Writes at most size-1 characters and a NUL; returns the length the full
// output would have had.
size_t format_to(char* buffer, size_t size, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t vformat_to(char* buffer, size_t size, const char* fmt, va_list args);

// To the serial console.
void kprint(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprint(const char* fmt, va_list args);

}  // namespace kernel
