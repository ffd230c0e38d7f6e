// The process's view of the system: uname, limits, randomness, and the
// per-thread setup calls every libc makes at start-up (arch_prctl for TLS,
// set_tid_address, set_robust_list, rseq).
#include "arch/x86_64/cpu.h"
#include "lib/random.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "proc/process.h"
#include "proc/user_memory.h"
#include "syscall/syscall.h"
#include "time/clocksource.h"
#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr uint64_t kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003,
                   kArchGetGs = 0x1004;
constexpr uint64_t kRlimInfinity = ~0ull;
constexpr int kRlimitStack = 3, kRlimitNofile = 7;
constexpr uint64_t kRobustListHeadBytes = 24;

struct Rlimit {
  uint64_t current;
  uint64_t maximum;
};

Rlimit limit_of(uint64_t resource) {
  switch (resource) {
    case kRlimitStack: return {8ull << 20, kRlimInfinity};  // the on-demand stack
    case kRlimitNofile: return {1024, 4096};                // Linux defaults
    default: return {kRlimInfinity, kRlimInfinity};
  }
}

void copy_field(char (&field)[65], const char* text) {
  int i = 0;
  for (; text[i] != '\0' && i < 64; ++i)
    field[i] = text[i];
  for (; i < 65; ++i)
    field[i] = '\0';
}

}  // namespace

int64_t sys_uname(Frame& f) {
  struct {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
  } name;
  // "Linux": the system-call ABI is Linux's, and libcs check the name.
  copy_field(name.sysname, "Linux");
  copy_field(name.nodename, "vdso-kernel");
  copy_field(name.release, "6.1.0-vdso-kernel");
  copy_field(name.version, "#1 vdso-kernel (Linux x86_64 system-call subset)");
  copy_field(name.machine, "x86_64");
  copy_field(name.domainname, "(none)");
  return proc::write_user(arg0(f), name) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_arch_prctl(Frame& f) {
  proc::Process& p = proc::current();
  const uint64_t code = arg0(f), address = arg1(f);
  switch (code) {
    case kArchSetFs:
      if (address >= layout::kUserTop)
        return -abi::kEPERM;
      p.fs_base = address;
      cpu::wrmsr(cpu::kMsrFsBase, address);
      return 0;
    case kArchGetFs: return proc::write_user(address, p.fs_base) == 0 ? 0 : -abi::kEFAULT;
    case kArchSetGs:
    case kArchGetGs: return -abi::kEINVAL;  // FIXME: GS is the kernel's to keep free
    default: return -abi::kEINVAL;
  }
}

int64_t sys_set_tid_address(Frame& f) {
  proc::Process& p = proc::current();
  p.clear_child_tid = arg0(f);
  return p.pid;
}

int64_t sys_set_robust_list(Frame& f) {
  // One thread per process: the list is never walked (nobody can wait on
  // a dead owner's futex), so registering it is all there is.
  return arg1(f) == kRobustListHeadBytes ? 0 : -abi::kEINVAL;
}

int64_t sys_rseq(Frame&) {
  // As a Linux built without CONFIG_RSEQ: libcs fall back by themselves.
  return -abi::kENOSYS;
}

int64_t sys_prlimit64(Frame& f) {
  const int pid = static_cast<int>(arg0(f));
  const uint64_t resource = arg1(f), new_limit = arg2(f), old_limit = arg3(f);
  if (pid != 0 && pid != proc::current().pid)
    return -abi::kEPERM;
  if (resource >= 16)
    return -abi::kEINVAL;
  if (old_limit != 0 && proc::write_user(old_limit, limit_of(resource)) != 0)
    return -abi::kEFAULT;
  if (new_limit != 0) {
    Rlimit ignored;
    if (proc::read_user(new_limit, ignored) != 0)
      return -abi::kEFAULT;
    // FIXME: limits are reported, not enforced; setting one is accepted.
  }
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
  info.uptime = clocksource::monotonic_ns() / 1'000'000'000;
  info.totalram = frames::usable_count() * layout::kPageSize;
  info.freeram = frames::free_count() * layout::kPageSize;
  for (int i = 0; i < proc::kMaxProcesses; ++i) {
    if (proc::slot(i)->state != proc::State::kFree && i != 0)
      ++info.procs;
  }
  info.mem_unit = 1;
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
    if (proc::copy_to_user(buffer + done, chunk, n) != 0)
      return done == 0 ? -abi::kEFAULT : static_cast<int64_t>(done);
    done += n;
  }
  return static_cast<int64_t>(done);
}

}  // namespace kernel::syscall
