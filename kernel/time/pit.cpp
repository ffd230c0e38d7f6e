#include "time/pit.h"

#include "arch/x86_64/cpu.h"

namespace kernel::pit {
namespace {

constexpr uint16_t kChannel2Data = 0x42;
constexpr uint16_t kCommand = 0x43;
constexpr uint16_t kSpeakerControl = 0x61;
constexpr uint8_t kGate2 = 0x01, kSpeakerData = 0x02;
constexpr uint8_t kChannel2Mode0LoHi = 0xb0;  // channel 2, lo/hi byte, mode 0, binary
constexpr uint8_t kChannel2Latch = 0x80;

}  // namespace

void start_free_countdown() {
  // Gate on (counting enabled), speaker output off.
  const uint8_t control = cpu::inb(kSpeakerControl) & ~kSpeakerData;
  cpu::outb(kSpeakerControl, control | kGate2);
  cpu::outb(kCommand, kChannel2Mode0LoHi);
  cpu::outb(kChannel2Data, 0xff);
  cpu::outb(kChannel2Data, 0xff);
}

uint16_t read_count() {
  cpu::outb(kCommand, kChannel2Latch);
  const uint8_t low = cpu::inb(kChannel2Data);
  const uint8_t high = cpu::inb(kChannel2Data);
  return static_cast<uint16_t>(low | (high << 8));
}

}  // namespace kernel::pit
