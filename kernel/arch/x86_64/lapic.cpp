#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "lib/panic.h"
#include "mm/paging.h"

namespace kernel::lapic {
namespace {

// Register offsets (Intel SDM vol. 3, table 11-1).
constexpr uint32_t kTaskPriority = 0x80, kEoi = 0xb0, kSpurious = 0xf0, kLvtTimer = 0x320,
                   kInitialCount = 0x380, kCurrentCount = 0x390, kDivideConfig = 0x3e0;
constexpr uint32_t kSoftwareEnable = 1u << 8;
constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtPeriodic = 1u << 17;
constexpr uint32_t kDivideBy16 = 0x3;
constexpr uint64_t kApicBaseEnable = 1u << 11;

volatile uint32_t* registers = nullptr;

uint32_t read(uint32_t offset) {
  return registers[offset / 4];
}
void write(uint32_t offset, uint32_t value) {
  registers[offset / 4] = value;
}

}  // namespace

void init() {
  if (((cpu::cpuid(1).edx >> 9) & 1) == 0)
    PANIC("this CPU has no local APIC");
  const uint64_t base_msr = cpu::rdmsr(cpu::kMsrApicBase);
  cpu::wrmsr(cpu::kMsrApicBase, base_msr | kApicBaseEnable);
  registers = reinterpret_cast<volatile uint32_t*>(paging::map_mmio(base_msr & ~0xfffull, 0x1000));
  write(kTaskPriority, 0);
  write(kSpurious, kSoftwareEnable | interrupts::kLapicSpuriousVector);
}

void start_free_countdown() {
  write(kDivideConfig, kDivideBy16);
  write(kLvtTimer, kLvtMasked);
  write(kInitialCount, 0xffffffff);
}

uint32_t current_count() {
  return read(kCurrentCount);
}

void start_periodic(uint8_t vector, uint32_t counts) {
  write(kDivideConfig, kDivideBy16);
  write(kLvtTimer, kLvtPeriodic | vector);
  write(kInitialCount, counts);
}

void end_of_interrupt() {
  write(kEoi, 0);
}

}  // namespace kernel::lapic
