#include "arch/x86_64/smp.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/tsc_aux.h"
#include "console/print.h"
#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "proc/scheduler.h"

extern "C" {
extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];
extern const uint8_t ap_trampoline_cr3[], ap_trampoline_stack[], ap_trampoline_entry[];
[[noreturn]] void ap_main();
}

namespace kernel::smp {
namespace {

// ap_trampoline.S's AP_TRAMPOLINE_PHYS: a page below 1 MiB (a STARTUP IPI
// names a real-mode page) that the frame allocator never hands out, below
// where QEMU's multiboot loader puts its information (0x9000).
constexpr uint64_t kTrampolinePhys = 0x8000;
constexpr uint64_t kApStackBytes = 16384;
constexpr uint64_t kEferKeptFromBootCpu = cpu::kEferNxe | cpu::kEferSyscallEnable;

// How long the steps of a start may take (Intel SDM vol. 3, 9.4.4.1:
// 10 ms after INIT, 200 us after STARTUP); a CPU that is not up after the
// last wait is left out. Under TCG on a loaded host a vCPU thread can wait
// long for its turn, hence the generous limit.
constexpr uint64_t kInitSettleUs = 10'000, kStartupSettleUs = 200, kAliveTimeoutUs = 2'000'000;
// The TSC check's window on each side (Linux's check_tsc_warp runs ~2 ms
// per CPU; TCG's vCPUs interleave more coarsely).
constexpr uint64_t kTscCheckUs = 10'000;

PerCpu cpus[kMaxCpus];
uint32_t running = 1;
bool tsc_synchronized = true;
alignas(16) uint8_t boot_entry_stack[16384];  // rsp0 until the first thread runs
uint64_t tsc_hz = 0;

// What the starting CPU reads in ap_main (one start at a time).
uint32_t starting_index = 0;
uint64_t starting_stack_top = 0;

// The boot CPU's set-up that every other CPU copies at release_cpus.
struct BootCpuState {
  uint64_t cr0, cr4, efer, pat, star, lstar, sfmask;
  uint32_t lapic_period_counts;
};
BootCpuState boot_state;
bool released = false;

// The TSC check, after Linux's check_tsc_warp, as a strict ping-pong: the
// two CPUs take turns, each reads its TSC after it has seen the other's
// last reading (acquire/release on the turn, lfence before rdtsc), so a
// reading below that one is a warp. Linux lets both CPUs race for a lock
// instead; under TCG one vCPU thread then keeps the lock for long runs and
// the two hardly ever alternate, so a warp would go unseen.
struct TscCheck {
  uint64_t last;  // the last reading, by whichever CPU's turn it was
  uint32_t turn;  // 0: the boot CPU reads next; 1: the starting CPU
  bool stop;      // set by the boot CPU, with the turn passed one last time
  uint64_t max_warp_cycles;
  uint64_t rounds;
  uint64_t window_cycles;
  uint64_t fake_warp_cycles;  // subtracted from the starting CPU's readings
  uint32_t arrived;
  uint32_t finished;
};
TscCheck tsc_check;
// Turns each CPU takes at least, however long the window takes.
constexpr uint64_t kTscCheckMinRounds = 256;

void delay_us(uint64_t us) {
  const uint64_t end = cpu::rdtsc_ordered() + tsc_hz / 1'000'000 * us;
  while (cpu::rdtsc_ordered() < end)
    cpu::pause();
}

void meet(uint32_t& counter) {
  __atomic_add_fetch(&counter, 1, __ATOMIC_ACQ_REL);
  while (__atomic_load_n(&counter, __ATOMIC_ACQUIRE) < 2)
    cpu::pause();
}

// One side of the check: `side` 0 is the boot CPU, 1 the starting one;
// `behind` is subtracted from this side's readings (0 but for the fake).
void run_tsc_check(uint32_t side, uint64_t behind) {
  meet(tsc_check.arrived);
  const uint64_t end = cpu::rdtsc_ordered() + tsc_check.window_cycles;
  for (;;) {
    while (__atomic_load_n(&tsc_check.turn, __ATOMIC_ACQUIRE) != side)
      cpu::pause();
    if (__atomic_load_n(&tsc_check.stop, __ATOMIC_RELAXED))
      break;
    const uint64_t previous = tsc_check.last;
    const uint64_t real = cpu::rdtsc_ordered();
    const uint64_t now = real - behind;
    if (now < previous && previous - now > tsc_check.max_warp_cycles)
      tsc_check.max_warp_cycles = previous - now;
    tsc_check.last = now;
    ++tsc_check.rounds;
    const bool done = side == 0 && real >= end && tsc_check.rounds >= 2 * kTscCheckMinRounds;
    if (done)
      __atomic_store_n(&tsc_check.stop, true, __ATOMIC_RELAXED);
    __atomic_store_n(&tsc_check.turn, 1 - side, __ATOMIC_RELEASE);
    if (done)
      break;
  }
  meet(tsc_check.finished);
}

void on_call_function(interrupts::InterruptFrame&) {
  PerCpu& self = this_cpu();
  lapic::end_of_interrupt();
  const CallFunction function = __atomic_load_n(&self.call, __ATOMIC_ACQUIRE);
  if (function == nullptr)
    return;
  function(self.call_argument);
  __atomic_store_n(&self.call, nullptr, __ATOMIC_RELAXED);
  __atomic_store_n(&self.call_done, true, __ATOMIC_RELEASE);
}

void set_gs_base(PerCpu& area) {
  cpu::wrmsr(cpu::kMsrGsBase, reinterpret_cast<uint64_t>(&area));
  cpu::wrmsr(cpu::kMsrKernelGsBase, 0);  // user mode's, until a thread sets its own
}

// Maps the trampoline page at its physical address in the kernel's page
// tables (which every starting CPU loads) and copies the code there.
// False when that page is not RAM.
bool install_trampoline() {
  if (!frames::is_ram(kTrampolinePhys))
    return false;
  const uint64_t bytes = static_cast<uint64_t>(ap_trampoline_end - ap_trampoline_start);
  KASSERT(bytes <= layout::kPageSize);
  auto* copy = layout::phys_to_virt<uint8_t>(kTrampolinePhys);
  for (uint64_t i = 0; i < bytes; ++i)
    copy[i] = ap_trampoline_start[i];
  paging::map_page(paging::kernel_space(), kTrampolinePhys, kTrampolinePhys, 0);
  return true;
}

void remove_trampoline() {
  paging::unmap_page(paging::kernel_space(), kTrampolinePhys);
  paging::release_empty_tables(paging::kernel_space(), kTrampolinePhys,
                               kTrampolinePhys + layout::kPageSize);
}

// A slot of the copied trampoline (ap_trampoline.S's data at its end).
void set_trampoline_slot(const uint8_t* slot, uint64_t value) {
  const uint64_t offset = static_cast<uint64_t>(slot - ap_trampoline_start);
  *layout::phys_to_virt<uint64_t>(kTrampolinePhys + offset) = value;
}

// INIT, STARTUP, STARTUP (the second is ignored by a CPU the first
// started), then waits for the CPU to say it is up. False if it never does.
bool start_one(uint32_t index) {
  PerCpu& target = cpus[index];
  auto* stack = static_cast<uint8_t*>(heap::allocate(kApStackBytes));
  if (stack == nullptr)
    return false;
  starting_index = index;
  starting_stack_top = reinterpret_cast<uint64_t>(stack + kApStackBytes) & ~15ull;
  set_trampoline_slot(ap_trampoline_stack, starting_stack_top);
  set_trampoline_slot(ap_trampoline_entry, reinterpret_cast<uint64_t>(ap_main));
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  lapic::send_init(target.lapic_id);
  delay_us(kInitSettleUs);
  constexpr auto kPage = static_cast<uint8_t>(kTrampolinePhys >> 12);
  lapic::send_startup(target.lapic_id, kPage);
  delay_us(kStartupSettleUs);
  if (!__atomic_load_n(&target.online, __ATOMIC_ACQUIRE))
    lapic::send_startup(target.lapic_id, kPage);
  const uint64_t deadline = cpu::rdtsc_ordered() + tsc_hz / 1'000'000 * kAliveTimeoutUs;
  while (!__atomic_load_n(&target.online, __ATOMIC_ACQUIRE)) {
    if (cpu::rdtsc_ordered() > deadline) {
      // Back to waiting for a STARTUP, so that it cannot run the
      // trampoline later, once that page is gone.
      lapic::send_init(target.lapic_id);
      return false;
    }
    cpu::pause();
  }
  return true;
}

void print_apic_ids(const acpi::Processors& found) {
  for (int i = 0; i < found.count; ++i)
    kprint("%s%u", i == 0 ? "" : " ", found.apic_ids[i]);
}

}  // namespace

uint32_t cpu_count() {
  return __atomic_load_n(&running, __ATOMIC_ACQUIRE);
}

PerCpu& cpu(uint32_t index) {
  KASSERT(index < kMaxCpus);
  return cpus[index];
}

void init_boot_cpu() {
  for (uint32_t i = 0; i < kMaxCpus; ++i) {
    cpus[i].self = &cpus[i];
    cpus[i].index = i;
  }
  cpus[0].online = true;
  set_gs_base(cpus[0]);
  gdt::init(0, reinterpret_cast<uint64_t>(boot_entry_stack + sizeof(boot_entry_stack)));
}

StartResult start_cpus(uint32_t max_cpus, uint64_t calibrated_tsc_hz, bool fake_tsc_warp) {
  tsc_hz = calibrated_tsc_hz;
  cpus[0].lapic_id = lapic::id();
  interrupts::set_handler(interrupts::kCallFunctionVector, on_call_function);
  StartResult result{1, true};

  const acpi::Processors found = acpi::find_processors();
  if (found.problem != nullptr) {
    kprint("smp: %s: running on the boot CPU alone\n", found.problem);
    return result;
  }
  kprint("smp: %d CPU%s in the MADT (APIC ids ", found.count, found.count == 1 ? "" : "s");
  print_apic_ids(found);
  kprint("), boot CPU APIC id %u\n", cpus[0].lapic_id);
  if (found.count == 1)
    return result;
  const uint32_t wanted = max_cpus < kMaxCpus ? max_cpus : kMaxCpus;
  if (static_cast<uint32_t>(found.count) > wanted)
    kprint("smp: starting %u of them (the kernel runs %u at most)\n", wanted, kMaxCpus);
  if (!install_trampoline()) {
    kprint("smp: physical page 0x%lx is not RAM: no trampoline, running on the boot CPU alone\n",
           kTrampolinePhys);
    return result;
  }
  // The kernel's PML4, loaded by the trampoline in 32-bit mode.
  const uint64_t pml4_phys = paging::kernel_space().pml4_phys;
  KASSERT(pml4_phys < (1ull << 32));
  set_trampoline_slot(ap_trampoline_cr3, pml4_phys);

  for (int i = 0; i < found.count && result.cpus < wanted; ++i) {
    if (found.apic_ids[i] == cpus[0].lapic_id)
      continue;
    const uint32_t index = result.cpus;
    cpus[index].lapic_id = found.apic_ids[i];
    tsc_check = TscCheck{};
    tsc_check.window_cycles = tsc_hz / 1'000'000 * kTscCheckUs;
    tsc_check.fake_warp_cycles = fake_tsc_warp ? tsc_hz / 1000 : 0;
    if (!start_one(index)) {
      kprint("smp: CPU %u (APIC id %u) did not start: running on %u CPUs\n", index,
             cpus[index].lapic_id, result.cpus);
      break;
    }
    run_tsc_check(0, 0);
    const uint64_t warp = tsc_check.max_warp_cycles;
    if (warp != 0) {
      result.tsc_synchronized = false;
      kprint(
          "smp: CPU %u's TSC differs from the boot CPU's: a reading %lu cycles behind one "
          "taken before it (%lu turns%s)\n",
          index, warp, tsc_check.rounds, fake_tsc_warp ? ", faked by tscwarp=1" : "");
    } else {
      kprint("smp: CPU %u (APIC id %u) up; its TSC agrees with the boot CPU's (%lu turns)\n", index,
             cpus[index].lapic_id, tsc_check.rounds);
    }
    ++result.cpus;
    __atomic_store_n(&running, result.cpus, __ATOMIC_RELEASE);
  }
  remove_trampoline();
  tsc_synchronized = result.tsc_synchronized;
  kprint("smp: %u CPUs running%s\n", result.cpus,
         result.tsc_synchronized ? "" : "; their TSCs disagree");
  return result;
}

bool tscs_agree() {
  return tsc_synchronized;
}

void release_cpus(uint32_t lapic_period_counts) {
  boot_state = BootCpuState{cpu::read_cr0(),
                            cpu::read_cr4(),
                            cpu::rdmsr(cpu::kMsrEfer),
                            cpu::rdmsr(cpu::kMsrPat),
                            cpu::rdmsr(cpu::kMsrStar),
                            cpu::rdmsr(cpu::kMsrLstar),
                            cpu::rdmsr(cpu::kMsrSfmask),
                            lapic_period_counts};
  __atomic_store_n(&released, true, __ATOMIC_RELEASE);
}

void ap_idle() {
  sched::run_idle();
}

void set_kernel_stack(uint64_t stack_top) {
  gdt::set_kernel_stack(stack_top);
  this_cpu().syscall_kernel_rsp = stack_top;
}

void send_ipi(uint32_t cpu_index, uint8_t vector) {
  KASSERT(cpu_index < cpu_count());
  lapic::send_fixed(cpus[cpu_index].lapic_id, vector);
}

void send_ipi_all_but_self(uint8_t vector) {
  const uint32_t self = this_cpu_index();
  for (uint32_t i = 0; i < cpu_count(); ++i) {
    if (i != self)
      lapic::send_fixed(cpus[i].lapic_id, vector);
  }
}

void run_on_cpu(uint32_t cpu_index, CallFunction function, void* argument) {
  KASSERT(cpu_index != this_cpu_index() && cpu_index < cpu_count());
  PerCpu& target = cpus[cpu_index];
  KASSERT(__atomic_load_n(&target.call, __ATOMIC_ACQUIRE) == nullptr);
  target.call_argument = argument;
  __atomic_store_n(&target.call_done, false, __ATOMIC_RELAXED);
  __atomic_store_n(&target.call, function, __ATOMIC_RELEASE);
  send_ipi(cpu_index, interrupts::kCallFunctionVector);
}

void wait_for_call(uint32_t cpu_index) {
  while (!__atomic_load_n(&cpus[cpu_index].call_done, __ATOMIC_ACQUIRE))
    cpu::pause();
}

}  // namespace kernel::smp

