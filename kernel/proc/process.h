// Processes and their threads. A process is what threads share: the
// address space, the open files, the signal dispositions, the pid, the
// parent and the accounting. A thread is what runs: its id, kernel stack,
// saved registers, FPU state, fs_base (TLS), signal mask, thread-directed
// signals and sleep state; the scheduler runs threads. Both tables are
// static (the kernel stacks live in .bss, where the panic backtrace can
// walk them); process slot 0 and thread slot 0 are the idle task, the
// boot context that runs kernel_main's idle loop when nothing can run.
// A process's first thread has tid == pid, as on Linux.
#pragma once

#include <stdint.h>

#include "arch/x86_64/fpu.h"
#include "arch/x86_64/interrupts.h"
#include "fs/file.h"
#include "fs/process_fs.h"
#include "mm/paging.h"
#include "proc/accounting.h"
#include "proc/cpus.h"
#include "proc/mappings.h"
#include "proc/rseq.h"
#include "proc/signal.h"

namespace kernel::proc {

inline constexpr int kMaxProcesses = 32;
inline constexpr int kMaxThreads = 64;
inline constexpr uint64_t kKernelStackBytes = 16384;
inline constexpr int kSyscallCountSlots = 512;  // counts numbers below this
inline constexpr int kMaxFds = 32;
// Free frames user memory may never take: page tables and kernel stacks
// need them, and their allocation failing would panic.
inline constexpr uint64_t kFrameReserve = 512;

// A thread's state.
enum class State {
  kFree,
  kRunnable,  // includes the one running
  kSleeping,  // nanosleep, futex with a timeout: until wake_at_ns or a wake
  kWaiting,   // wait4, a pipe, futex, epoll: until woken or a signal (or
              // wake_at_ns, if not 0)
  kDead,      // exited; its slot is free once no CPU runs on its stack
};

enum class ProcessState {
  kFree,
  kLive,    // at least one thread has not exited
  kZombie,  // every thread exited; the parent has not reaped it
};

// Where the pieces of a program's address space are (set by exec).
struct UserLayout {
  uint64_t brk_start;   // end of the highest ELF segment, page aligned
  uint64_t brk;         // current break (brk_start..brk is a mapping)
  uint64_t mmap_top;    // mmap searches top-down for room below this
  uint64_t mmap_floor;  // ... and not below this
  uint64_t stack_top;
  uint64_t stack_floor;                     // the stack's mapping: stack_floor..stack_top
  uint64_t vdso_base;                       // the chain page; AT_SYSINFO_EHDR is +2 pages
  uint64_t arguments_begin, arguments_end;  // argv's strings (/proc/PID/cmdline)
};

struct Process {
  int pid;
  int parent_pid;
  ProcessState state;
  char name[32];
  paging::AddressSpace space;
  UserLayout layout;
  Mappings mappings;  // of `space`; its lock guards both

  int live_threads;          // threads not yet kDead
  int64_t exited_cpu_ns;     // CPU time of its threads that have exited
  int wait_status;           // Linux wait status, valid in kZombie
  ProcessSignals signals;    // dispositions and process-directed signals
  fs::File* files[kMaxFds];  // by descriptor; null when closed
  uint32_t close_on_exec;    // bit fd
  fs::ProcessFs fs;          // working directory, executable
  CpuAccounting accounting;  // system time of exited threads, children's times
  uint64_t syscall_total;
  uint32_t syscall_counts[kSyscallCountSlots];
};

struct Thread {
  int tid;
  Process* process;
  State state;

  uint64_t saved_kernel_rsp;               // switch_context's save slot
  interrupts::InterruptFrame* user_frame;  // top of the kernel stack
  uint64_t fs_base;
  fpu::State fpu;

