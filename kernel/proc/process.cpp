#include "proc/process.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/qemu_exit.h"
#include "console/host_protocol.h"
#include "console/print.h"
#include "lib/panic.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "proc/futex.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/timers.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "vdso/vdso_pages.h"

extern "C" char first_entry_to_user[];

namespace kernel::proc {
namespace {

Process processes[kMaxProcesses];
Thread threads[kMaxThreads];
constexpr uint64_t kStackCanary = 0x5354'4143'4b45'4e44;  // "STACKEND"

// The idle tasks of the CPUs after the boot CPU (whose idle task is thread
// slot 0): outside the thread table, so no table walk mistakes them for
// threads of the idle process. Each runs on the stack its CPU came up on.
Thread other_cpus_idle[kMaxCpus - 1];

bool running_on_any_cpu(const Thread& t) {
  return cpu_running(t) != nullptr;
}

int next_pid = 1;
bool verbose_exits = false;

// `from` cut to fit `to`, NUL-terminated.
template <size_t N>
void copy_name(char (&to)[N], const char* from) {
  size_t i = 0;
  for (; i + 1 < sizeof(to) && from[i] != '\0'; ++i)
    to[i] = from[i];
  to[i] = '\0';
}

}  // namespace

void set_comm(Thread& t, const char* name) {
  copy_name(t.comm, name);
}

namespace {

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
      kprint(" %s=%u", syscall::syscall_name(static_cast<uint64_t>(n)), p.syscall_counts[n]);
  }
  kprint(" (%lu in all)\n", p.syscall_total);
}

// The end of the machine: pid 1 is gone. The runner reads the status from
// this line (vdso-kernel-run), the test runner from the exit code.
[[noreturn]] void stop_machine(int wait_status) {
  kprint("%s%d\n", host_protocol::kExitMarker, wait_status);
  qemu_exit(wait_status == 0 ? ExitCode::kPass : ExitCode::kFail);
}

}  // namespace

void init() {
  for (Process& p : processes)
    p.state = ProcessState::kFree;
  for (Thread& t : threads)
    t.state = State::kFree;
  processes[0].pid = 0;
  processes[0].state = ProcessState::kLive;
  processes[0].space = paging::kernel_space();
  processes[0].live_threads = 1;
  copy_name(processes[0].name, "idle");
  for (int i = 0; i < kMaxCpus; ++i) {
    Thread& idle = i == 0 ? threads[0] : other_cpus_idle[i - 1];
    idle.tid = 0;
    idle.process = &processes[0];
    idle.state = State::kRunnable;
    idle.allowed_cpus = CpuMask{1} << i;
    Cpu& c = cpu(i);
    c.index = i;
    c.idle = &idle;
    c.current = &idle;
    c.slice_ticks_left = 1;
    c.reschedule = false;
  }
}

void check_kernel_stack(const Thread& t) {
  if (t.tid != 0 && *reinterpret_cast<const uint64_t*>(t.kernel_stack) != kStackCanary)
    PANIC("kernel stack of pid %d (%s) overflowed (tid %d)", t.process->pid, t.process->name,
          t.tid);
}

void set_current(Thread& t) {
  this_cpu().current = &t;
}

Process* find(int pid) {
  for (Process& p : processes) {
    if (p.state != ProcessState::kFree && p.pid == pid)
      return &p;
  }
  return nullptr;
}

Thread* find_thread(int tid) {
  for (Thread& t : threads) {
    if (t.state != State::kFree && t.state != State::kDead && t.tid == tid)
      return &t;
  }
  return nullptr;
}

Process* slot(int index) {
  return &processes[index];
}

Thread* thread_slot(int index) {
  return &threads[index];
}

namespace {

Thread* free_thread_slot() {
  for (int i = 1; i < kMaxThreads; ++i) {
    Thread& t = threads[i];
    // A dead thread's stack is free once no CPU is still on it (it was
    // switched away from after its exit).
    if (t.state == State::kFree || (t.state == State::kDead && !running_on_any_cpu(t)))
      return &t;
  }
  return nullptr;
}

void reset_thread(Thread& t, Process& p, int tid) {
  t.tid = tid;
  t.process = &p;
  t.state = State::kWaiting;  // not runnable until prepared
  t.saved_kernel_rsp = 0;
  t.user_frame = nullptr;
  t.fs_base = 0;
  fpu::reset(t.fpu);
  t.wake_at_ns = 0;
  t.woken = false;
  t.cpu_time_ns = 0;
  t.ran_since_ns = 0;
  t.clear_child_tid = 0;
  t.futex_address = 0;
  t.futex_bitset = 0;
  t.interrupted_syscall = -1;
  t.allowed_cpus = ~CpuMask{0};
  t.signals = ThreadSignals{};
  t.signals.alternate_stack.flags = kSsDisable;
  t.rseq = RseqRegistration{};
  t.accounting = ThreadAccounting{};
  set_comm(t, p.name);
  *reinterpret_cast<uint64_t*>(t.kernel_stack) = kStackCanary;
  ++p.live_threads;
}

}  // namespace

int last_pid() {
  return next_pid - 1;
}

