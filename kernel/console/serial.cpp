#include "console/serial.h"

#include "arch/x86_64/cpu.h"

namespace kernel::serial {
namespace {

constexpr uint16_t kCom1 = 0x3f8;
// 16550 registers, as offsets from the base port.
constexpr uint16_t kData = 0, kInterruptEnable = 1, kFifoControl = 2, kLineControl = 3,
                   kModemControl = 4, kLineStatus = 5;
constexpr uint8_t kLineStatusTransmitEmpty = 0x20;

}  // namespace

void init() {
  cpu::outb(kCom1 + kInterruptEnable, 0x00);
  cpu::outb(kCom1 + kLineControl, 0x80);  // divisor latch
  cpu::outb(kCom1 + kData, 0x01);         // 115200 baud
  cpu::outb(kCom1 + kInterruptEnable, 0x00);
  cpu::outb(kCom1 + kLineControl, 0x03);  // 8 bits, no parity, one stop bit
  cpu::outb(kCom1 + kFifoControl, 0xc7);  // FIFO on, cleared, 14-byte threshold
  cpu::outb(kCom1 + kModemControl, 0x03);
}

void write_char(char c) {
  if (c == '\n')
    write_char('\r');
  // Bounded: a missing UART must not hang the kernel.
  for (int spin = 0; spin < 100000; ++spin) {
    if (cpu::inb(kCom1 + kLineStatus) & kLineStatusTransmitEmpty)
      break;
  }
  cpu::outb(kCom1 + kData, static_cast<uint8_t>(c));
}

void write(const char* text) {
  for (; *text != '\0'; ++text)
    write_char(*text);
}

}  // namespace kernel::serial
