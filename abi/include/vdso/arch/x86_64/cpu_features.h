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

// The getcpu mode for those readers: RDPID (one instruction, no TSC read)
// when there, else RDTSCP, else none.
constexpr abi::GetcpuMode getcpu_mode_for(TscAuxReaders readers) {
  if (readers.rdpid)
    return abi::GetcpuMode::kRdpid;
  return readers.rdtscp ? abi::GetcpuMode::kRdtscp : abi::GetcpuMode::kNone;
}

}  // namespace vdso::arch
