#include "fs/procfs.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "console/print.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "proc/accounting.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "time/clocksource.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"
#include "vdso/system_info.h"
#include "vdso/vdso_pages.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" size_t strlen(const char*);

namespace abi = vdso::abi;
namespace kernel::fs::procfs {
namespace {

constexpr uint64_t kTextBytes = 16384;  // the largest file (maps of a busy process)
constexpr int kNoPid = 0;

struct Named {
  const char* name;
  Kind kind;
};
constexpr Named kRootEntries[] = {
    {"self", Kind::kSelf},       {"uptime", Kind::kUptime},   {"loadavg", Kind::kLoadavg},
    {"stat", Kind::kStat},       {"meminfo", Kind::kMeminfo}, {"cpuinfo", Kind::kCpuinfo},
    {"version", Kind::kVersion}, {"mounts", Kind::kMounts},   {"sys", Kind::kSys},
};
constexpr Named kSysEntries[] = {{"kernel", Kind::kSysKernel}};
constexpr Named kSysKernelEntries[] = {
    {"ostype", Kind::kOstype},
    {"osrelease", Kind::kOsrelease},
    {"version", Kind::kKernelVersion},
    {"hostname", Kind::kHostname},
};
constexpr Named kProcessEntries[] = {
    {"stat", Kind::kProcessStat},     {"statm", Kind::kProcessStatm},
    {"status", Kind::kProcessStatus}, {"cmdline", Kind::kProcessCmdline},
    {"comm", Kind::kProcessComm},     {"maps", Kind::kProcessMaps},
    {"exe", Kind::kExecutable},       {"cwd", Kind::kWorkingDirectory},
    {"fd", Kind::kProcessFds},        {"task", Kind::kTasks},
};
constexpr Named kTaskEntries[] = {
    {"stat", Kind::kTaskStat},
    {"status", Kind::kTaskStatus},
    {"comm", Kind::kTaskComm},
};

template <size_t N>
constexpr int count_of(const Named (&)[N]) {
  return static_cast<int>(N);
}

// The fixed entries of a directory (the per-process ones of /proc/PID).
void fixed_entries(Kind directory, const Named*& entries, int& count) {
  switch (directory) {
    case Kind::kRoot:
      entries = kRootEntries;
      count = count_of(kRootEntries);
      return;
    case Kind::kSys:
      entries = kSysEntries;
      count = count_of(kSysEntries);
      return;
    case Kind::kSysKernel:
      entries = kSysKernelEntries;
      count = count_of(kSysKernelEntries);
      return;
    case Kind::kProcess:
      entries = kProcessEntries;
      count = count_of(kProcessEntries);
      return;
    case Kind::kTask:
      entries = kTaskEntries;
      count = count_of(kTaskEntries);
      return;
    default:
      entries = nullptr;
      count = 0;
      return;
  }
}

// A live or zombie process (a zombie keeps its /proc directory, as Linux).
proc::Process* process(int pid) {
  return pid > 0 ? proc::find(pid) : nullptr;
}

// A thread of `p` that has not exited, by tid, or null.
proc::Thread* thread_of(const proc::Process& p, int tid) {
  proc::Thread* t = tid > 0 ? proc::find_thread(tid) : nullptr;
  return t != nullptr && t->process == &p ? t : nullptr;
}

// The `index`th live thread of `p` in the table, or null.
proc::Thread* thread_at(const proc::Process& p, uint64_t index) {
  for (int i = 1; i < proc::kMaxThreads; ++i) {
    proc::Thread* t = proc::thread_slot(i);
    if (t->process != &p || t->state == proc::State::kFree || t->state == proc::State::kDead)
      continue;
    if (index-- == 0)
      return t;
  }
  return nullptr;
}

// The `index`th process in the table (pid order is slot order here), or null.
proc::Process* process_at(uint64_t index) {
  for (int i = 1; i < proc::kMaxProcesses; ++i) {
    proc::Process* p = proc::slot(i);
    if (p->state == proc::ProcessState::kFree)
      continue;
    if (index-- == 0)
      return p;
  }
  return nullptr;
}

bool parse_number(const char* name, size_t length, int& out) {
  if (length == 0 || length > 9 || (name[0] == '0' && length > 1))
    return false;
  int value = 0;
  for (size_t i = 0; i < length; ++i) {
    if (name[i] < '0' || name[i] > '9')
      return false;
    value = value * 10 + (name[i] - '0');
  }
  out = value;
  return true;
}

// A file's text, built with printf-style appends into a heap buffer.
class Text {
 public:
  Text() : data_(static_cast<char*>(heap::allocate(kTextBytes))) {}
  ~Text() {
    if (data_ != nullptr)
      heap::free(data_);
  }
  bool ok() const { return data_ != nullptr; }
  void add(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    if (length_ + 1 >= kTextBytes)
      return;
    va_list args;
    va_start(args, fmt);
    const size_t n = vformat_to(data_ + length_, kTextBytes - length_, fmt, args);
    va_end(args);
    length_ = length_ + n < kTextBytes - 1 ? length_ + n : kTextBytes - 1;
  }
  void add_bytes(const char* bytes, size_t n) {
    if (n > kTextBytes - 1 - length_)
      n = kTextBytes - 1 - length_;
    memcpy(data_ + length_, bytes, n);
    length_ += n;
  }
  int64_t hand_over(char*& out) {
    out = data_;
    data_ = nullptr;
    return static_cast<int64_t>(length_);
  }

