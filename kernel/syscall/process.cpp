// Process and thread life: fork/vfork/clone/clone3 (a new process, or a
// new thread of this one), execve of a file of the tree, exit (one
// thread), exit_group (all), wait4 (with the child's CPU times), times,
// getrusage, identity (getgroups too) and yielding.
#include "proc/process.h"
#include "arch/x86_64/cpu.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "proc/exec.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800,
                   kCloneVfork = 0x4000, kCloneThread = 0x10000, kCloneSysvsem = 0x40000,
                   kCloneSettls = 0x80000, kCloneParentSettid = 0x100000,
                   kCloneChildCleartid = 0x200000, kCloneDetached = 0x400000,
                   kCloneChildSettid = 0x1000000, kCloneSignalMask = 0xff;
// What a thread must share: everything the Process holds. pthread_create
// (glibc, musl) and Go's newosproc pass all of these.
constexpr uint64_t kThreadSharing =
    kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneThread;
// What a thread may add: the tid words and TLS, and flags with nothing to do
// here (SYSVSEM: no System V semaphores; DETACHED: ignored since 2.6).
constexpr uint64_t kThreadOptions = kCloneSysvsem | kCloneSettls | kCloneParentSettid |
                                    kCloneChildCleartid | kCloneChildSettid | kCloneDetached |
                                    kCloneSignalMask;
// What a new process may ask for.
constexpr uint64_t kForkOptions =
    kCloneSignalMask | kCloneSettls | kCloneParentSettid | kCloneChildCleartid | kCloneChildSettid;
constexpr uint64_t kWnohang = 1;

// struct rusage (include/uapi/linux/resource.h): two timevals, then 14
// counters this kernel does not keep (0).
struct Rusage {
  int64_t user_seconds, user_microseconds;
  int64_t system_seconds, system_microseconds;
  int64_t counters[14];
};
static_assert(sizeof(Rusage) == 144);

Rusage rusage_of(int64_t user_ns, int64_t system_ns) {
  Rusage r{};
  r.user_seconds = user_ns / 1'000'000'000;
  r.user_microseconds = user_ns % 1'000'000'000 / 1000;
  r.system_seconds = system_ns / 1'000'000'000;
  r.system_microseconds = system_ns % 1'000'000'000 / 1000;
  return r;
}

// Writes `value` into `space` at `virt` if it is a mapped, writable user
// address there (the child's memory, which is not the active space).
void poke_child(paging::AddressSpace space, uint64_t virt, int32_t value) {
  if (virt % 4 != 0 || !proc::user_range_ok(virt, 4))
    return;
  const paging::Translation t = paging::translate(space, virt);
  if (t.present && t.user && t.writable)
    *layout::phys_to_virt<int32_t>(t.phys) = value;
}

// What a new thread inherits from the caller in the same way whether it
// starts a process (fork) or joins this one: its TLS base, the live FPU
// registers, the CPUs it may run on, its comm, and a first entry to user mode where
// the caller returns from clone, with rax 0 and `new_stack` (if not 0).
void inherit_registers(const Frame& frame, proc::Thread& parent, proc::Thread& child,
                       uint64_t flags, uint64_t new_stack, uint64_t tls) {
  child.fs_base = (flags & kCloneSettls) ? tls : parent.fs_base;
  fpu::save(parent.fpu);  // the live registers, not the last switch's copy
  child.fpu = parent.fpu;
  child.allowed_cpus = parent.allowed_cpus;
  proc::set_comm(child, parent.comm);
  Frame child_frame = frame;
  child_frame.rax = 0;
  if (new_stack != 0)
    child_frame.rsp = new_stack;
  proc::prepare_first_entry(child, child_frame);
}

