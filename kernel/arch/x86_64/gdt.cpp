#include "arch/x86_64/gdt.h"

#include "arch/x86_64/smp.h"
#include "vdso/arch/getcpu.h"

namespace kernel::gdt {
namespace {

struct [[gnu::packed]] Tss {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t io_map_base;
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] DescriptorPointer {
  uint16_t limit;
  uint64_t base;
};

constexpr unsigned kCpuNodeEntry = vdso::abi::kCpuNodeSelector >> 3;
constexpr unsigned kGdtEntries = kCpuNodeEntry + 1;

// Entries 7 to 14 are null; 15 is where user space (and Linux) looks for
// the cpu-and-node segment.
constexpr uint64_t kGdtTemplate[kGdtEntries] = {
    0,
    0x00af9a000000ffff,  // kernel code: 64-bit, DPL 0
    0x00cf92000000ffff,  // kernel data
    0x00cff2000000ffff,  // user data, DPL 3
    0x00affa000000ffff,  // user code: 64-bit, DPL 3
    0,                   // TSS, low half (filled in by init)
    0,                   // TSS, high half
};

// Each CPU's own: the TSS holds its rsp0 and double-fault stack, and the
// GDT its TSS descriptor (busy once loaded) and its getcpu segment.
struct CpuTables {
  alignas(16) Tss tss;
  alignas(8) uint64_t gdt[kGdtEntries];
  alignas(16) uint8_t double_fault_stack[16384];
};
CpuTables tables[smp::kMaxCpus];

CpuTables& this_cpu_tables() {
  return tables[smp::this_cpu_index()];
}

// A present, read/write, DPL 3 data segment with byte granularity, so that
// its 20-bit limit is the value itself: LSL at CPL 3 reads it, and nothing
// ever loads it into a segment register.
constexpr uint64_t cpu_node_descriptor(uint32_t limit) {
  return (limit & 0xffff) | (0xf3ull << 40) | (uint64_t{(limit >> 16) & 0xf} << 48) |
         (0x4ull << 52);  // D/B set, G clear
}

}  // namespace

void init(uint32_t cpu_index, uint64_t rsp0) {
  CpuTables& own = tables[cpu_index];
  Tss& tss = own.tss;
  uint64_t* gdt = own.gdt;
  for (unsigned i = 0; i < kGdtEntries; ++i)
    gdt[i] = kGdtTemplate[i];
  tss.ist[kDoubleFaultIst - 1] =
      reinterpret_cast<uint64_t>(own.double_fault_stack + sizeof(own.double_fault_stack));
  tss.rsp[0] = rsp0;
  tss.io_map_base = sizeof(Tss);  // no I/O permission bitmap

  const uint64_t base = reinterpret_cast<uint64_t>(&tss);
  const uint64_t limit = sizeof(Tss) - 1;
  gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |  // present, 64-bit TSS
           (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
  gdt[6] = base >> 32;

  const DescriptorPointer pointer{sizeof(own.gdt) - 1, reinterpret_cast<uint64_t>(gdt)};
  asm volatile(
      "lgdt %0\n\t"
      "pushq %1\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "movw %w2, %%ax\n\t"
      "movw %%ax, %%ds\n\t"
      "movw %%ax, %%es\n\t"
      "movw %%ax, %%ss\n\t"
      "ltr %w3"
      :
      : "m"(pointer), "i"(kKernelCode), "r"(kKernelData), "r"(kTss)
      : "rax", "memory");
}

void set_cpu_and_node(uint32_t cpu, uint32_t node) {
  this_cpu_tables().gdt[kCpuNodeEntry] =
      cpu_node_descriptor(vdso::arch::encode_cpu_and_node(cpu, node));
}

void set_kernel_stack(uint64_t rsp0) {
  this_cpu_tables().tss.rsp[0] = rsp0;
}

}  // namespace kernel::gdt