 private:
  char* data_;
  size_t length_ = 0;
};

// Seconds with two decimals, as /proc/uptime and loadavg print them.
void add_centiseconds(Text& t, int64_t ns) {
  const int64_t cs = ns / 10'000'000;
  t.add("%ld.%02ld", cs / 100, cs % 100);
}

void add_load(Text& t, uint64_t load) {
  // Fixed point with 11 fractional bits, printed as loadavg.c's LOAD_INT
  // and LOAD_FRAC (rounded to hundredths).
  const uint64_t rounded = load + (1u << proc::kLoadFractionBits) / 200;
  t.add("%lu.%02lu", rounded >> proc::kLoadFractionBits,
        ((rounded & ((1u << proc::kLoadFractionBits) - 1)) * 100) >> proc::kLoadFractionBits);
}

// Its first thread (tid == pid), whose comm, signal mask and affinity
// /proc/PID shows, as Linux shows the thread group leader's; null once
// that thread has exited.
const proc::Thread* first_thread(const proc::Process& p) {
  return thread_of(p, p.pid);
}

// R when one of its threads (or `task`, for task/TID) may run, S when all
// sleep or wait, Z for a zombie.
char state_letter(const proc::Process& p, const proc::Thread* task = nullptr) {
  switch (p.state) {
    case proc::ProcessState::kZombie: return 'Z';
    case proc::ProcessState::kFree: return 'X';
    case proc::ProcessState::kLive: break;
  }
  if (task != nullptr)
    return task->state == proc::State::kRunnable ? 'R' : 'S';
  for (int i = 1; i < proc::kMaxThreads; ++i) {
    const proc::Thread& t = *proc::thread_slot(i);
    if (t.process == &p && t.state == proc::State::kRunnable)
      return 'R';
  }
  return 'S';
}

// The signal mask and pending set of the thread the file belongs to (its
// first thread for /proc/PID), as Linux's status shows them.
struct SignalView {
  uint64_t pending, blocked;
};
SignalView signals_of(const proc::Process& p, const proc::Thread* task) {
  if (task == nullptr)
    return {p.signals.pending, 0};
  return {p.signals.pending | task->signals.pending, task->signals.blocked};
}

bool is_zombie(const proc::Process& p) {
  return p.state == proc::ProcessState::kZombie;
}

const char* state_name(const proc::Process& p, const proc::Thread* task) {
  switch (state_letter(p, task)) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'Z': return "Z (zombie)";
    default: return "X (dead)";
  }
}

struct Memory {
  uint64_t mapped_bytes;    // every user mapping (VmSize)
  uint64_t resident_bytes;  // the same: no page is mapped without its frame
  uint64_t shared_bytes;    // the VDSO's pages
};

Memory memory_of(const proc::Process& p) {
  Memory m{};
  if (p.space.pml4_phys == 0)
    return m;
  paging::for_each_leaf(
      p.space, 0, layout::kUserTop,
      [](const paging::Leaf& leaf, void* cookie) {
        auto& m = *static_cast<Memory*>(cookie);
        m.mapped_bytes += leaf.size;
        if (proc::is_shared_frame(leaf.translation.phys))
          m.shared_bytes += leaf.size;
      },
      &m);
  m.resident_bytes = m.mapped_bytes;
  return m;
}

// Linux's comm: the thread's (exec's base name or prctl's PR_SET_NAME);
// without one (a zombie's threads are gone) the program's name cut to 15
// bytes (TASK_COMM_LEN).
struct Comm {
  char name[16];
};
Comm comm_of(const proc::Process& p, const proc::Thread* thread) {
  const char* name = thread != nullptr ? thread->comm : p.name;
  Comm c;
  size_t n = 0;
  for (; n + 1 < sizeof(c.name) && name[n] != '\0'; ++n)
    c.name[n] = name[n];
  c.name[n] = '\0';
  return c;
}

// /proc/PID/stat, or with `task` /proc/PID/task/TID/stat: that thread's
// id, comm, state, signals and CPU time.
void add_process_stat(Text& t, const proc::Process& p, const proc::Thread* task = nullptr) {
  const proc::Thread* view = task != nullptr ? task : first_thread(p);
  const proc::CpuTimes times = proc::times_of(p);
  const proc::CpuTimes own = task != nullptr ? proc::times_of_thread(*task) : times;
  const Memory m = memory_of(p);
  const Comm comm = comm_of(p, view);
  const SignalView signals = signals_of(p, view);
  // Fields 1-52 of proc(5); those this kernel does not have are 0.
  t.add("%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 ", task != nullptr ? task->tid : p.pid, comm.name,
        state_letter(p, task), p.parent_pid, 1, 1);
  t.add("%ld %ld %ld %ld 20 0 %d 0 %ld %lu %lu 18446744073709551615 ",
        proc::clock_ticks(own.user_ns), proc::clock_ticks(own.system_ns),
        proc::clock_ticks(times.children_user_ns), proc::clock_ticks(times.children_system_ns),
        p.live_threads, proc::clock_ticks(p.accounting.started_ns), m.mapped_bytes,
        m.resident_bytes / layout::kPageSize);
  // 26-52: startcode endcode startstack kstkesp kstkeip signal blocked
  // sigignore sigcatch wchan nswap cnswap exit_signal processor
  // rt_priority policy delayacct guest cguest start_data end_data
  // start_brk arg_start arg_end env_start env_end exit_code.
  t.add("0 0 %lu 0 0 %lu %lu 0 0 0 0 0 17 0 0 0 0 0 0 0 0 %lu %lu %lu %lu %lu %d\n",
        p.layout.stack_top, signals.pending, signals.blocked, p.layout.brk_start,
        p.layout.arguments_begin, p.layout.arguments_end, p.layout.arguments_end,
        p.layout.arguments_end, is_zombie(p) ? p.wait_status : 0);
}

// The CPUs the thread may run on (sched_setaffinity's), as Linux prints
// them: a hex mask one digit per 4 CPUs, and a list of ranges.
void add_allowed_cpus(Text& t, const proc::Thread* thread) {
  const proc::CpuMask allowed =
      (thread != nullptr ? thread->allowed_cpus : ~proc::CpuMask{0}) & proc::online_cpus();
  t.add("Cpus_allowed:\t");
  for (int digit = (proc::cpu_count() + 3) / 4 - 1; digit >= 0; --digit)
    t.add("%lx", (allowed >> (4 * digit)) & 0xf);
  t.add("\nCpus_allowed_list:\t");
  const char* separator = "";
  for (int cpu = 0; cpu < proc::cpu_count(); ++cpu) {
    if (!((allowed >> cpu) & 1) || (cpu > 0 && ((allowed >> (cpu - 1)) & 1)))
      continue;
    int last = cpu;
    while (last + 1 < proc::cpu_count() && ((allowed >> (last + 1)) & 1))
      ++last;
    if (last == cpu)
      t.add("%s%d", separator, cpu);
    else
      t.add("%s%d-%d", separator, cpu, last);
    separator = ",";
  }
  t.add("\n");
}

// /proc/PID/status, or with `task` /proc/PID/task/TID/status.
void add_process_status(Text& t, const proc::Process& p, const proc::Thread* task = nullptr) {
  const proc::Thread* view = task != nullptr ? task : first_thread(p);
  const SignalView signals = signals_of(p, view);
  const Memory m = memory_of(p);
  uint64_t ignored = 0, caught = 0;
  for (int s = 1; s <= proc::kSignalCount; ++s) {
    const uint64_t handler = p.signals.actions[s].handler;
    if (handler == proc::kSigIgnore)
      ignored |= proc::signal_bit(s);
    else if (handler != 0)
      caught |= proc::signal_bit(s);
  }
  t.add("Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n",
        comm_of(p, view).name, state_name(p, task), p.pid, task != nullptr ? task->tid : p.pid,
        p.parent_pid);
  t.add("TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t0 \n",
        proc::kMaxFds);
  t.add("VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nRssShmem:\t%8lu kB\nThreads:\t%d\n",
        m.mapped_bytes >> 10, m.resident_bytes >> 10, m.shared_bytes >> 10, p.live_threads);
  t.add("SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
        signals.pending, p.signals.pending, signals.blocked, ignored, caught);
  add_allowed_cpus(t, view);
}

// Copies [begin, end) of `space` (not necessarily the active one).
void add_user_bytes(Text& t, paging::AddressSpace space, uint64_t begin, uint64_t end) {
  while (begin < end) {
    const paging::Translation tr = paging::translate(space, begin);
    if (!tr.present || !tr.user)
      return;
    const uint64_t in_page = layout::kPageSize - (begin & (layout::kPageSize - 1));
    const uint64_t n = end - begin < in_page ? end - begin : in_page;
    t.add_bytes(layout::phys_to_virt<const char>(tr.phys), n);
    begin += n;
  }
}

// Where a page lies, for maps: the VDSO's data ([vvar]: the chain page
// and the data page), its code ([vdso]), or elsewhere.
enum class Region { kOther, kVvar, kVdso };

Region region_of(const proc::UserLayout& l, uint64_t virt) {
  const uint64_t image = l.vdso_base + vdso::abi::kPagesBeforeImage * layout::kPageSize;
  if (virt >= l.vdso_base && virt < image)
    return Region::kVvar;
  if (virt >= image && virt < image + layout::page_round_up(vdso_pages::image_size()))
    return Region::kVdso;
  return Region::kOther;
}

struct MapsWalk {
  Text* text;
  const proc::Process* process;
  uint64_t begin, end;  // the run being gathered
  bool writable, executable;
  Region region;
};

// One line of maps: a run of pages with the same permissions. The VDSO's
// two mappings are named as Linux names them: [vvar] for its data (our
// chain page and data page) and [vdso] for the code; AT_SYSINFO_EHDR is
// where [vdso] begins.
void flush_run(MapsWalk& w) {
  if (w.begin == w.end)
    return;
  const proc::UserLayout& l = w.process->layout;
  const char* name = "";
  if (w.region == Region::kVvar) {
    name = "[vvar]";
  } else if (w.region == Region::kVdso) {
    name = "[vdso]";
  } else if (w.begin >= l.stack_floor && w.end <= l.stack_top) {
    name = "[stack]";
  } else if (w.begin >= l.brk_start && w.end <= l.brk && l.brk > l.brk_start) {
    name = "[heap]";
  } else if (w.end <= l.brk_start) {
    name = w.process->fs.executable;
  }
  w.text->add("%08lx-%08lx r%c%cp 00000000 00:00 0", w.begin, w.end, w.writable ? 'w' : '-',
              w.executable ? 'x' : '-');
  if (name[0] != '\0')
    w.text->add("                          %s", name);
  w.text->add("\n");
}

void add_maps(Text& t, const proc::Process& p) {
  if (p.space.pml4_phys == 0)
    return;
  MapsWalk walk{&t, &p, 0, 0, false, false, Region::kOther};
  paging::for_each_leaf(
      p.space, 0, layout::kUserTop,
      [](const paging::Leaf& leaf, void* cookie) {
        auto& w = *static_cast<MapsWalk*>(cookie);
        // The VDSO's two mappings are each one line, whatever lies
        // beside them.
        const Region region = region_of(w.process->layout, leaf.virt);
        if (leaf.virt != w.end || leaf.translation.writable != w.writable ||
            leaf.translation.executable != w.executable || region != w.region) {
          flush_run(w);
          w.begin = leaf.virt;
          w.writable = leaf.translation.writable;
          w.executable = leaf.translation.executable;
          w.region = region;
        }
        w.end = leaf.virt + leaf.size;
      },
      &walk);
  flush_run(walk);
}

// Linux's names for the CPUID feature bits shown in cpuinfo's flags.
struct Flag {
  uint32_t leaf;
  char reg;  // 'c' or 'd' ('b' for leaf 7)
  int bit;
  const char* name;
};
constexpr Flag kFlags[] = {
    {1, 'd', 0, "fpu"},
    {1, 'd', 1, "vme"},
    {1, 'd', 2, "de"},
    {1, 'd', 3, "pse"},
    {1, 'd', 4, "tsc"},
    {1, 'd', 5, "msr"},
    {1, 'd', 6, "pae"},
    {1, 'd', 7, "mce"},
    {1, 'd', 8, "cx8"},
    {1, 'd', 9, "apic"},
    {1, 'd', 11, "sep"},
    {1, 'd', 12, "mtrr"},
    {1, 'd', 13, "pge"},
    {1, 'd', 14, "mca"},
    {1, 'd', 15, "cmov"},
    {1, 'd', 16, "pat"},
    {1, 'd', 17, "pse36"},
    {1, 'd', 19, "clflush"},
    {1, 'd', 23, "mmx"},
    {1, 'd', 24, "fxsr"},
    {1, 'd', 25, "sse"},
    {1, 'd', 26, "sse2"},
    {1, 'd', 28, "ht"},
    {0x80000001, 'd', 11, "syscall"},
    {0x80000001, 'd', 20, "nx"},
    {0x80000001, 'd', 26, "pdpe1gb"},
    {0x80000001, 'd', 27, "rdtscp"},
    {0x80000001, 'd', 29, "lm"},
    {1, 'c', 0, "pni"},
    {1, 'c', 1, "pclmulqdq"},
    {1, 'c', 9, "ssse3"},
    {1, 'c', 12, "fma"},
    {1, 'c', 13, "cx16"},
    {1, 'c', 19, "sse4_1"},
    {1, 'c', 20, "sse4_2"},
    {1, 'c', 21, "x2apic"},
    {1, 'c', 22, "movbe"},
    {1, 'c', 23, "popcnt"},
    {1, 'c', 25, "aes"},
    {1, 'c', 26, "xsave"},
    {1, 'c', 28, "avx"},
    {1, 'c', 29, "f16c"},
    {1, 'c', 30, "rdrand"},
    {1, 'c', 31, "hypervisor"},
    {0x80000001, 'c', 0, "lahf_lm"},
    {0x80000001, 'c', 5, "abm"},
    {7, 'b', 0, "fsgsbase"},
    {7, 'b', 3, "bmi1"},
    {7, 'b', 5, "avx2"},
    {7, 'b', 7, "smep"},
    {7, 'b', 8, "bmi2"},
    {7, 'b', 9, "erms"},
    {7, 'b', 18, "rdseed"},
    {7, 'b', 19, "adx"},
    {7, 'b', 20, "smap"},
    {7, 'b', 23, "clflushopt"},
};

void add_cpuinfo(Text& t, const abi::SystemInfo& system) {
  const cpu::CpuidResult vendor = cpu::cpuid(0);
  char vendor_id[13];
  memcpy(vendor_id, &vendor.ebx, 4);
  memcpy(vendor_id + 4, &vendor.edx, 4);
  memcpy(vendor_id + 8, &vendor.ecx, 4);
  vendor_id[12] = '\0';
  const uint32_t signature = cpu::cpuid(1).eax;
  uint32_t family = (signature >> 8) & 0xf, model = (signature >> 4) & 0xf;
  if (family == 0xf)
    family += (signature >> 20) & 0xff;
  if (family == 0x6 || family >= 0xf)
    model |= ((signature >> 16) & 0xf) << 4;
  char brand[49] = "unknown";
  if (cpu::cpuid(0x80000000).eax >= 0x80000004) {
    for (uint32_t i = 0; i < 3; ++i) {
      const cpu::CpuidResult r = cpu::cpuid(0x80000002 + i);
      memcpy(brand + 16 * i, &r.eax, 4);
      memcpy(brand + 16 * i + 4, &r.ebx, 4);
      memcpy(brand + 16 * i + 8, &r.ecx, 4);
      memcpy(brand + 16 * i + 12, &r.edx, 4);
    }
    brand[48] = '\0';
  }
  const char* model_name = brand;
  while (*model_name == ' ')
    ++model_name;
  // The TSC's rate, from the clock source's calibration (its mult/shift).
  constexpr uint64_t kCycles = 1'000'000'000;
  const int64_t ns = clocksource::ns_from_tsc(kCycles);
  const uint64_t khz = ns > 0 ? kCycles * 1'000'000 / static_cast<uint64_t>(ns) : 0;
  const uint32_t address_sizes = cpu::cpuid(0x80000008).eax;
  for (uint32_t n = 0; n < system.cpus_online; ++n) {
    t.add("processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", n, vendor_id,
          family, model);
    t.add("model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n", model_name, signature & 0xf,
          khz / 1000, khz % 1000);
    t.add("physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\n",
          system.cpus_online, n, system.cpus_online, smp::cpu(n).lapic_id);
    t.add("fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
          vendor.eax);
    for (const Flag& f : kFlags) {
      const cpu::CpuidResult r = cpu::cpuid(f.leaf);
      const uint32_t reg = f.reg == 'b' ? r.ebx : f.reg == 'c' ? r.ecx : r.edx;
      if ((reg >> f.bit) & 1)
        t.add(" %s", f.name);
    }
    t.add("\nbogomips\t: %lu.%02lu\nclflush size\t: 64\ncache_alignment\t: 64\n", 2 * khz / 1000,
          (2 * khz / 10) % 100);
    t.add("address sizes\t: %u bits physical, %u bits virtual\n\n", address_sizes & 0xff,
          (address_sizes >> 8) & 0xff);
  }
}

}  // namespace

