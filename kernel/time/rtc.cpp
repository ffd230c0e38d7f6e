#include "time/rtc.h"

#include "arch/x86_64/cpu.h"

namespace kernel::rtc {
namespace {

constexpr uint16_t kIndex = 0x70, kData = 0x71;
constexpr uint8_t kNmiDisable = 0x80;
constexpr uint8_t kSeconds = 0x00, kMinutes = 0x02, kHours = 0x04, kDay = 0x07, kMonth = 0x08,
                  kYear = 0x09, kStatusA = 0x0a, kStatusB = 0x0b, kCentury = 0x32;
constexpr uint8_t kUpdateInProgress = 0x80;
constexpr uint8_t kBinaryMode = 0x04, k24Hour = 0x02;

uint8_t read_register(uint8_t reg) {
  cpu::outb(kIndex, kNmiDisable | reg);
  return cpu::inb(kData);
}

struct Raw {
  uint8_t second, minute, hour, day, month, year, century;
  bool operator==(const Raw&) const = default;
};

Raw read_raw() {
  while (read_register(kStatusA) & kUpdateInProgress)
    cpu::pause();
  return {read_register(kSeconds), read_register(kMinutes), read_register(kHours),
          read_register(kDay),     read_register(kMonth),   read_register(kYear),
          read_register(kCentury)};
}

unsigned from_bcd(uint8_t v) {
  return (v & 0x0f) + (v >> 4) * 10;
}

}  // namespace

int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

int64_t read_epoch_seconds() {
  // The RTC updates once a second; two equal reads are one consistent time.
  Raw raw = read_raw();
  for (Raw again = read_raw(); !(again == raw); again = read_raw())
    raw = again;

  const uint8_t status_b = read_register(kStatusB);
  const bool binary = status_b & kBinaryMode;
  auto decode = [binary](uint8_t v) { return binary ? v : from_bcd(v); };
  const bool pm = !(status_b & k24Hour) && (raw.hour & 0x80);
  unsigned hour = decode(raw.hour & 0x7f);
  if (!(status_b & k24Hour))
    hour = (hour % 12) + (pm ? 12 : 0);
  // QEMU fills the century register (0x32); trust it when it is sane.
  unsigned century = decode(raw.century);
  if (century < 19 || century > 30)
    century = 20;
  const int64_t year = century * 100 + decode(raw.year);

  const int64_t days = days_from_civil(year, decode(raw.month), decode(raw.day));
  return days * 86400 + hour * 3600 + decode(raw.minute) * 60 + decode(raw.second);
}

}  // namespace kernel::rtc
