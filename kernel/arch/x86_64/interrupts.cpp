#include "arch/x86_64/interrupts.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/user_access.h"
#include "lib/panic.h"

extern "C" const uint64_t interrupt_stub_table[256];

namespace kernel::interrupts {
namespace {

struct [[gnu::packed]] Gate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type_attributes;
  uint16_t offset_mid;
  uint32_t offset_high;
  uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] DescriptorPointer {
  uint16_t limit;
  uint64_t base;
};

constexpr uint8_t kInterruptGate = 0x8e;  // present, DPL 0, interrupts off on entry
// int3 must work from user mode (a debugger's breakpoint, SIGTRAP): DPL 3,
// as Linux. Every other vector raised by `int n` in user mode is a #GP.
constexpr uint8_t kUserInterruptGate = 0xee;
constexpr int kBreakpoint = 3;

alignas(16) Gate idt[256];
Handler handlers[256];
Handler user_exception_handler = nullptr;
KernelFaultHandler kernel_fault_handler = nullptr;

constexpr const char* kExceptionNames[32] = {
    "divide error",
    "debug",
    "non-maskable interrupt",
    "breakpoint",
    "overflow",
    "bound range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack-segment fault",
    "general protection fault",
    "page fault",
    "reserved (15)",
    "x87 floating-point",
    "alignment check",
    "machine check",
    "SIMD floating-point",
    "virtualization",
    "control protection",
    "reserved (22)",
    "reserved (23)",
    "reserved (24)",
    "reserved (25)",
    "reserved (26)",
    "reserved (27)",
    "hypervisor injection",
    "VMM communication",
    "security",
    "reserved (31)",
};

// The 8259 PICs power up mapped over the exception vectors: move them out
// of the way, then mask every line. The LAPIC delivers the tick.
void disable_legacy_pic() {
  constexpr uint16_t kMasterCommand = 0x20, kMasterData = 0x21, kSlaveCommand = 0xa0,
                     kSlaveData = 0xa1;
  cpu::outb(kMasterCommand, 0x11);  // ICW1: init, expect ICW4
  cpu::outb(kSlaveCommand, 0x11);
  cpu::outb(kMasterData, kLegacyPicBase);  // ICW2: vector bases
  cpu::outb(kSlaveData, kLegacyPicBase + 8);
  cpu::outb(kMasterData, 4);  // ICW3: slave on IRQ2
  cpu::outb(kSlaveData, 2);
  cpu::outb(kMasterData, 1);  // ICW4: 8086 mode
  cpu::outb(kSlaveData, 1);
  cpu::outb(kMasterData, 0xff);
  cpu::outb(kSlaveData, 0xff);
}

void ignore(InterruptFrame&) {}

// An inter-processor interrupt nobody handles yet: acknowledged, so that
// the LAPIC delivers the next one.
void acknowledge(InterruptFrame&) {
  lapic::end_of_interrupt();
}

}  // namespace

const char* exception_name(uint64_t vector) {
  return vector < 32 ? kExceptionNames[vector] : nullptr;
}

void set_handler(uint8_t vector, Handler handler) {
  handlers[vector] = handler;
}

void set_user_exception_handler(Handler handler) {
  user_exception_handler = handler;
}

void set_kernel_fault_handler(KernelFaultHandler handler) {
  kernel_fault_handler = handler;
}

void init() {
  disable_legacy_pic();
  for (int v = 0; v < 256; ++v) {
    const uint64_t target = interrupt_stub_table[v];
    idt[v] = Gate{static_cast<uint16_t>(target),
                  gdt::kKernelCode,
                  v == kDoubleFault ? gdt::kDoubleFaultIst : uint8_t{0},
                  v == kBreakpoint ? kUserInterruptGate : kInterruptGate,
                  static_cast<uint16_t>(target >> 16),
                  static_cast<uint32_t>(target >> 32),
                  0};
  }
  // A masked PIC can still raise its spurious IRQ7/IRQ15.
  set_handler(kLegacyPicBase + 7, ignore);
  set_handler(kLegacyPicBase + 15, ignore);
  set_handler(kLapicSpuriousVector, ignore);
  constexpr uint8_t kIpiVectors[] = {kRescheduleVector, kTlbShootdownVector, kCallFunctionVector};
  for (const uint8_t vector : kIpiVectors)
    set_handler(vector, acknowledge);
  load();
}

void load() {
  const DescriptorPointer pointer{sizeof(idt) - 1, reinterpret_cast<uint64_t>(idt)};
  asm volatile("lidt %0" : : "m"(pointer) : "memory");
}

}  // namespace kernel::interrupts

extern "C" void interrupt_dispatch(kernel::interrupts::InterruptFrame* frame) {
  using namespace kernel::interrupts;
  kernel::user_access::close_window();
  const Handler handler = handlers[frame->vector & 0xff];
  if (handler != nullptr) {
    handler(*frame);
  } else if (frame->vector < 32 && from_user_mode(*frame) && user_exception_handler != nullptr) {
    user_exception_handler(*frame);
  } else if (frame->vector < 32 && !from_user_mode(*frame) && kernel_fault_handler != nullptr &&
             kernel_fault_handler(*frame)) {
    return;
  } else {
    kernel::panic_on_exception(*frame);
  }
}