int64_t fork_process(Frame& frame, uint64_t flags, uint64_t new_stack, uint64_t parent_tid,
                     uint64_t child_tid, uint64_t tls) {
  proc::Process& parent = proc::current();
  uint64_t pages = 0;
  paging::for_each_leaf(
      parent.space, 0, layout::kUserTop,
      [](const paging::Leaf&, void* count) { ++*static_cast<uint64_t*>(count); }, &pages);
  if (!proc::may_allocate_user_frames(pages))
    return -abi::kENOMEM;
  proc::Thread& parent_thread = proc::current_thread();
  proc::Thread* child_thread = proc::allocate(parent.pid, parent.name);
  if (child_thread == nullptr)
    return -abi::kEAGAIN;
  proc::Process* child = child_thread->process;
  {
    // The parent's page tables and mappings, copied as one state.
    LockGuard guard(parent.mappings.lock);
    child->space = paging::create_address_space();
    if (!paging::copy_user_half(parent.space, child->space, proc::is_shared_frame)) {
      paging::destroy_address_space(child->space, proc::is_shared_frame);
      child->state = proc::ProcessState::kFree;
      child_thread->state = proc::State::kFree;
      return -abi::kENOMEM;
    }
    child->mappings.copy_from(parent.mappings);
  }
  child->layout = parent.layout;
  child->signals.actions[0] = {};
  for (int s = 1; s <= proc::kSignalCount; ++s)
    child->signals.actions[s] = parent.signals.actions[s];
  child_thread->signals.blocked = parent_thread.signals.blocked;
  child_thread->signals.alternate_stack = parent_thread.signals.alternate_stack;
  // The child's copy of the area stays registered (Linux's rseq_fork); a
  // thread registers its own.
  child_thread->rseq = parent_thread.rseq;
  proc::rseq_scheduled_in(child_thread->rseq);
  for (int fd = 0; fd < proc::kMaxFds; ++fd) {
    if (parent.files[fd] != nullptr)
      child->files[fd] = fs::retain(parent.files[fd]);
  }
  child->close_on_exec = parent.close_on_exec;
  child->fs = parent.fs;
  inherit_registers(frame, parent_thread, *child_thread, flags, new_stack, tls);

  if (flags & kCloneChildSettid)
    poke_child(child->space, child_tid, child->pid);
  if (flags & kCloneChildCleartid)
    child_thread->clear_child_tid = child_tid;
  if (flags & kCloneParentSettid) {
    poke_child(child->space, parent_tid, child->pid);
    proc::write_user(parent_tid, static_cast<int32_t>(child->pid));
  }
  sched::start(*child_thread);
  return child->pid;
}

// A new thread of the caller's process, entering user mode as the caller
// returns from clone, with rax 0 and `new_stack` (if not 0).
int64_t start_thread(Frame& frame, uint64_t flags, uint64_t new_stack, uint64_t parent_tid,
                     uint64_t child_tid, uint64_t tls) {
  proc::Thread& self = proc::current_thread();
  if ((flags & kCloneSettls) && tls >= layout::kUserTop)
    return -abi::kEPERM;
  // The parent's tid word is checked before the thread exists, so that a
  // fault leaves nothing half-done, and written only once it does (a
  // thread that cannot be made leaves the word as it was). Nothing can
  // unmap it in between: munmap waits for the kernel lock we hold.
  if ((flags & kCloneParentSettid) && !proc::user_writable(parent_tid, sizeof(int32_t)))
    return -abi::kEFAULT;
  proc::Thread* t = proc::allocate_thread(*self.process);
  if (t == nullptr)
    return -abi::kEAGAIN;
  t->signals.blocked = self.signals.blocked;  // no alternate stack (Linux: CLONE_VM clears it)
  inherit_registers(frame, self, *t, flags, new_stack, tls);
  if (flags & kCloneChildSettid)
    proc::write_user(child_tid, static_cast<int32_t>(t->tid));
  if (flags & kCloneChildCleartid)
    t->clear_child_tid = child_tid;
  if (flags & kCloneParentSettid)
    proc::write_user(parent_tid, static_cast<int32_t>(t->tid));
  sched::start(*t);
  return t->tid;
}

// clone and clone3 after their arguments are read: a thread, a process,
// or EINVAL for any combination that would be half-done.
int64_t clone_with(Frame& frame, uint64_t flags, uint64_t new_stack, uint64_t parent_tid,
                   uint64_t child_tid, uint64_t tls) {
  if ((flags & kCloneThread) != 0) {
    if ((flags & kThreadSharing) != kThreadSharing || (flags & ~(kThreadSharing | kThreadOptions)))
      return -abi::kEINVAL;
    return start_thread(frame, flags, new_stack, parent_tid, child_tid, tls);
  }
  uint64_t rest = flags & ~kForkOptions;
  // CLONE_VM with CLONE_VFORK (posix_spawn) is served by a copy, like vfork;
  // CLONE_VM alone (a process sharing memory) is not supported.
  if ((rest & (kCloneVm | kCloneVfork)) == (kCloneVm | kCloneVfork))
    rest &= ~(kCloneVm | kCloneVfork);
  if (rest != 0)
    return -abi::kEINVAL;
  return fork_process(frame, flags, new_stack, parent_tid, child_tid, tls);
}