Entry root() {
  return {Kind::kRoot, kNoPid, 0};
}

bool is_directory(const Entry& e) {
  return e.kind == Kind::kRoot || e.kind == Kind::kSys || e.kind == Kind::kSysKernel ||
         e.kind == Kind::kProcess || e.kind == Kind::kProcessFds || e.kind == Kind::kTasks ||
         e.kind == Kind::kTask;
}

bool is_symlink(const Entry& e) {
  return e.kind == Kind::kSelf || e.kind == Kind::kExecutable ||
         e.kind == Kind::kWorkingDirectory || e.kind == Kind::kFd;
}

uint32_t mode(const Entry& e) {
  if (is_directory(e))
    return kModeDirectory | 0555;
  if (is_symlink(e))
    return kModeSymlink | 0777;
  return kModeRegular | 0444;
}

uint64_t inode(const Entry& e) {
  // Distinct per entry: 0xf0000000 + pid << 12 + kind << 6 + fd, with a
  // thread's own entries under its tid (pids and tids are one sequence).
  const bool per_thread = e.kind == Kind::kTask || e.kind == Kind::kTaskStat ||
                          e.kind == Kind::kTaskStatus || e.kind == Kind::kTaskComm;
  if (per_thread)
    return 0xf000'0000ull + (static_cast<uint64_t>(e.fd) << 12) +
           (static_cast<uint64_t>(e.kind) << 6);
  return 0xf000'0000ull + (static_cast<uint64_t>(e.pid) << 12) +
         (static_cast<uint64_t>(e.kind) << 6) + static_cast<uint64_t>(e.fd & 63);
}

