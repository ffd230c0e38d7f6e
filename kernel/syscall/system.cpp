// The process's view of the system: uname, sysinfo, the CPU (getcpu,
// sched_getaffinity, sched_setaffinity), limits, randomness, and the per-thread setup calls
// every libc makes at start-up (arch_prctl for TLS, set_tid_address,
// set_robust_list, rseq), and prctl's thread name. uname and sysinfo answer from the configuration
// the data page publishes (vdso/system_info.h), which the VDSO serves too.
#include "arch/x86_64/cpu.h"
#include "lib/random.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"
#include "vdso/system_info.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr uint64_t kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003,
                   kArchGetGs = 0x1004;
constexpr uint64_t kRlimInfinity = ~0ull;
constexpr int kRlimitStack = 3, kRlimitNofile = 7;
constexpr uint64_t kRobustListHeadBytes = 24;
// Linux's fs.nr_open default: no RLIMIT_NOFILE may go above it.
constexpr uint64_t kNrOpen = 1024 * 1024;

struct Rlimit {
  uint64_t current;
  uint64_t maximum;
};

Rlimit limit_of(uint64_t resource) {
  switch (resource) {
    case kRlimitStack: return {8ull << 20, kRlimInfinity};      // the on-demand stack
    case kRlimitNofile: return {proc::kMaxFds, proc::kMaxFds};  // the descriptor table's size
    default: return {kRlimInfinity, kRlimInfinity};
  }
}

// One node; the CPU is the one the caller runs on, as TSC_AUX and the GDT's
// cpu-and-node segment (arch/x86_64/tsc_aux.h) tell the VDSO.
constexpr unsigned kCurrentNode = 0;
// Linux's cpumask size for this kernel: one unsigned long (kMaxCpus <= 64).
constexpr uint64_t kCpuMaskBytes = sizeof(proc::CpuMask);

// The thread a scheduler call names: 0 is the caller; otherwise a tid (a
// process's first thread has its pid).
proc::Thread* named_thread(int id) {
  if (id == 0)
    return &proc::current_thread();
  return id < 0 ? nullptr : proc::find_thread(id);
}

}  // namespace

