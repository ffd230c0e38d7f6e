#include "proc/rseq.h"

#include "arch/x86_64/smp.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "vdso/abi/linux.h"

namespace kernel::proc {
namespace {

namespace abi = vdso::abi;

// include/uapi/linux/rseq.h: the area (32 bytes, 32-aligned, as Linux 6.1
// accepts it) and a critical section's descriptor.
constexpr uint32_t kRseqAreaBytes = 32;
constexpr uint64_t kCpuIdStartOffset = 0;
constexpr uint64_t kCpuIdOffset = 4;
constexpr uint64_t kCriticalSectionOffset = 8;
constexpr int32_t kFlagUnregister = 1;
constexpr uint32_t kCpuIdUninitialized = 0xffff'ffff;  // RSEQ_CPU_ID_UNINITIALIZED (-1)
constexpr int32_t kSiKernel = 0x80;

struct CriticalSection {
  uint32_t version;
  uint32_t flags;
  uint64_t start_ip;
  uint64_t post_commit_offset;
  uint64_t abort_ip;
};
static_assert(sizeof(CriticalSection) == 32);

int write_cpu(uint64_t area, uint32_t cpu_id_start, uint32_t cpu_id) {
  if (write_user(area + kCpuIdStartOffset, cpu_id_start) != 0)
    return -abi::kEFAULT;
  return write_user(area + kCpuIdOffset, cpu_id);
}

// Moves the thread to the abort handler if it stands inside the critical
// section its area names; clears the area's pointer to it. 0, or -errno
// for a descriptor Linux would reject (the thread then gets SIGSEGV).
int abort_critical_section(Thread& t) {
  const RseqRegistration& r = t.rseq;
  uint64_t descriptor = 0;
  if (read_user(r.area + kCriticalSectionOffset, descriptor) != 0)
    return -abi::kEFAULT;
  if (descriptor == 0)
    return 0;
  CriticalSection cs;
  if (!user_range_ok(descriptor, sizeof(cs)) || read_user(descriptor, cs) != 0)
    return -abi::kEFAULT;
  const uint64_t end = cs.start_ip + cs.post_commit_offset;
  if (cs.version != 0 || end < cs.start_ip || !user_range_ok(cs.start_ip, cs.post_commit_offset) ||
      !user_range_ok(cs.abort_ip, 1) || cs.abort_ip - cs.start_ip < cs.post_commit_offset)
    return -abi::kEINVAL;
  uint64_t& ip = t.user_frame->rip;
  if (ip - cs.start_ip < cs.post_commit_offset) {
    // The abort handler must be preceded by the registered signature, so
    // that a forged descriptor cannot send the thread anywhere.
    uint32_t signature = 0;
    if (cs.abort_ip < 4 || read_user(cs.abort_ip - 4, signature) != 0)
      return -abi::kEFAULT;
    if (signature != r.signature)
      return -abi::kEINVAL;
    ip = cs.abort_ip;
  }
  const uint64_t none = 0;
  return write_user(r.area + kCriticalSectionOffset, none);
}

}  // namespace

int64_t rseq_register(Thread& t, uint64_t area, uint32_t length, int32_t flags,
                      uint32_t signature) {
  RseqRegistration& r = t.rseq;
  if ((flags & kFlagUnregister) != 0) {
    if (flags != kFlagUnregister || r.area == 0 || r.area != area || r.length != length)
      return -abi::kEINVAL;
    if (r.signature != signature)
      return -abi::kEPERM;
    if (write_cpu(area, 0, kCpuIdUninitialized) != 0)
      return -abi::kEFAULT;
    r = RseqRegistration{};
    return 0;
  }
  if (flags != 0)
    return -abi::kEINVAL;
  if (r.area != 0) {
    if (r.area != area || r.length != length)
      return -abi::kEINVAL;
    return r.signature != signature ? -abi::kEPERM : -abi::kEBUSY;
  }
  if (area % kRseqAreaBytes != 0 || length != kRseqAreaBytes)
    return -abi::kEINVAL;
  if (!user_range_ok(area, length))
    return -abi::kEFAULT;
  r = RseqRegistration{area, length, signature, /*needs_update=*/true};
  return 0;
}

void rseq_before_user_return(Thread& t, bool delivering_signal) {
  RseqRegistration& r = t.rseq;
  if (r.area == 0 || (!r.needs_update && !delivering_signal))
    return;
  r.needs_update = false;
  // The CPU returning to user mode, as getcpu(2) and the VDSO answer.
  const uint32_t cpu = smp::this_cpu_index();
  if (abort_critical_section(t) != 0 || write_cpu(r.area, cpu, cpu) != 0) {
    // As Linux's force_sigsegv: the area or its descriptor is broken.
    SignalInfo info{};
    info.code = kSiKernel;
    force_fault_signal(t, kSigSegv, info);
  }
}

}  // namespace kernel::proc
