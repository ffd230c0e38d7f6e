#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "console/print.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/syscall.h"
#include "vdso/abi/linux.h"

extern "C" void syscall_entry();

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

// Cleared on entry: IF (the kernel is not preemptible; the kernel lock
// opens it only while it waits), DF (the ABI wants
// it clear), TF, AC, NT.
constexpr uint64_t kEntryFlagsMask = (1u << 9) | (1u << 10) | (1u << 8) | (1u << 18) | (1u << 14);

constexpr int kTableSize = proc::kSyscallCountSlots;

struct Table {
  Handler handlers[kTableSize] = {};
  constexpr Table() {
#define VDSO_KERNEL_ENTRY(name) handlers[vdso::arch::syscall_number(#name)] = sys_##name;
    VDSO_KERNEL_SYSCALLS(VDSO_KERNEL_ENTRY)
#undef VDSO_KERNEL_ENTRY
  }
};
constexpr Table kTable;

uint64_t logged_missing[kTableSize / 64];
bool logged_out_of_range = false;

int64_t not_implemented(uint64_t number) {
  const bool in_table = number < kTableSize;
  bool& logged = logged_out_of_range;
  if (in_table ? (logged_missing[number / 64] >> (number % 64)) & 1 : logged) {
    return -abi::kENOSYS;
  }
  if (in_table) {
    logged_missing[number / 64] |= 1ull << (number % 64);
  } else {
    logged = true;
  }
  kprint("syscall: %s (%lu) not implemented: -ENOSYS (pid %d, logged once)\n", syscall_name(number),
         number, proc::current().pid);
  return -abi::kENOSYS;
}

}  // namespace

void init() {
  cpu::wrmsr(cpu::kMsrEfer, cpu::rdmsr(cpu::kMsrEfer) | cpu::kEferSyscallEnable);
  // SYSCALL loads CS from STAR[47:32] (SS = +8); SYSRET loads CS from
  // STAR[63:48] + 16 and SS from + 8 (gdt.h orders the segments for it).
  const uint64_t sysret_base = gdt::kUserData - 8;  // 0x13: RPL 3
  cpu::wrmsr(cpu::kMsrStar, (sysret_base << 48) | (uint64_t{gdt::kKernelCode} << 32));
  cpu::wrmsr(cpu::kMsrLstar, reinterpret_cast<uint64_t>(syscall_entry));
  cpu::wrmsr(cpu::kMsrSfmask, kEntryFlagsMask);
}

}  // namespace kernel::syscall

extern "C" void syscall_dispatch(kernel::syscall::Frame* frame) {
  using namespace kernel;
  // The system time includes the wait for the kernel lock and the way back
  // (signals, a reschedule): the thread is in the kernel for all of it.
  // Only this CPU writes its running thread's stamps.
  proc::Thread& thread = proc::current_thread();
  proc::entered_system_call(thread);
  sched::enter_from_user();
  proc::Process& p = proc::current();
  const uint64_t number = frame->rax;
  ++p.syscall_total;
  if (number < proc::kSyscallCountSlots)
    ++p.syscall_counts[number];
  const syscall::Handler handler =
      number < syscall::kTableSize ? syscall::kTable.handlers[number] : nullptr;
  const int64_t result = handler != nullptr ? handler(*frame) : syscall::not_implemented(number);
  frame->rax = static_cast<uint64_t>(result);
  // A blocking call a signal cut short: SA_RESTART decides (signal.cpp).
  if (result == -abi::kERESTARTSYS)
    thread.interrupted_syscall = static_cast<int64_t>(number);
  sched::return_to_user();
  proc::left_system_call(thread);
}