int64_t sys_uname(Frame& f) {
  const abi::Utsname name = system_info::read().uts;
  return proc::write_user(arg0(f), name) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_getcpu(Frame& f) {
  // As Linux: either pointer may be null; the third is unused.
  const unsigned cpu = static_cast<unsigned>(proc::this_cpu().index);
  if (arg0(f) != 0 && proc::write_user(arg0(f), cpu) != 0)
    return -abi::kEFAULT;
  if (arg1(f) != 0 && proc::write_user(arg1(f), kCurrentNode) != 0)
    return -abi::kEFAULT;
  return 0;
}

int64_t sys_sched_getaffinity(Frame& f) {
  // As Linux: the mask's size is a multiple of a long and holds every CPU;
  // the call returns the bytes it wrote.
  const proc::Thread* t = named_thread(static_cast<int>(arg0(f)));
  const uint64_t length = arg1(f);
  if (t == nullptr)
    return -abi::kESRCH;
  if (length < kCpuMaskBytes || length % sizeof(uint64_t) != 0)
    return -abi::kEINVAL;
  const proc::CpuMask mask = t->allowed_cpus & proc::online_cpus();
  return proc::write_user(arg2(f), mask) == 0 ? static_cast<int64_t>(kCpuMaskBytes) : -abi::kEFAULT;
}

int64_t sys_sched_setaffinity(Frame& f) {
  proc::Thread* t = named_thread(static_cast<int>(arg0(f)));
  const uint64_t length = arg1(f);
  if (t == nullptr)
    return -abi::kESRCH;
  // As Linux: a shorter mask is zero-extended, a longer one read up to the
  // kernel's size; CPUs that are not online are dropped, and a mask left
  // with none is EINVAL.
  proc::CpuMask requested = 0;
  const uint64_t bytes = length < kCpuMaskBytes ? length : kCpuMaskBytes;
  if (proc::copy_from_user(&requested, arg2(f), bytes) != 0)
    return -abi::kEFAULT;
  const proc::CpuMask allowed = requested & proc::online_cpus();
  if (allowed == 0)
    return -abi::kEINVAL;
  t->allowed_cpus = allowed;
  sched::affinity_changed(*t);
  return 0;
}

int64_t sys_arch_prctl(Frame& f) {
  proc::Thread& t = proc::current_thread();
  const uint64_t code = arg0(f), address = arg1(f);
  switch (code) {
    case kArchSetFs:
      if (address >= layout::kUserTop)
        return -abi::kEPERM;
      t.fs_base = address;
      cpu::wrmsr(cpu::kMsrFsBase, address);
      return 0;
    case kArchGetFs: return proc::write_user(address, t.fs_base) == 0 ? 0 : -abi::kEFAULT;
    case kArchSetGs: return -abi::kEINVAL;  // FIXME: GS is the kernel's to keep free
    case kArchGetGs: {
      // User mode's GS base is 0 for every thread: nothing can set it
      // (ARCH_SET_GS is refused, CR4.FSGSBASE is off).
      const uint64_t user_gs_base = 0;
      return proc::write_user(address, user_gs_base) == 0 ? 0 : -abi::kEFAULT;
    }
    default: return -abi::kEINVAL;
  }
}

int64_t sys_prctl(Frame& f) {
  // Only the thread's name, which busybox sets after it re-execs itself
  // through /proc/self/exe (else ps and top would show every applet as
  // "exe"); anything else is EINVAL, Linux's answer to an unknown option.
  constexpr uint64_t kPrSetName = 15, kPrGetName = 16;
  proc::Thread& t = proc::current_thread();
  switch (arg0(f)) {
    case kPrSetName: {
      // As Linux: at most 15 bytes are read, the rest of a longer name
      // ignored.
      char name[sizeof(t.comm)] = {};
      for (size_t i = 0; i + 1 < sizeof(name); ++i) {
        if (proc::copy_from_user(&name[i], arg1(f) + i, 1) != 0)
          return -abi::kEFAULT;
        if (name[i] == '\0')
          break;
      }
      proc::set_comm(t, name);
      return 0;
    }
    case kPrGetName: return proc::write_user(arg1(f), t.comm) == 0 ? 0 : -abi::kEFAULT;
    default: return -abi::kEINVAL;
  }
}

int64_t sys_set_tid_address(Frame& f) {
  proc::Thread& t = proc::current_thread();
  t.clear_child_tid = arg0(f);
  return t.tid;
}

int64_t sys_set_robust_list(Frame& f) {
  // One thread per process: the list is never walked (nobody can wait on
  // a dead owner's futex), so registering it is all there is.
  return arg1(f) == kRobustListHeadBytes ? 0 : -abi::kEINVAL;
}

int64_t sys_rseq(Frame& f) {
  return proc::rseq_register(proc::current_thread(), arg0(f), static_cast<uint32_t>(arg1(f)),
                             static_cast<int32_t>(arg2(f)), static_cast<uint32_t>(arg3(f)));
}

int64_t sys_prlimit64(Frame& f) {
  const int pid = static_cast<int>(arg0(f));
  const uint64_t resource = arg1(f), new_limit = arg2(f), old_limit = arg3(f);
  if (pid != 0 && pid != proc::current().pid)
    return -abi::kEPERM;
  if (resource >= 16)
    return -abi::kEINVAL;
  // Linux's order: the new value is read and judged before the old one
  // is stored.
  if (new_limit != 0) {
    Rlimit requested;
    if (proc::read_user(new_limit, requested) != 0)
      return -abi::kEFAULT;
    if (requested.current > requested.maximum)
      return -abi::kEINVAL;
    if (resource == kRlimitNofile && requested.maximum > kNrOpen)
      return -abi::kEPERM;
    // FIXME: limits are reported, not enforced; a valid new one is accepted.
  }
  if (old_limit != 0 && proc::write_user(old_limit, limit_of(resource)) != 0)
    return -abi::kEFAULT;
  return 0;
}

int64_t sys_getrlimit(Frame& f) {
  if (arg0(f) >= 16)
    return -abi::kEINVAL;
  return proc::write_user(arg1(f), limit_of(arg0(f))) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_sysinfo(Frame& f) {
  // struct sysinfo (include/uapi/linux/sysinfo.h) on x86_64.
  struct {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs;
    uint16_t pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    uint32_t pad3;
  } info{};
  static_assert(sizeof(info) == 112);
  const abi::SystemInfo system = system_info::read();
  // BOOTTIME's seconds, as Linux's: MONOTONIC here, which counts from the
  // machine's reset (the page's boot time is REALTIME less it, at boot).
  info.uptime = tick::monotonic_ns() / 1'000'000'000;
  info.totalram = system.physical_memory_bytes;
  info.freeram = frames::free_count() * layout::kPageSize;
  for (int i = 0; i < proc::kMaxProcesses; ++i) {
    if (proc::slot(i)->state != proc::ProcessState::kFree && i != 0)
      ++info.procs;
  }
  info.mem_unit = 1;
  // The load average /proc/loadavg shows, in sysinfo's 16 fractional bits.
  proc::load_averages(info.loads);
  for (uint64_t& load : info.loads)
    load <<= 16 - proc::kLoadFractionBits;
  return proc::write_user(arg0(f), info) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_getrandom(Frame& f) {
  constexpr uint64_t kKnownFlags = 1 | 2 | 4;  // NONBLOCK, RANDOM, INSECURE
  const uint64_t buffer = arg0(f), length = arg1(f);
  if (arg2(f) & ~kKnownFlags)
    return -abi::kEINVAL;
  uint8_t chunk[256];
  uint64_t done = 0;
  const uint64_t capped = length < (32u << 20) ? length : (32u << 20);
  while (done < capped) {
    const uint64_t n = capped - done < sizeof(chunk) ? capped - done : sizeof(chunk);
    random::fill(chunk, n);
    // A fault part way counts what arrived, as Linux's getrandom does.
    const size_t copied = proc::copy_to_user_partial(buffer + done, chunk, n);
    done += copied;
    if (copied < n)
      return done == 0 ? -abi::kEFAULT : static_cast<int64_t>(done);
  }
  return static_cast<int64_t>(done);
}

}  // namespace kernel::syscall