// The argument vectors of execve, copied into one kernel buffer.
struct ExecStrings {
  char* buffer = nullptr;
  const char** pointers = nullptr;  // argv..., envp...
  int argc = 0, envc = 0;
  ~ExecStrings() {
    if (buffer != nullptr)
      heap::free(buffer);
    if (pointers != nullptr)
      heap::free(pointers);
  }
};

// Reads a NULL-terminated array of string pointers from user memory.
// Its strings go to s.pointers[base...].
int64_t copy_vector(uint64_t user_vector, ExecStrings& s, uint64_t& used, int base, int& count) {
  count = 0;
  if (user_vector == 0)
    return 0;  // Linux accepts NULL argv/envp as empty
  for (;;) {
    uint64_t pointer;
    if (proc::read_user(user_vector + static_cast<uint64_t>(count) * 8, pointer) != 0)
      return -abi::kEFAULT;
    if (pointer == 0)
      return 0;
    if (base + count >= proc::kMaxArguments)
      return -abi::kE2BIG;
    const int64_t length =
        proc::copy_string_from_user(s.buffer + used, proc::kMaxArgumentBytes - used, pointer);
    if (length == -abi::kENAMETOOLONG)
      return -abi::kE2BIG;
    if (length < 0)
      return length;
    s.pointers[base + count] = s.buffer + used;
    used += static_cast<uint64_t>(length) + 1;
    ++count;
  }
}

}  // namespace

int64_t sys_fork(Frame& f) {
  return fork_process(f, 0, 0, 0, 0, 0);
}

int64_t sys_vfork(Frame& f) {
  // A copy instead of a shared address space: correct for every program
  // that only execs or exits in the child, as vfork demands.
  return fork_process(f, 0, 0, 0, 0, 0);
}

int64_t sys_clone(Frame& f) {
  // x86_64 order: flags, stack, parent_tid, child_tid, tls.
  return clone_with(f, arg0(f), arg1(f), arg2(f), arg3(f), arg4(f));
}

int64_t sys_clone3(Frame& f) {
  // struct clone_args (include/uapi/linux/sched.h); the first version is
  // 64 bytes, later ones add set_tid and cgroup, which must be 0 here.
  // pidfd is read only with CLONE_PIDFD, which is not supported.
  struct CloneArgs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
  } args{};
  constexpr uint64_t kFirstVersionBytes = 64;
  const uint64_t size = arg1(f);
  if (size < kFirstVersionBytes || size > 4096)
    return -abi::kEINVAL;
  const uint64_t copied = size < sizeof(args) ? size : sizeof(args);
  if (proc::copy_from_user(&args, arg0(f), copied) != 0)
    return -abi::kEFAULT;
  // Bytes past what we know must be zero, as Linux checks.
  for (uint64_t at = sizeof(args); at < size; at += 8) {
    uint64_t word = 0;
    const uint64_t n = size - at < 8 ? size - at : 8;
    if (proc::copy_from_user(&word, arg0(f) + at, n) != 0)
      return -abi::kEFAULT;
    if (word != 0)
      return -abi::kE2BIG;
  }
  if ((args.flags & kCloneSignalMask) != 0 || args.exit_signal > proc::kSignalCount ||
      args.set_tid != 0 || args.set_tid_size != 0 || args.cgroup != 0)
    return -abi::kEINVAL;
  if ((args.stack == 0) != (args.stack_size == 0))
    return -abi::kEINVAL;
  const uint64_t stack_top = args.stack != 0 ? args.stack + args.stack_size : 0;
  const uint64_t flags = args.flags | ((args.flags & kCloneThread) ? 0 : args.exit_signal);
  return clone_with(f, flags, stack_top, args.parent_tid, args.child_tid, args.tls);
}

int64_t sys_execve(Frame& f) {
  char path[256];
  const int64_t length = proc::copy_string_from_user(path, sizeof(path), arg0(f));
  if (length < 0)
    return length;
  if (length == 0)
    return -abi::kENOENT;
  ExecStrings strings;
  strings.buffer = static_cast<char*>(heap::allocate(proc::kMaxArgumentBytes));
  strings.pointers =
      static_cast<const char**>(heap::allocate(proc::kMaxArguments * sizeof(const char*)));
  if (strings.buffer == nullptr || strings.pointers == nullptr)
    return -abi::kENOMEM;
  uint64_t used = 0;
  int64_t result = copy_vector(arg1(f), strings, used, 0, strings.argc);
  if (result != 0)
    return result;
  result = copy_vector(arg2(f), strings, used, strings.argc, strings.envc);
  if (result != 0)
    return result;
  const proc::ProgramArguments arguments{strings.pointers, strings.argc,
                                         strings.pointers + strings.argc, strings.envc};
  return proc::exec(proc::current_thread(), path, arguments, f);
}

