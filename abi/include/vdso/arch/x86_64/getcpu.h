// x86_64's getcpu without a system call, on every x86_64 CPU, as Linux
// does it: RDPID or RDTSCP read TSC_AUX, and LSL reads the limit of a GDT
// segment (selector kCpuNodeSelector); the kernel stores cpu | node << 12
// in both. The host decides once which read this CPU has
// (cpu_features.h) and publishes it in the data page as a GetcpuMode, so
// the image never executes CPUID.
#pragma once

#include <stdint.h>

#include "vdso/abi/data_page.h"

namespace vdso::abi {

// The values carry the layout version in their upper half, as ClockMode's.
enum class GetcpuMode : uint32_t {
  kNone = 0,
  kRdpid = (kLayoutVersion << 16) | 1,
  kRdtscp = (kLayoutVersion << 16) | 2,
  kLsl = (kLayoutVersion << 16) | 3,
};
inline constexpr uint32_t kTscAuxCpuMask = 0xfff;
inline constexpr uint32_t kTscAuxNodeShift = 12;

// The user-readable data segment whose limit is cpu | node << 12: GDT entry
// 15 with RPL 3, Linux's GDT_ENTRY_CPUNODE, so that one image reads it on
// both hosts. Its limit field is 20 bits, so the node keeps 8 of them.
inline constexpr uint16_t kCpuNodeSelector = (15 << 3) | 3;

}  // namespace vdso::abi

namespace vdso::arch {

struct CpuAndNode {
  uint32_t cpu;
  uint32_t node;
};

// What the kernel stores in TSC_AUX and in the segment's limit.
constexpr uint32_t encode_cpu_and_node(uint32_t cpu, uint32_t node) {
  return (cpu & abi::kTscAuxCpuMask) | (node << abi::kTscAuxNodeShift);
}

constexpr CpuAndNode decode_tsc_aux(uint64_t aux) {
  return {static_cast<uint32_t>(aux & abi::kTscAuxCpuMask),
          static_cast<uint32_t>((aux & 0xffff'ffff) >> abi::kTscAuxNodeShift)};
}

// The CPU and node this thread runs on, read with the instruction `mode`
// names (a GetcpuMode); false, leaving *out alone, when it names none.
inline bool read_cpu_and_node(uint32_t mode, CpuAndNode* out) {
  uint64_t aux;
  if (__builtin_expect(mode == static_cast<uint32_t>(abi::GetcpuMode::kRdpid), 1)) {
    asm volatile("rdpid %0" : "=r"(aux));
  } else if (mode == static_cast<uint32_t>(abi::GetcpuMode::kLsl)) {
    // LSL leaves its output alone and clears ZF when the selector is not
    // readable; the host published kLsl only after checking it is.
    uint32_t limit = 0;
    asm volatile("lsl %1, %0" : "+r"(limit) : "r"(static_cast<uint32_t>(abi::kCpuNodeSelector)));
    aux = limit;
  } else if (mode == static_cast<uint32_t>(abi::GetcpuMode::kRdtscp)) {
    uint32_t low, high, tsc_aux;
    asm volatile("rdtscp" : "=a"(low), "=d"(high), "=c"(tsc_aux));
    aux = tsc_aux;
  } else {
    return false;
  }
  *out = decode_tsc_aux(aux);
  return true;
}

// The instruction's name, for the hosts' reports.
constexpr const char* getcpu_instruction_name(abi::GetcpuMode mode) {
  switch (mode) {
    case abi::GetcpuMode::kRdpid: return "RDPID";
    case abi::GetcpuMode::kRdtscp: return "RDTSCP";
    case abi::GetcpuMode::kLsl: return "LSL";
    case abi::GetcpuMode::kNone: return nullptr;
  }
  return nullptr;
}

}  // namespace vdso::arch