  int64_t wake_at_ns;
  bool woken;            // made runnable after blocking: runs before the others
  int64_t cpu_time_ns;   // time on the CPU before the current run
  int64_t ran_since_ns;  // MONOTONIC when it last got the CPU
  uint64_t clear_child_tid;
  uint64_t futex_address;  // the word it waits on (futex.h), or 0
  uint32_t futex_bitset;
  // The system call a signal cut short with -ERESTARTSYS, until the return
  // to user mode decides: restarted (SA_RESTART, or no handler ran) or
  // -EINTR. -1: none.
  int64_t interrupted_syscall;
  CpuMask allowed_cpus;   // sched_setaffinity; the scheduler honours it
  ThreadSignals signals;  // mask, thread-directed signals, alternate stack
  RseqRegistration rseq;  // rseq(2): its area, or none
  ThreadAccounting accounting;
  // Linux's comm (TASK_COMM_LEN): the program's base name at exec, or what
  // prctl(PR_SET_NAME) set; the first thread's is /proc/PID/comm.
  char comm[16];

  alignas(16) uint8_t kernel_stack[kKernelStackBytes];
};

void init();  // the tables and the idle task (the caller's context)

// Kernel stacks have no guard page (they live in .bss): a word at the
// bottom of each holds a canary that the scheduler checks at every switch
// away from a thread, so an overflow is a panic naming the process rather
// than silent corruption of its neighbours.
void check_kernel_stack(const Thread& t);

// Sets a thread's comm to `name` cut to 15 bytes, as Linux's
// __set_task_comm (exec's base name, prctl(PR_SET_NAME)).
void set_comm(Thread& t, const char* name);

// The thread this CPU runs, and its process (cpus.h).
inline Thread& current_thread() {
  return *this_cpu().current;
}
inline Process& current() {
  return *this_cpu().current->process;
}
void set_current(Thread& t);  // the scheduler's switch only

Process* find(int pid);          // a live or zombie process, or null
Thread* find_thread(int tid);    // a thread that has not exited, or null
Process* slot(int index);        // process table slot 0..kMaxProcesses-1
Thread* thread_slot(int index);  // thread table slot 0..kMaxThreads-1
int last_pid();                  // the pid (or tid) allocate gave last

// A free process slot with a new pid, an empty address space and parent
// set, and its first thread (tid == pid, not yet runnable), or null when
// either table is full. The caller fills them, calls prepare_first_entry
// and makes the thread kRunnable.
Thread* allocate(int parent_pid, const char* name);
// A new thread of `p` (not yet runnable, FPU reset, nothing blocked), or
// null when the thread table is full.
Thread* allocate_thread(Process& p);
// Prepares the kernel stack so that the first switch to `t` enters user
// mode through `frame` (copied to the top of its kernel stack).
void prepare_first_entry(Thread& t, const interrupts::InterruptFrame& frame);

// Ends the current thread (exit): clears and wakes its clear_child_tid
// word; the last thread to go ends the process with `wait_status` (Linux
// wait status: exit code << 8, or the signal number). Never returns.
[[noreturn]] void exit_current_thread(int wait_status);
// Ends the whole process (exit_group, a fatal signal): its other threads
// end first. Never returns. Pid 1's end stops the machine.
[[noreturn]] void exit_current(int wait_status);
// Ends every thread of the current process but the caller (exit_group,
// execve in a threaded process). Safe because a thread that is not
// running keeps all its blocked state in its own slot (nothing else
// points at it); those running on other CPUs are stopped (IPI) before it
// returns, so the caller may then replace or free the address space.
void end_other_threads();

// Closes every descriptor marked close-on-exec (exec), or all (exit).
void close_on_exec(Process& p);
void close_all_files(Process& p);

// Frees a zombie's slot (wait4).
void reap(Process& zombie);

// CPU time of the process: its exited threads' and its live threads'.
int64_t process_cpu_time_ns(const Process& p);
int64_t thread_cpu_time_ns(const Thread& t);

bool is_shared_frame(uint64_t phys);

// Whether `pages` more user frames (and the page tables they may need)
// can be taken without eating into kFrameReserve. Every user allocation
// asks first: running out is the process's ENOMEM, never a kernel panic.
bool may_allocate_user_frames(uint64_t pages);
// Whether one page may be faulted in: one frame beyond kFrameReserve. The
// page tables the page may need come out of the reserve, which exists for
// them; counting them again here (as may_allocate_user_frames(1) did)
// refused the last pages of a mapping that mmap had admitted with its
// tables counted once, a SIGBUS where the program was promised memory.
bool may_fault_in_user_page();

// Verbose mode (boot option `verbose`): a line per process exit with its
// system-call counts.
void set_verbose(bool verbose);

}  // namespace kernel::proc
