#include "console/serial.h"

#include "arch/x86_64/cpu.h"

namespace kernel::serial {
namespace {

// 16550 registers, as offsets from the base port.
constexpr uint16_t kData = 0, kInterruptEnable = 1, kFifoControl = 2, kLineControl = 3,
                   kModemControl = 4, kLineStatus = 5;
constexpr uint16_t kScratch = 7;
constexpr uint8_t kLineStatusTransmitEmpty = 0x20;

void setup(uint16_t base) {
  cpu::outb(base + kInterruptEnable, 0x00);
  cpu::outb(base + kLineControl, 0x80);  // divisor latch
  cpu::outb(base + kData, 0x01);         // 115200 baud
  cpu::outb(base + kInterruptEnable, 0x00);
  cpu::outb(base + kLineControl, 0x03);  // 8 bits, no parity, one stop bit
  cpu::outb(base + kFifoControl, 0xc7);  // FIFO on, cleared, 14-byte threshold
  cpu::outb(base + kModemControl, 0x03);
}

void put(uint16_t base, uint8_t byte) {
  // Bounded: a missing UART must not hang the kernel.
  for (int spin = 0; spin < 100000; ++spin) {
    if (cpu::inb(base + kLineStatus) & kLineStatusTransmitEmpty)
      break;
  }
  cpu::outb(base + kData, byte);
}

}  // namespace

void init() {
  setup(kCom1);
}

void write_char(char c) {
  if (c == '\n')
    put(kCom1, '\r');
  put(kCom1, static_cast<uint8_t>(c));
}

bool init_port(uint16_t base) {
  // An absent port reads back 0xff whatever was written.
  constexpr uint8_t kProbes[] = {0x5a, 0xa5};
  for (const uint8_t probe : kProbes) {
    cpu::outb(base + kScratch, probe);
    if (cpu::inb(base + kScratch) != probe)
      return false;
  }
  setup(base);
  return true;
}

void write_bytes(uint16_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i)
    put(base, data[i]);
}

void write(const char* text) {
  for (; *text != '\0'; ++text)
    write_char(*text);
}

}  // namespace kernel::serial