int64_t sys_exit(Frame& f) {
  proc::exit_current_thread(static_cast<int>((arg0(f) & 0xff) << 8));
}

int64_t sys_exit_group(Frame& f) {
  // Every thread ends; the caller's status is the process's.
  proc::exit_current(static_cast<int>((arg0(f) & 0xff) << 8));
}

int64_t sys_wait4(Frame& f) {
  const int64_t wanted = static_cast<int32_t>(arg0(f));
  const uint64_t status_pointer = arg1(f), options = arg2(f), rusage = arg3(f);
  proc::Process& self = proc::current();
  for (;;) {
    bool have_child = false;
    for (int i = 1; i < proc::kMaxProcesses; ++i) {
      proc::Process& child = *proc::slot(i);
      if (child.state == proc::ProcessState::kFree || child.parent_pid != self.pid)
        continue;
      // FIXME: no process groups: pid 0 and -pgid wait for any child.
      if (wanted > 0 && child.pid != wanted)
        continue;
      have_child = true;
      if (child.state != proc::ProcessState::kZombie)
        continue;
      // As Linux: the child is reaped even if its status cannot be stored.
      // Its rusage counts its own reaped children too.
      const int pid = child.pid, status = child.wait_status;
      const proc::CpuTimes times = proc::times_of(child);
      proc::reap(child);
      if (status_pointer != 0 && proc::write_user(status_pointer, status) != 0)
        return -abi::kEFAULT;
      if (rusage != 0 &&
          proc::write_user(rusage, rusage_of(times.user_ns + times.children_user_ns,
                                             times.system_ns + times.children_system_ns)) != 0)
        return -abi::kEFAULT;
      return pid;
    }
    if (!have_child)
      return -abi::kECHILD;
    if (options & kWnohang)
      return 0;
    proc::Thread& waiter = proc::current_thread();
    if (proc::has_deliverable_signal(waiter))
      return -abi::kERESTARTSYS;
    waiter.state = proc::State::kWaiting;
    sched::schedule();
  }
}

int64_t sys_getpid(Frame&) {
  return proc::current().pid;
}
int64_t sys_gettid(Frame&) {
  return proc::current_thread().tid;
}
int64_t sys_getppid(Frame&) {
  return proc::current().parent_pid;
}
int64_t sys_getuid(Frame&) {
  return 0;
}
int64_t sys_geteuid(Frame&) {
  return 0;
}
int64_t sys_getgid(Frame&) {
  return 0;
}
int64_t sys_getegid(Frame&) {
  return 0;
}

int64_t sys_getgroups(Frame& f) {
  // Root's one supplementary group, 0, as a login shell on Linux has it.
  const int64_t size = static_cast<int32_t>(arg0(f));
  const uint32_t groups[1] = {0};
  if (size < 0)
    return -abi::kEINVAL;
  if (size == 0)
    return 1;
  return proc::write_user(arg1(f), groups) == 0 ? 1 : -abi::kEFAULT;
}

int64_t sys_times(Frame& f) {
  // struct tms in USER_HZ ticks; the result is the ticks since boot
  // (MONOTONIC here, as /proc/uptime).
  const proc::CpuTimes t = proc::times_of(proc::current());
  const int64_t tms[4] = {proc::clock_ticks(t.user_ns), proc::clock_ticks(t.system_ns),
                          proc::clock_ticks(t.children_user_ns),
                          proc::clock_ticks(t.children_system_ns)};
  if (arg0(f) != 0 && proc::write_user(arg0(f), tms) != 0)
    return -abi::kEFAULT;
  return proc::clock_ticks(tick::monotonic_ns());
}

int64_t sys_getrusage(Frame& f) {
  constexpr int64_t kSelf = 0, kChildren = -1, kThread = 1;
  const int64_t who = static_cast<int32_t>(arg0(f));
  const proc::CpuTimes t = proc::times_of(proc::current());
  Rusage r;
  if (who == kSelf) {
    r = rusage_of(t.user_ns, t.system_ns);
  } else if (who == kThread) {
    const proc::CpuTimes own = proc::times_of_thread(proc::current_thread());
    r = rusage_of(own.user_ns, own.system_ns);
  } else if (who == kChildren) {
    r = rusage_of(t.children_user_ns, t.children_system_ns);
  } else {
    return -abi::kEINVAL;
  }
  return proc::write_user(arg1(f), r) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_sched_yield(Frame&) {
  sched::schedule();
  return 0;
}

}  // namespace kernel::syscall
