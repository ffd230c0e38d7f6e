#include "proc/process.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/qemu_exit.h"
#include "console/print.h"
#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/timers.h"
#include "vdso/vdso_pages.h"

extern "C" char interrupt_return[];

namespace kernel::proc {
namespace {

Process table[kMaxProcesses];
constexpr uint64_t kStackCanary = 0x5354'4143'4b45'4e44;  // "STACKEND"

Process* running = &table[0];
int next_pid = 1;
bool verbose_exits = false;

void copy_name(char (&to)[32], const char* from) {
  size_t i = 0;
  for (; i + 1 < sizeof(to) && from[i] != '\0'; ++i)
    to[i] = from[i];
  to[i] = '\0';
}

void report_exit(const Process& p, int wait_status) {
  if ((wait_status & 0x7f) == 0) {
    kprint("proc: pid %d (%s) exited with status %d", p.pid, p.name, (wait_status >> 8) & 0xff);
  } else {
    kprint("proc: pid %d (%s) killed by %s", p.pid, p.name, signal_name(wait_status & 0x7f));
  }
  if (!verbose_exits) {
    kprint("\n");
    return;
  }
  // Every count is followed by a space, the last by " (N in all)", so a
  // test can match " NAME=COUNT " exactly wherever NAME falls.
  kprint("; system calls:");
  for (int n = 0; n < kSyscallCountSlots; ++n) {
    if (p.syscall_counts[n] != 0)
      kprint(" %s=%u", syscall_name(static_cast<uint64_t>(n)), p.syscall_counts[n]);
  }
  kprint(" (%lu in all)\n", p.syscall_total);
}

// The end of the machine: pid 1 is gone. The runner reads the status from
// this line (vdso-kernel-run), the test runner from the exit code.
[[noreturn]] void stop_machine(int wait_status) {
  kprint("VDSO-KERNEL-EXIT wait_status=%d\n", wait_status);
  qemu_exit(wait_status == 0 ? ExitCode::kPass : ExitCode::kFail);
}

}  // namespace

void init() {
  for (Process& p : table)
    p.state = State::kFree;
  table[0].pid = 0;
  table[0].state = State::kRunnable;
  table[0].space = paging::kernel_space();
  copy_name(table[0].name, "idle");
  running = &table[0];
}

void check_kernel_stack(const Process& p) {
  if (p.pid != 0 && *reinterpret_cast<const uint64_t*>(p.kernel_stack) != kStackCanary)
    PANIC("kernel stack of pid %d (%s) overflowed", p.pid, p.name);
}

Process& current() {
  return *running;
}
void set_current(Process& p) {
  running = &p;
}

Process* find(int pid) {
  for (Process& p : table) {
    if (p.state != State::kFree && p.pid == pid)
      return &p;
  }
  return nullptr;
}

Process* slot(int index) {
  return &table[index];
}

Process* allocate(int parent_pid, const char* name) {
  for (int i = 1; i < kMaxProcesses; ++i) {
    Process& p = table[i];
    if (p.state != State::kFree)
      continue;
    p.pid = next_pid++;
    p.parent_pid = parent_pid;
    p.state = State::kWaiting;  // not runnable until prepared
    copy_name(p.name, name);
    p.space = paging::AddressSpace{0};
    p.layout = UserLayout{};
    p.mappings.clear();
    p.saved_kernel_rsp = 0;
    p.user_frame = nullptr;
    p.fs_base = 0;
    fpu::reset(p.fpu);
    p.wake_at_ns = 0;
    p.woken = false;
    p.cpu_time_ns = 0;
    p.ran_since_ns = 0;
    p.wait_status = 0;
    p.clear_child_tid = 0;
    p.signals = SignalState{};
    for (fs::File*& file : p.files)
      file = nullptr;
    p.close_on_exec = 0;
    p.syscall_total = 0;
    for (uint32_t& count : p.syscall_counts)
      count = 0;
    *reinterpret_cast<uint64_t*>(p.kernel_stack) = kStackCanary;
    return &p;
  }
  return nullptr;
}

void prepare_first_entry(Process& p, const interrupts::InterruptFrame& frame) {
  uint8_t* top = p.kernel_stack + kKernelStackBytes;
  auto* user_frame = reinterpret_cast<interrupts::InterruptFrame*>(top) - 1;
  *user_frame = frame;
  p.user_frame = user_frame;
  // What switch_context pops: r15 r14 r13 r12 rbx rbp, then the return
  // address, which leaves through the interrupt return path.
  auto* switch_frame = reinterpret_cast<uint64_t*>(user_frame) - 7;
  for (int i = 0; i < 6; ++i)
    switch_frame[i] = 0;
  switch_frame[6] = reinterpret_cast<uint64_t>(interrupt_return);
  p.saved_kernel_rsp = reinterpret_cast<uint64_t>(switch_frame);
}

bool is_shared_frame(uint64_t phys) {
  if (phys == vdso_pages::data_page_phys())
    return true;
  return phys >= vdso_pages::image_phys() &&
         phys < vdso_pages::image_phys() + layout::page_round_up(vdso_pages::image_size());
}

bool may_allocate_user_frames(uint64_t pages) {
  // One page table per 512 pages, plus the upper levels.
  const uint64_t tables = pages / 512 + 4;
  return frames::free_count() >= kFrameReserve + pages + tables;
}

void exit_current(int wait_status) {
  Process& p = current();
  KASSERT(p.pid != 0);
  report_exit(p, wait_status);
  if (p.pid == 1)
    stop_machine(wait_status);

  close_all_files(p);
  timers::on_exit(p);
  paging::activate(paging::kernel_space());
  paging::destroy_address_space(p.space, is_shared_frame);
  p.space = paging::AddressSpace{0};
  p.mappings.clear();
  p.wait_status = wait_status;
  p.state = State::kZombie;

  Process* init = find(1);
  for (Process& child : table) {
    if (child.state != State::kFree && child.parent_pid == p.pid && &child != &p) {
      child.parent_pid = 1;
      if (child.state == State::kZombie && init != nullptr && init->state == State::kWaiting)
        sched::wake(*init);
    }
  }
  if (Process* parent = find(p.parent_pid)) {
    send_signal(*parent, kSigChld);
    if (parent->state == State::kWaiting)
      sched::wake(*parent);
  }
  sched::schedule();
  PANIC("a zombie was scheduled");
}

void close_on_exec(Process& p) {
  for (int fd = 0; fd < kMaxFds; ++fd) {
    if (p.files[fd] != nullptr && (p.close_on_exec >> fd) & 1) {
      fs::release(p.files[fd]);
      p.files[fd] = nullptr;
    }
  }
  p.close_on_exec = 0;
}

void close_all_files(Process& p) {
  for (fs::File*& file : p.files) {
    if (file != nullptr)
      fs::release(file);
    file = nullptr;
  }
  p.close_on_exec = 0;
}

void reap(Process& zombie) {
  KASSERT(zombie.state == State::kZombie);
  zombie.state = State::kFree;
}

void set_verbose(bool verbose) {
  verbose_exits = verbose;
}

}  // namespace kernel::proc
