#include "proc/fault.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/user_access.h"
#include "console/print.h"
#include "proc/mappings.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"

namespace kernel::proc {
namespace {

constexpr uint64_t kPageFaultPresent = 1;  // error code: a protection violation, not a missing page

int signal_for(uint64_t vector) {
  switch (vector) {
    case 0: return kSigFpe;    // divide error
    case 1: return kSigTrap;   // debug
    case 3: return kSigTrap;   // int3
    case 4: return kSigSegv;   // into (Linux: SIGSEGV)
    case 5: return kSigSegv;   // bound
    case 6: return kSigIll;    // invalid opcode
    case 7: return kSigFpe;    // device not available (cannot happen: CR0.EM off)
    case 13: return kSigSegv;  // general protection
    case 14: return kSigSegv;  // page fault
    case 16: return kSigFpe;   // x87
    case 17: return kSigBus;   // alignment check
    case 19: return kSigFpe;   // SIMD
    default: return kSigSegv;
  }
}

// si_code for the fault (include/uapi/asm-generic/siginfo.h).
int32_t code_for(uint64_t vector, uint64_t error_code) {
  constexpr int32_t kSegvMaperr = 1, kSegvAccerr = 2, kIllIllopn = 2, kFpeIntdiv = 1,
                    kTrapBrkpt = 1, kSiKernel = 0x80;
  switch (vector) {
    case interrupts::kPageFault: return (error_code & 1) ? kSegvAccerr : kSegvMaperr;
    case 6: return kIllIllopn;
    case 0: return kFpeIntdiv;
    case 3: return kTrapBrkpt;
    default: return kSiKernel;
  }
}

void handle_user_exception(interrupts::InterruptFrame& frame, uint64_t fault_address) {
  Process& p = current();
  const int signal = signal_for(frame.vector);
  SignalInfo info{code_for(frame.vector, frame.error_code), 0, frame.rip, 0, 0, 0};
  if (frame.vector == interrupts::kPageFault) {
    const uint64_t address = fault_address;
    const bool not_present = (frame.error_code & kPageFaultPresent) == 0;
    const FaultResolution resolution = resolve_user_fault(address, frame.error_code);
    if (resolution == FaultResolution::kResolved)
      return;
    info.address = address;
    if (resolution == FaultResolution::kOutOfMemory) {
      // Linux's VM_FAULT_OOM on a user fault that cannot be satisfied; with
      // no OOM killer here, the process that touched the page pays.
      constexpr int32_t kBusAdrerr = 2;
      info.code = kBusAdrerr;
      kprint("proc: pid %d (%s): page fault at 0x%lx: no free frame: SIGBUS\n", p.pid, p.name,
             address);
      force_fault_signal(current_thread(), kSigBus, info);
      return;
    }
    kprint("proc: pid %d (%s): page fault at 0x%lx (%s %s) rip=0x%lx: SIGSEGV\n", p.pid, p.name,
           address, not_present ? "non-present page," : "protection violation,",
           (frame.error_code & 16) ? "fetch" : ((frame.error_code & 2) ? "write" : "read"),
           frame.rip);
  } else {
    const char* name = interrupts::exception_name(frame.vector);
    kprint("proc: pid %d (%s): %s (vector %lu) rip=0x%lx: %s\n", p.pid, p.name,
           name != nullptr ? name : "exception", frame.vector, frame.rip, signal_name(signal));
  }
  force_fault_signal(current_thread(), signal, info);
}

// A user-mode exception, under the kernel lock like every entry from user
// mode (cr2 is read first: the lock's wait opens interrupts).
void on_user_exception(interrupts::InterruptFrame& frame) {
  const uint64_t fault_address = frame.vector == interrupts::kPageFault ? cpu::read_cr2() : 0;
  sched::enter_from_user();
  handle_user_exception(frame, fault_address);
  sched::return_to_user();
}

// A kernel-mode fault: only a page fault at a user-access instruction on
// a user address is the process's. A fault on the kernel's side of a copy
// (cr2 in the kernel half) is a kernel bug and still panics.
bool on_user_access_fault(interrupts::InterruptFrame& frame) {
  if (frame.vector != interrupts::kPageFault || !user_access::is_listed(frame.rip))
    return false;
  const uint64_t address = cpu::read_cr2();
  if (!user_range_ok(address, 1))
    return false;
  if (resolve_user_fault(address, frame.error_code) != FaultResolution::kResolved)
    user_access::resume_at_fixup(frame);
  return true;
}

}  // namespace

FaultResolution resolve_user_fault(uint64_t address, uint64_t error_code) {
  constexpr uint64_t kPageFaultWrite = 2, kPageFaultFetch = 16;
  // A present page that refused the access stays refused: protection is
  // the mapping's, already in the page table.
  if ((error_code & kPageFaultPresent) != 0)
    return FaultResolution::kNotMapped;
  return map_on_first_touch(address, (error_code & kPageFaultWrite) != 0,
                            (error_code & kPageFaultFetch) != 0);
}

void install_user_fault_handler() {
  interrupts::set_user_exception_handler(on_user_exception);
  interrupts::set_kernel_fault_handler(on_user_access_fault);
}

}  // namespace kernel::proc
