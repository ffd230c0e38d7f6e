// Tests that the walls between the kernel and user pages are real: with
// SMAP on, a kernel-mode read of a user page through its user address
// faults, unless the kernel says it means it (EFLAGS.AC, stac). The kernel
// reads user memory that way only inside the user-access routines
// (arch/x86_64/user_access.h); the second test drives them through every
// kind of page and checks that each fault becomes -EFAULT with the window
// closed again.
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/user_protection.h"
#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/user_memory.h"
#include "tests/ktest.h"
#include "vdso/abi/linux.h"

// uint64_t protection_probe_read(const uint64_t* address): one load from
// `address`. When it faults, the handler below resumes after the load,
// and the probe returns the sentinel it put in rax first.
extern "C" uint64_t protection_probe_read(uint64_t address);
extern "C" char protection_probe_load[], protection_probe_resume[];
asm(R"(
  .text
  .globl protection_probe_read, protection_probe_load, protection_probe_resume
  .type protection_probe_read, @function
protection_probe_read:
  movabs $0x5afe5afe5afe5afe, %rax
protection_probe_load:
  movq (%rdi), %rax
protection_probe_resume:
  ret
  .size protection_probe_read, . - protection_probe_read
)");

namespace abi = vdso::abi;
namespace kernel::ktest {
namespace {

constexpr uint64_t kProbeSentinel = 0x5afe'5afe'5afe'5afe;
constexpr uint64_t kUserPage = 0x7000'0000'0000;
constexpr uint64_t kMarker = 0x1234'5678'9abc'def0;
constexpr uint64_t kPfPresent = 1, kPfWrite = 2, kPfUser = 4;

struct ProbeFault {
  bool happened = false;
  uint64_t address = 0;
  uint64_t error_code = 0;
};
volatile ProbeFault probe_fault;

// Installed only around the probe's load: that load's fault is recorded
// and skipped; any other page fault is a real one.
void catch_probe_fault(interrupts::InterruptFrame& frame) {
  if (interrupts::from_user_mode(frame) ||
      frame.rip != reinterpret_cast<uint64_t>(protection_probe_load)) {
    panic_on_exception(frame);
  }
  probe_fault.happened = true;
  probe_fault.address = cpu::read_cr2();
  probe_fault.error_code = frame.error_code;
  frame.rip = reinterpret_cast<uint64_t>(protection_probe_resume);
}

uint64_t probe(uint64_t address) {
  probe_fault.happened = false;
  interrupts::set_handler(interrupts::kPageFault, catch_probe_fault);
  const uint64_t value = protection_probe_read(address);
  interrupts::set_handler(interrupts::kPageFault, nullptr);
  return value;
}

void smap_faults_kernel_reads_of_user_pages(Context& t, const BootOptions&) {
  const paging::AddressSpace space = paging::create_address_space();
  const bool mapped = proc::map_zeroed_page(space, kUserPage, paging::kUser | paging::kNoExecute);
  KEXPECT(t, mapped, "a user page");
  if (!mapped)
    return;
  const paging::Translation page = paging::translate(space, kUserPage);
  *layout::phys_to_virt<uint64_t>(page.phys) = kMarker;  // the kernel's own way in
  const uint64_t saved_cr3 = cpu::read_cr3();
  paging::activate(space);

  KEXPECT(t, user_protection::smap_on() == user_protection::smap_available(),
          "SMAP on exactly when the CPU has it (on: %d)", user_protection::smap_on());
  const uint64_t plain = probe(kUserPage);
  if (user_protection::smap_on()) {
    KEXPECT(t, probe_fault.happened, "the read faulted (it returned 0x%lx)", plain);
    KEXPECT(t, probe_fault.address == kUserPage, "at 0x%lx", probe_fault.address);
    KEXPECT(t, (probe_fault.error_code & (kPfPresent | kPfWrite | kPfUser)) == kPfPresent,
            "a protection violation on a supervisor read (error code 0x%lx)",
            probe_fault.error_code);
    KEXPECT(t, plain == kProbeSentinel, "nothing was read: 0x%lx", plain);
    // The same load with EFLAGS.AC set reads the marker: the fault was
    // SMAP's, not a mapping's.
    asm volatile("stac" ::: "memory");
    const uint64_t allowed = probe(kUserPage);
    asm volatile("clac" ::: "memory");
    KEXPECT(t, !probe_fault.happened && allowed == kMarker, "with stac: 0x%lx, faulted %d", allowed,
            probe_fault.happened);
  } else {
    // No SMAP on this CPU model (TCG's default): the read goes through.
    KEXPECT(t, !probe_fault.happened && plain == kMarker,
            "without SMAP the read succeeds: 0x%lx, faulted %d", plain, probe_fault.happened);
  }
  cpu::write_cr3(saved_cr3);
  paging::destroy_address_space(space, [](uint64_t) { return false; });
}

bool access_flag_set() {
  uint64_t flags;
  asm volatile("pushfq; popq %0" : "=r"(flags));
  return (flags & (1u << 18)) != 0;
}

// [read-write][read-only][hole] at kUserPage, in a space of its own (no
// process: nothing resolves a fault, so each one reaches its fixup).
void user_copies_fault_to_efault(Context& t, const BootOptions&) {
  const paging::AddressSpace space = paging::create_address_space();
  const uint64_t writable = kUserPage, read_only = kUserPage + layout::kPageSize,
                 hole = kUserPage + 2 * layout::kPageSize;
  const bool mapped =
      proc::map_zeroed_page(space, writable,
                            paging::kUser | paging::kWritable | paging::kNoExecute) &&
      proc::map_zeroed_page(space, read_only, paging::kUser | paging::kNoExecute);
  KEXPECT(t, mapped, "two user pages");
  if (!mapped)
    return;
  uint8_t* read_only_bytes =
      layout::phys_to_virt<uint8_t>(paging::translate(space, read_only).phys);
  *reinterpret_cast<uint64_t*>(read_only_bytes) = kMarker;
  read_only_bytes[layout::kPageSize - 1] = 'x';  // a string that runs into the hole
  const uint64_t saved_cr3 = cpu::read_cr3();
  paging::activate(space);

  uint64_t value = 0;
  KEXPECT(t, proc::read_user(read_only, value) == 0 && value == kMarker,
          "a read of a read-only page copies it (SMAP on: %d): 0x%lx", user_protection::smap_on(),
          value);
  KEXPECT(t,
          proc::write_user(writable, kMarker) == 0 && proc::read_user(writable, value) == 0 &&
              value == kMarker,
          "a write to a writable page lands: 0x%lx", value);
  KEXPECT(t, proc::write_user(read_only, uint64_t{1}) == -abi::kEFAULT,
          "a write to a read-only page is -EFAULT");
  KEXPECT(t, proc::read_user(read_only, value) == 0 && value == kMarker, "and changed nothing");
  KEXPECT(t, proc::read_user(hole, value) == -abi::kEFAULT, "a read of a hole is -EFAULT");
  KEXPECT(t, proc::read_user(hole - 4, value) == -abi::kEFAULT,
          "a read straddling into the hole is -EFAULT");
  KEXPECT(t, proc::write_user(read_only - 4, uint64_t{0}) == -abi::kEFAULT,
          "a write straddling into the read-only page is -EFAULT");
  KEXPECT(t, proc::read_user(layout::kUserTop - 4, value) == -abi::kEFAULT,
          "a read across the user top is -EFAULT");
  KEXPECT(t, proc::read_user(layout::kKernelBase, value) == -abi::kEFAULT,
          "a read of the kernel half is -EFAULT");
  KEXPECT(t,
          proc::user_writable(writable, 8) && !proc::user_writable(read_only, 8) &&
              !proc::user_writable(read_only - 4, 8) && !proc::user_writable(hole, 1),
          "user_writable says which");
  char text[8];
  KEXPECT(t, proc::copy_string_from_user(text, sizeof(text), hole - 1) == -abi::kEFAULT,
          "a string running into the hole is -EFAULT");
  KEXPECT(t, proc::copy_string_from_user(text, sizeof(text), hole - 2) == 0 && text[0] == '\0',
          "a string that ends before it is copied");
  KEXPECT(t, proc::copy_to_user_partial(read_only - 4, &kMarker, 8) == 4,
          "a partial copy counts the bytes before the fault");
  KEXPECT(t, !access_flag_set(), "the SMAP window is closed after the faults");

  cpu::write_cr3(saved_cr3);
  paging::destroy_address_space(space, [](uint64_t) { return false; });
}

}  // namespace

const Test kProtectionTests[] = {
    {"protection.smap_faults_kernel_reads_of_user_pages", smap_faults_kernel_reads_of_user_pages},
    {"protection.user_copies_fault_to_efault", user_copies_fault_to_efault},
};
const int kProtectionTestCount = sizeof(kProtectionTests) / sizeof(kProtectionTests[0]);

}  // namespace kernel::ktest
