// A process: one address space, one thread, one kernel stack. The table is
// static (the kernel stacks live in .bss, where the panic backtrace can
// walk them); slot 0 is the idle task, the boot context that runs
// kernel_main's idle loop when no process can run.
#pragma once

#include <stdint.h>

#include "arch/x86_64/fpu.h"
#include "arch/x86_64/interrupts.h"
#include "fs/file.h"
#include "mm/paging.h"
#include "proc/mappings.h"
#include "proc/signal.h"

namespace kernel::proc {

inline constexpr int kMaxProcesses = 32;
inline constexpr uint64_t kKernelStackBytes = 16384;
inline constexpr int kSyscallCountSlots = 512;  // counts numbers below this
inline constexpr int kMaxFds = 32;
// Free frames user memory may never take: page tables and kernel stacks
// need them, and their allocation failing would panic.
inline constexpr uint64_t kFrameReserve = 512;

enum class State {
  kFree,
  kRunnable,  // includes the one running
  kSleeping,  // nanosleep: until wake_at_ns or a signal
  kWaiting,   // wait4: until a child changes state or a signal
  kZombie,    // exited; the parent has not reaped it
};

// Where the pieces of a program's address space are (set by exec).
struct UserLayout {
  uint64_t brk_start;   // end of the highest ELF segment, page aligned
  uint64_t brk;         // current break (brk_start..brk is a mapping)
  uint64_t mmap_top;    // mmap searches top-down for room below this
  uint64_t mmap_floor;  // ... and not below this
  uint64_t stack_top;
  uint64_t stack_floor;  // the stack's mapping: stack_floor..stack_top
  uint64_t vdso_base;    // the chain page; AT_SYSINFO_EHDR is +2 pages
};

struct Process {
  int pid;
  int parent_pid;
  State state;
  char name[32];
  paging::AddressSpace space;
  UserLayout layout;
  Mappings mappings;  // of `space`; its lock guards both

  uint64_t saved_kernel_rsp;               // switch_context's save slot
  interrupts::InterruptFrame* user_frame;  // top of the kernel stack
  uint64_t fs_base;
  fpu::State fpu;

  int64_t wake_at_ns;
  bool woken;            // made runnable after blocking: runs before the others
  int64_t cpu_time_ns;   // time on the CPU before the current run
  int64_t ran_since_ns;  // MONOTONIC when it last got the CPU
  int wait_status;       // Linux wait status, valid in kZombie
  uint64_t clear_child_tid;
  SignalState signals;
  fs::File* files[kMaxFds];  // by descriptor; null when closed
  uint32_t close_on_exec;    // bit fd
  uint64_t syscall_total;
  uint32_t syscall_counts[kSyscallCountSlots];

  alignas(16) uint8_t kernel_stack[kKernelStackBytes];
};

void init();  // the table and the idle task (the caller's context)

// Kernel stacks have no guard page (they live in .bss): a word at the
// bottom of each holds a canary that the scheduler checks at every switch
// away from a process, so an overflow is a panic naming the process rather
// than silent corruption of its neighbours.
void check_kernel_stack(const Process& p);

Process& current();
void set_current(Process& p);  // the scheduler's switch only
Process* find(int pid);        // a live or zombie process, or null
Process* slot(int index);      // table slot 0..kMaxProcesses-1

// A free slot with a new pid and an empty address space, parent set, or
// null when the table is full. The caller fills it and calls make_runnable.
Process* allocate(int parent_pid, const char* name);
// Prepares the kernel stack so that the first switch to `p` enters user
// mode through `frame` (copied to the top of its kernel stack).
void prepare_first_entry(Process& p, const interrupts::InterruptFrame& frame);

// Ends the current process with a Linux wait status (exit code << 8, or
// the signal number): frees its memory, reparents its children to pid 1,
// wakes its parent, and never returns. Pid 1's end stops the machine.
[[noreturn]] void exit_current(int wait_status);

// Closes every descriptor marked close-on-exec (exec), or all (exit).
void close_on_exec(Process& p);
void close_all_files(Process& p);

// Frees a zombie's slot (wait4).
void reap(Process& zombie);

bool is_shared_frame(uint64_t phys);

// Whether `pages` more user frames (and the page tables they may need)
// can be taken without eating into kFrameReserve. Every user allocation
// asks first: running out is the process's ENOMEM, never a kernel panic.
bool may_allocate_user_frames(uint64_t pages);

// Verbose mode (boot option `verbose`): a line per process exit with its
// system-call counts.
void set_verbose(bool verbose);

// Names the system call (for logs); "?" for unknown numbers.
const char* syscall_name(uint64_t number);

}  // namespace kernel::proc
