// What this x86_64 CPU offers the VDSO, from CPUID: for the hosts only,
// which decide once and publish the answer in the data page. Never the
// image: CPUID traps to the hypervisor in a VM, and the page's modes exist
// so that user space need not ask.
#pragma once

#include <stdint.h>

#include "vdso/arch/x86_64/getcpu.h"

namespace vdso::arch {

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  CpuidResult r;
  asm volatile("cpuid"
               : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
               : "a"(leaf), "c"(subleaf));
  return r;
}

// Which of the two TSC_AUX readers this CPU has: RDPID is
// CPUID.(EAX=7,ECX=0):ECX bit 22, RDTSCP CPUID.80000001h:EDX bit 27.
struct TscAuxReaders {
  bool rdpid;
  bool rdtscp;
};
inline TscAuxReaders tsc_aux_readers() {
  const uint32_t max_basic = cpuid(0).eax;
  const bool rdpid = max_basic >= 7 && ((cpuid(7).ecx >> 22) & 1) != 0;
  const uint32_t max_extended = cpuid(0x8000'0000u).eax;
  const bool rdtscp = max_extended >= 0x8000'0001u && ((cpuid(0x8000'0001u).edx >> 27) & 1) != 0;
  return {rdpid, rdtscp};
}

// Whether this CPU's GDT holds a user-readable cpu-and-node segment (LSL
// sets ZF only then); for the hosts, which then check that its limit is
// the CPU getcpu(2) reports.
inline bool cpu_node_segment_readable() {
  uint32_t limit = 0;
  bool readable;
  asm volatile("lsl %2, %0\n\tsetz %1"
               : "+r"(limit), "=q"(readable)
               : "r"(static_cast<uint32_t>(abi::kCpuNodeSelector))
               : "cc");
  return readable;
}

// The getcpu mode for those readers and for a GDT that does or does not
// carry the cpu-and-node segment: RDPID (one instruction, no TSC read)
// when there, else LSL, else RDTSCP, else none. LSL before RDTSCP, as
// Linux since 4.18: RDTSCP waits for every earlier instruction and reads
// the TSC it then throws away, where LSL only loads one descriptor.
constexpr abi::GetcpuMode getcpu_mode_for(TscAuxReaders readers, bool cpu_node_segment) {
  if (readers.rdpid)
    return abi::GetcpuMode::kRdpid;
  if (cpu_node_segment)
    return abi::GetcpuMode::kLsl;
  return readers.rdtscp ? abi::GetcpuMode::kRdtscp : abi::GetcpuMode::kNone;
}

}  // namespace vdso::arch