int lookup(const Entry& directory, const char* name, size_t length, Entry& out) {
  if (directory.kind == Kind::kProcessFds) {
    int fd;
    proc::Process* p = process(directory.pid);
    if (p == nullptr || !parse_number(name, length, fd) || fd >= proc::kMaxFds ||
        p->files[fd] == nullptr)
      return -abi::kENOENT;
    out = {Kind::kFd, directory.pid, fd};
    return 0;
  }
  if (directory.kind == Kind::kTasks) {
    int tid;
    proc::Process* p = process(directory.pid);
    if (p == nullptr || !parse_number(name, length, tid) || thread_of(*p, tid) == nullptr)
      return -abi::kENOENT;
    out = {Kind::kTask, directory.pid, tid};
    return 0;
  }
  if ((directory.kind == Kind::kProcess || directory.kind == Kind::kTask) &&
      process(directory.pid) == nullptr)
    return -abi::kENOENT;
  if (directory.kind == Kind::kTask && thread_of(*process(directory.pid), directory.fd) == nullptr)
    return -abi::kENOENT;
  const Named* entries;
  int count;
  fixed_entries(directory.kind, entries, count);
  for (int i = 0; i < count; ++i) {
    if (same_name(entries[i].name, name, length)) {
      out = {entries[i].kind, directory.pid, directory.kind == Kind::kTask ? directory.fd : 0};
      return 0;
    }
  }
  int pid;
  if (directory.kind == Kind::kRoot && parse_number(name, length, pid) && process(pid) != nullptr) {
    out = {Kind::kProcess, pid, 0};
    return 0;
  }
  return -abi::kENOENT;
}