// An application processor, from the trampoline: in long mode on the
// kernel's page tables and its own stack, interrupts off.
extern "C" void ap_main() {
  using namespace kernel;
  using namespace kernel::smp;
  const uint32_t index = starting_index;
  PerCpu& self = cpus[index];
  set_gs_base(self);
  gdt::init(index, starting_stack_top);
  interrupts::load();
  lapic::init_this_cpu();
  __atomic_store_n(&self.online, true, __ATOMIC_RELEASE);
  run_tsc_check(1, tsc_check.fake_warp_cycles);

  while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE))
    cpu::pause();
  // As the boot CPU: SSE on (fpu::init), SMEP/SMAP (user_protection::init),
  // PAT, NX and SYSCALL (syscall::init). Reloading CR3 also drops what
  // this CPU cached of the trampoline's mapping, gone since.
  cpu::write_cr0(boot_state.cr0);
  cpu::write_cr4(boot_state.cr4);
  cpu::write_cr3(cpu::read_cr3());
  cpu::wrmsr(cpu::kMsrEfer, cpu::rdmsr(cpu::kMsrEfer) | (boot_state.efer & kEferKeptFromBootCpu));
  cpu::wrmsr(cpu::kMsrPat, boot_state.pat);
  cpu::wrmsr(cpu::kMsrStar, boot_state.star);
  cpu::wrmsr(cpu::kMsrLstar, boot_state.lstar);
  cpu::wrmsr(cpu::kMsrSfmask, boot_state.sfmask);
  tsc_aux::init();
  lapic::start_periodic(interrupts::kTimerVector, boot_state.lapic_period_counts);
  ap_idle();
}
