#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "lib/panic.h"
#include "mm/paging.h"

namespace kernel::lapic {
namespace {

// Register offsets (Intel SDM vol. 3, table 11-1).
constexpr uint32_t kId = 0x20, kTaskPriority = 0x80, kEoi = 0xb0, kSpurious = 0xf0,
                   kLvtTimer = 0x320, kInitialCount = 0x380, kCurrentCount = 0x390,
                   kDivideConfig = 0x3e0;
constexpr uint32_t kCommandLow = 0x300, kCommandHigh = 0x310;
// Interrupt command register fields (Intel SDM vol. 3, 11.6.1).
constexpr uint32_t kDeliveryFixed = 0x000, kDeliveryInit = 0x500, kDeliveryStartup = 0x600;
constexpr uint32_t kLevelAssert = 1u << 14;
constexpr uint32_t kDeliveryPending = 1u << 12;
constexpr uint32_t kAllExcludingSelf = 3u << 18;
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

// One command: the destination first, then the low half, which sends it.
// Interrupts stay off from the first write to the end of the delivery, or
// an interrupt handler's own IPI could land between the two halves.
void send_command(uint32_t apic_id, uint32_t command) {
  const bool interrupts_were_on = cpu::interrupts_enabled();
  cpu::disable_interrupts();
  write(kCommandHigh, apic_id << 24);
  write(kCommandLow, command);
  while (read(kCommandLow) & kDeliveryPending)
    cpu::pause();
  if (interrupts_were_on)
    cpu::enable_interrupts();
}

}  // namespace

void init() {
  if (((cpu::cpuid(1).edx >> 9) & 1) == 0)
    PANIC("this CPU has no local APIC");
  const uint64_t base_msr = cpu::rdmsr(cpu::kMsrApicBase);
  registers = reinterpret_cast<volatile uint32_t*>(paging::map_mmio(base_msr & ~0xfffull, 0x1000));
  init_this_cpu();
}

void init_this_cpu() {
  cpu::wrmsr(cpu::kMsrApicBase, cpu::rdmsr(cpu::kMsrApicBase) | kApicBaseEnable);
  write(kTaskPriority, 0);
  write(kSpurious, kSoftwareEnable | interrupts::kLapicSpuriousVector);
}

uint32_t id() {
  return read(kId) >> 24;
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

void send_init(uint32_t apic_id) {
  send_command(apic_id, kDeliveryInit | kLevelAssert);
}

void send_startup(uint32_t apic_id, uint8_t page) {
  send_command(apic_id, kDeliveryStartup | kLevelAssert | page);
}

void send_fixed(uint32_t apic_id, uint8_t vector) {
  send_command(apic_id, kDeliveryFixed | kLevelAssert | vector);
}

void send_fixed_all_but_self(uint8_t vector) {
  send_command(0, kDeliveryFixed | kLevelAssert | kAllExcludingSelf | vector);
}

}  // namespace kernel::lapic