bool parent(const Entry& e, Entry& out) {
  switch (e.kind) {
    case Kind::kRoot: return false;
    case Kind::kSysKernel: out = {Kind::kSys, kNoPid, 0}; return true;
    case Kind::kFd: out = {Kind::kProcessFds, e.pid, 0}; return true;
    case Kind::kTaskStat:
    case Kind::kTaskStatus:
    case Kind::kTaskComm: out = {Kind::kTask, e.pid, e.fd}; return true;
    case Kind::kTask: out = {Kind::kTasks, e.pid, 0}; return true;
    case Kind::kTasks:
    case Kind::kProcessFds:
    case Kind::kProcessStat:
    case Kind::kProcessStatm:
    case Kind::kProcessStatus:
    case Kind::kProcessCmdline:
    case Kind::kProcessComm:
    case Kind::kProcessMaps:
    case Kind::kExecutable:
    case Kind::kWorkingDirectory: out = {Kind::kProcess, e.pid, 0}; return true;
    case Kind::kOstype:
    case Kind::kOsrelease:
    case Kind::kKernelVersion:
    case Kind::kHostname: out = {Kind::kSysKernel, kNoPid, 0}; return true;
    default: out = root(); return true;
  }
}

bool entry_at(const Entry& directory, uint64_t index, char (&name)[kMaxNameBytes], Entry& out) {
  if (directory.kind == Kind::kProcessFds) {
    proc::Process* p = process(directory.pid);
    if (p == nullptr)
      return false;
    for (int fd = 0; fd < proc::kMaxFds; ++fd) {
      if (p->files[fd] == nullptr || index-- != 0)
        continue;
      format_to(name, sizeof(name), "%d", fd);
      out = {Kind::kFd, directory.pid, fd};
      return true;
    }
    return false;
  }
  if (directory.kind == Kind::kTasks) {
    proc::Process* p = process(directory.pid);
    proc::Thread* task = p != nullptr ? thread_at(*p, index) : nullptr;
    if (task == nullptr)
      return false;
    format_to(name, sizeof(name), "%d", task->tid);
    out = {Kind::kTask, directory.pid, task->tid};
    return true;
  }
  const Named* entries;
  int count;
  fixed_entries(directory.kind, entries, count);
  if (index < static_cast<uint64_t>(count)) {
    format_to(name, sizeof(name), "%s", entries[index].name);
    out = {entries[index].kind, directory.pid, directory.kind == Kind::kTask ? directory.fd : 0};
    return true;
  }
  if (directory.kind != Kind::kRoot)
    return false;
  proc::Process* p = process_at(index - static_cast<uint64_t>(count));
  if (p == nullptr)
    return false;
  format_to(name, sizeof(name), "%d", p->pid);
  out = {Kind::kProcess, p->pid, 0};
  return true;
}

