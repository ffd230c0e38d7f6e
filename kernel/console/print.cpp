#include "console/print.h"

#include <stdint.h>

#include "console/serial.h"

namespace kernel {
namespace {

// Where formatted characters go: a bounded buffer or the serial port.
struct Sink {
  char* buffer;  // null: serial
  size_t size;
  size_t length = 0;

  void put(char c) {
    if (buffer == nullptr) {
      serial::write_char(c);
    } else if (length + 1 < size) {
      buffer[length] = c;
    }
    ++length;
  }
};

void put_unsigned(Sink& sink, uint64_t value, unsigned base, bool upper, int width, char pad) {
  char digits[24];
  int count = 0;
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[count++] = alphabet[value % base];
    value /= base;
  } while (value != 0);
  for (int i = count; i < width; ++i)
    sink.put(pad);
  while (count > 0)
    sink.put(digits[--count]);
}

void format(Sink& sink, const char* fmt, va_list args) {
  for (; *fmt != '\0'; ++fmt) {
    if (*fmt != '%') {
      sink.put(*fmt);
      continue;
    }
    ++fmt;
    char pad = ' ';
    if (*fmt == '0') {
      pad = '0';
      ++fmt;
    }
    int width = 0;
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    int longs = 0;
    while (*fmt == 'l' || *fmt == 'z') {
      longs += (*fmt == 'z') ? 2 : 1;
      ++fmt;
    }
    switch (*fmt) {
      case 'd':
      case 'i': {
        const int64_t v = longs > 0 ? va_arg(args, int64_t) : va_arg(args, int);
        uint64_t magnitude = static_cast<uint64_t>(v);
        if (v < 0) {
          sink.put('-');
          magnitude = 0 - magnitude;
          if (width > 0)
            --width;
        }
        put_unsigned(sink, magnitude, 10, false, width, pad);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        const uint64_t v = longs > 0 ? va_arg(args, uint64_t) : va_arg(args, unsigned);
        put_unsigned(sink, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, pad);
        break;
      }
      case 'p':
        sink.put('0');
        sink.put('x');
        put_unsigned(sink, reinterpret_cast<uint64_t>(va_arg(args, void*)), 16, false, 16, '0');
        break;
      case 'c': sink.put(static_cast<char>(va_arg(args, int))); break;
      case 's': {
        const char* s = va_arg(args, const char*);
        if (s == nullptr)
          s = "(null)";
        int length = 0;
        while (s[length] != '\0')
          ++length;
        for (int i = length; i < width; ++i)
          sink.put(' ');
        for (int i = 0; i < length; ++i)
          sink.put(s[i]);
        break;
      }
      case '%': sink.put('%'); break;
      case '\0': return;
      default:  // unknown conversion: show it rather than guess
        sink.put('%');
        sink.put(*fmt);
        break;
    }
  }
}

}  // namespace

size_t vformat_to(char* buffer, size_t size, const char* fmt, va_list args) {
  Sink sink{buffer, size};
  format(sink, fmt, args);
  if (size > 0)
    buffer[sink.length < size ? sink.length : size - 1] = '\0';
  return sink.length;
}

size_t format_to(char* buffer, size_t size, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const size_t n = vformat_to(buffer, size, fmt, args);
  va_end(args);
  return n;
}

void vkprint(const char* fmt, va_list args) {
  Sink sink{nullptr, 0};
  format(sink, fmt, args);
}

void kprint(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vkprint(fmt, args);
  va_end(args);
}

}  // namespace kernel