Thread* allocate(int parent_pid, const char* name) {
  Thread* t = free_thread_slot();
  if (t == nullptr)
    return nullptr;
  for (int i = 1; i < kMaxProcesses; ++i) {
    Process& p = processes[i];
    if (p.state != ProcessState::kFree)
      continue;
    p.pid = next_pid++;
    p.parent_pid = parent_pid;
    p.state = ProcessState::kLive;
    copy_name(p.name, name);
    p.space = paging::AddressSpace{0};
    p.layout = UserLayout{};
    p.mappings.clear();
    p.live_threads = 0;
    p.exited_cpu_ns = 0;
    p.wait_status = 0;
    p.signals = ProcessSignals{};
    for (fs::File*& file : p.files)
      file = nullptr;
    p.close_on_exec = 0;
    p.fs.working_directory[0] = '/';
    p.fs.working_directory[1] = '\0';
    p.fs.executable[0] = '\0';
    p.fs.umask = 022;
    start_accounting(p);
    p.syscall_total = 0;
    for (uint32_t& count : p.syscall_counts)
      count = 0;
    reset_thread(*t, p, p.pid);
    return t;
  }
  return nullptr;
}

Thread* allocate_thread(Process& p) {
  Thread* t = free_thread_slot();
  if (t == nullptr)
    return nullptr;
  reset_thread(*t, p, next_pid++);
  return t;
}

void prepare_first_entry(Thread& t, const interrupts::InterruptFrame& frame) {
  uint8_t* top = t.kernel_stack + kKernelStackBytes;
  auto* user_frame = reinterpret_cast<interrupts::InterruptFrame*>(top) - 1;
  *user_frame = frame;
  t.user_frame = user_frame;
  // What switch_context pops: r15 r14 r13 r12 rbx rbp, then the return
  // address, which leaves through the interrupt return path.
  auto* switch_frame = reinterpret_cast<uint64_t*>(user_frame) - 7;
  for (int i = 0; i < 6; ++i)
    switch_frame[i] = 0;
  switch_frame[6] = reinterpret_cast<uint64_t>(first_entry_to_user);
  t.saved_kernel_rsp = reinterpret_cast<uint64_t>(switch_frame);
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

bool may_fault_in_user_page() {
  return frames::free_count() > kFrameReserve;
}

namespace {

// The thread's end: its time goes to the process, its slot is dead (freed
// once the CPU has left its stack). True if it was the last.
bool retire(Thread& t) {
  Process& p = *t.process;
  p.exited_cpu_ns += thread_cpu_time_ns(t);
  retire_accounting(t);
  t.cpu_time_ns = 0;
  t.state = State::kDead;
  return --p.live_threads == 0;
}

// The last thread has gone: the process becomes a zombie for its parent.
void end_process(Process& p, int wait_status) {
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
  p.state = ProcessState::kZombie;

  Process* init = find(1);
  bool wake_init = false;
  for (Process& child : processes) {
    if (child.state != ProcessState::kFree && child.parent_pid == p.pid && &child != &p) {
      child.parent_pid = 1;
      if (child.state == ProcessState::kZombie && init != nullptr)
        wake_init = true;
    }
  }
  if (wake_init)
    sched::wake_waiting(*init);
  if (Process* parent = find(p.parent_pid)) {
    send_signal(*parent, kSigChld);
    sched::wake_waiting(*parent);
  }
}

}  // namespace

void end_other_threads() {
  Thread& self = current_thread();
  for (Thread& t : threads) {
    if (&t != &self && t.process == self.process && t.state != State::kFree &&
        t.state != State::kDead) {
      retire(t);
    }
  }
  // Those running on other CPUs leave at their next kernel entry, which
  // the IPI forces; the address space may go only once they have.
  sched::stop_other_cpus_running(*self.process);
}

void exit_current_thread(int wait_status) {
  Thread& t = current_thread();
  KASSERT(t.tid != 0);
  Process& p = *t.process;
  // pthread_join waits on this word: clear it and wake the joiner (an
  // unwritable word is ignored, as Linux does).
  if (t.clear_child_tid != 0 && p.live_threads > 1 &&
      write_user(t.clear_child_tid, uint32_t{0}) == 0)
    futex_wake(p, t.clear_child_tid, kFutexBitsetAny, 1);
  if (retire(t))
    end_process(p, wait_status);
  sched::schedule();
  PANIC("a dead thread was scheduled");
}

void exit_current(int wait_status) {
  KASSERT(current_thread().tid != 0);
  end_other_threads();
  exit_current_thread(wait_status);
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
  KASSERT(zombie.state == ProcessState::kZombie);
  if (Process* parent = find(zombie.parent_pid))
    add_child_times(*parent, zombie);
  zombie.state = ProcessState::kFree;
}

int64_t thread_cpu_time_ns(const Thread& t) {
  if (t.state == State::kFree || t.state == State::kDead)
    return 0;
  if (running_on_any_cpu(t))
    return t.cpu_time_ns + (tick::monotonic_ns() - t.ran_since_ns);
  return t.cpu_time_ns;
}

int64_t process_cpu_time_ns(const Process& p) {
  int64_t total = p.exited_cpu_ns;
  for (const Thread& t : threads) {
    if (t.process == &p)
      total += thread_cpu_time_ns(t);
  }
  return total;
}

void set_verbose(bool verbose) {
  verbose_exits = verbose;
}

}  // namespace kernel::proc