int64_t link_target(const Entry& link, char* out) {
  if (link.kind == Kind::kSelf)
    return static_cast<int64_t>(format_to(out, kMaxPathBytes, "%d", proc::current().pid));
  proc::Process* p = process(link.pid);
  if (p == nullptr)
    return -abi::kENOENT;
  switch (link.kind) {
    case Kind::kExecutable:
      if (p->fs.executable[0] == '\0')
        return -abi::kENOENT;
      return static_cast<int64_t>(format_to(out, kMaxPathBytes, "%s", p->fs.executable));
    case Kind::kWorkingDirectory:
      return static_cast<int64_t>(format_to(out, kMaxPathBytes, "%s", p->fs.working_directory));
    case Kind::kFd: {
      const fs::File* file = p->files[link.fd];
      if (file == nullptr)
        return -abi::kENOENT;
      return static_cast<int64_t>(fs::describe(*file, out, kMaxPathBytes));
    }
    default: return -abi::kEINVAL;
  }
}

int64_t generate(const Entry& e, char*& text) {
  Text t;
  if (!t.ok())
    return -abi::kENOMEM;
  const abi::SystemInfo system = system_info::read();
  proc::Process* p = nullptr;
  if (e.pid != kNoPid) {
    p = process(e.pid);
    if (p == nullptr)
      return -abi::kENOENT;
  }
  switch (e.kind) {
    case Kind::kUptime: {
      // The page's MONOTONIC, which is BOOTTIME here (no suspend) and
      // counts from the machine's reset, as sysinfo's uptime does.
      const proc::MachineTimes m = proc::machine_times();
      add_centiseconds(t, tick::monotonic_ns());
      t.add(" ");
      add_centiseconds(t, m.idle_ns);
      t.add("\n");
      break;
    }
    case Kind::kLoadavg: {
      uint64_t loads[3];
      proc::load_averages(loads);
      int total = 0;
      for (int i = 1; i < proc::kMaxProcesses; ++i)
        total += proc::slot(i)->state != proc::ProcessState::kFree ? 1 : 0;
      for (uint64_t load : loads) {
        add_load(t, load);
        t.add(" ");
      }
      t.add("%d/%d %d\n", proc::runnable_count(), total, proc::last_pid());
      break;
    }
    case Kind::kStat: {
      const proc::MachineTimes m = proc::machine_times();
      t.add("cpu  %ld 0 %ld %ld 0 0 0 0 0 0\n", proc::clock_ticks(m.user_ns),
            proc::clock_ticks(m.system_ns), proc::clock_ticks(m.idle_ns));
      for (int i = 0; i < proc::cpu_count(); ++i) {
        const proc::MachineTimes c = proc::cpu_times(i);
        t.add("cpu%d %ld 0 %ld %ld 0 0 0 0 0 0\n", i, proc::clock_ticks(c.user_ns),
              proc::clock_ticks(c.system_ns), proc::clock_ticks(c.idle_ns));
      }
      t.add("intr %lu\nctxt %lu\nbtime %ld\nprocesses %d\nprocs_running %d\nprocs_blocked 0\n",
            tick::interrupts(), sched::switch_count(), system.boot_time.sec, proc::last_pid(),
            proc::runnable_count());
      break;
    }
    case Kind::kMeminfo: {
      const uint64_t total_kb = system.physical_memory_bytes >> 10;
      const uint64_t free_kb = (frames::free_count() * layout::kPageSize) >> 10;
      t.add("MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n", total_kb,
            free_kb, free_kb);
      t.add("Buffers:        %8d kB\nCached:         %8d kB\nSwapCached:     %8d kB\n", 0, 0, 0);
      t.add("SwapTotal:      %8d kB\nSwapFree:       %8d kB\nShmem:          %8d kB\n", 0, 0, 0);
      break;
    }
    case Kind::kCpuinfo: add_cpuinfo(t, system); break;
    case Kind::kVersion:
      t.add("%s version %s (vdso-kernel) %s\n", system.uts.sysname, system.uts.release,
            system.uts.version);
      break;
    case Kind::kMounts:
      t.add("rootfs / rootfs ro 0 0\ntmpfs /tmp tmpfs rw 0 0\nproc /proc proc rw 0 0\n");
      break;
    case Kind::kOstype: t.add("%s\n", system.uts.sysname); break;
    case Kind::kOsrelease: t.add("%s\n", system.uts.release); break;
    case Kind::kKernelVersion: t.add("%s\n", system.uts.version); break;
    case Kind::kHostname: t.add("%s\n", system.uts.nodename); break;
    case Kind::kProcessStat: add_process_stat(t, *p); break;
    case Kind::kProcessStatm: {
      const Memory m = memory_of(*p);
      t.add("%lu %lu %lu 0 0 0 0\n", m.mapped_bytes / layout::kPageSize,
            m.resident_bytes / layout::kPageSize, m.shared_bytes / layout::kPageSize);
      break;
    }
    case Kind::kProcessStatus: add_process_status(t, *p); break;
    case Kind::kProcessCmdline:
      if (!is_zombie(*p))
        add_user_bytes(t, p->space, p->layout.arguments_begin, p->layout.arguments_end);
      break;
    case Kind::kProcessComm: t.add("%s\n", comm_of(*p, first_thread(*p)).name); break;
    case Kind::kProcessMaps: add_maps(t, *p); break;
    case Kind::kTaskStat:
    case Kind::kTaskStatus:
    case Kind::kTaskComm: {
      const proc::Thread* task = thread_of(*p, e.fd);
      if (task == nullptr)
        return -abi::kENOENT;
      if (e.kind == Kind::kTaskStat)
        add_process_stat(t, *p, task);
      else if (e.kind == Kind::kTaskStatus)
        add_process_status(t, *p, task);
      else
        t.add("%s\n", task->comm);
      break;
    }
    default: return -abi::kEISDIR;
  }
  return t.hand_over(text);
}

}  // namespace kernel::fs::procfs
