#include <stddef.h>

#include "proc/exec.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "console/print.h"
#include "elf_loader/elf_loader.h"
#include "fs/lookup.h"
#include "lib/panic.h"
#include "lib/random.h"
#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "proc/timers.h"
#include "proc/user_memory.h"
#include "vdso/abi/data_page.h"
#include "vdso/abi/linux.h"
#include "vdso/vdso_pages.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" void* memset(void*, int, size_t);

namespace abi = vdso::abi;
namespace kernel::proc {
namespace {

using layout::kPageSize;

constexpr uint64_t kStackTopCeiling = 0x0000'7fff'ff00'0000;
constexpr uint64_t kRandomRangePages = (1ull << 30) / kPageSize;  // 1 GiB
constexpr uint64_t kStackReserveBytes = 8ull << 20;
constexpr uint64_t kPieBase = 0x0000'5555'0000'0000;
constexpr uint64_t kPieRandomPages = (4ull << 30) / kPageSize;
constexpr uint64_t kMmapFloor = 0x0000'6000'0000'0000;

// auxv tags (include/uapi/linux/auxvec.h).
constexpr uint64_t kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6, kAtBase = 7,
                   kAtFlags = 8, kAtEntry = 9, kAtUid = 11, kAtEuid = 12, kAtGid = 13, kAtEgid = 14,
                   kAtPlatform = 15, kAtHwcap = 16, kAtClktck = 17, kAtSecure = 23, kAtRandom = 25,
                   kAtHwcap2 = 26, kAtExecfn = 31, kAtSysinfoEhdr = 33;
constexpr uint64_t kUserHz = 100;  // AT_CLKTCK: Linux's USER_HZ, not our tick

size_t string_length(const char* s) {
  size_t n = 0;
  while (s[n] != '\0')
    ++n;
  return n;
}

const char* base_name(const char* path) {
  const char* name = path;
  for (const char* c = path; *c != '\0'; ++c) {
    if (*c == '/')
      name = c + 1;
  }
  return name;
}

// Writes into an address space that need not be the active one.
void write_to_space(paging::AddressSpace space, uint64_t virt, const void* data, size_t bytes) {
  const auto* from = static_cast<const uint8_t*>(data);
  while (bytes > 0) {
    const paging::Translation t = paging::translate(space, virt);
    KASSERT(t.present);
    const size_t in_page = kPageSize - (virt & (kPageSize - 1));
    const size_t chunk = bytes < in_page ? bytes : in_page;
    memcpy(layout::phys_to_virt<uint8_t>(t.phys), from, chunk);
    from += chunk;
    virt += chunk;
    bytes -= chunk;
  }
}

uint64_t random_pages(uint64_t range_pages) {
  return random::below(range_pages) * kPageSize;
}

// The initial stack, as the System V x86_64 ABI (3.4.1) and Linux's
// create_elf_tables lay it out: argc, argv[], NULL, envp[], NULL, auxv
// pairs ending in AT_NULL, then the strings and AT_RANDOM's bytes above.
// Returns the initial rsp, or 0 when memory runs out.
uint64_t build_stack(paging::AddressSpace space, UserLayout& layout,
                     const elf_loader::Loaded& loaded, uint64_t vdso_ehdr, const char* path,
                     const ProgramArguments& args) {
  static constexpr char kPlatform[] = "x86_64";
  uint64_t strings_bytes = string_length(path) + 1 + sizeof(kPlatform);
  for (int i = 0; i < args.argc; ++i)
    strings_bytes += string_length(args.argv[i]) + 1;
  for (int i = 0; i < args.envc; ++i)
    strings_bytes += string_length(args.envp[i]) + 1;

  constexpr int kAuxvPairs = 20;  // with the closing AT_NULL
  const uint64_t words = 1 + (args.argc + 1) + (args.envc + 1) + 2 * kAuxvPairs;
  const uint64_t top = layout.stack_top - 16;  // a zero word pair at the very top
  const uint64_t strings_at = top - strings_bytes;
  const uint64_t random_at = (strings_at - 16) & ~uint64_t{15};
  const uint64_t sp = (random_at - words * 8) & ~uint64_t{15};

  for (uint64_t page = layout::page_round_down(sp); page < layout.stack_top; page += kPageSize) {
    if (!map_zeroed_page(space, page, paging::kUser | paging::kWritable | paging::kNoExecute))
      return 0;
  }

  // Strings: execfn, platform, argv, envp; remember where each landed.
  uint64_t cursor = strings_at;
  auto put_string = [&](const char* s) {
    const uint64_t at = cursor;
    const size_t n = string_length(s) + 1;
    write_to_space(space, at, s, n);
    cursor += n;
    return at;
  };
  const uint64_t execfn = put_string(path);
  const uint64_t platform = put_string(kPlatform);

  uint8_t random_bytes[16];
  random::fill(random_bytes, sizeof(random_bytes));
  write_to_space(space, random_at, random_bytes, sizeof(random_bytes));

  uint64_t slot = sp;
  auto put_word = [&](uint64_t value) {
    write_to_space(space, slot, &value, 8);
    slot += 8;
  };
  put_word(static_cast<uint64_t>(args.argc));
  layout.arguments_begin = cursor;
  for (int i = 0; i < args.argc; ++i)
    put_word(put_string(args.argv[i]));
  layout.arguments_end = cursor;
  put_word(0);
  for (int i = 0; i < args.envc; ++i)
    put_word(put_string(args.envp[i]));
  put_word(0);
  const uint64_t auxv[kAuxvPairs][2] = {
      {kAtSysinfoEhdr, vdso_ehdr},
      {kAtHwcap, cpu::cpuid(1).edx},
      {kAtPagesz, kPageSize},
      {kAtClktck, kUserHz},
      {kAtPhdr, loaded.phdr},
      {kAtPhent, 56},
      {kAtPhnum, loaded.phnum},
      {kAtBase, 0},
      {kAtFlags, 0},
      {kAtEntry, loaded.entry},
      {kAtUid, 0},
      {kAtEuid, 0},
      {kAtGid, 0},
      {kAtEgid, 0},
      {kAtSecure, 0},
      {kAtRandom, random_at},
      {kAtHwcap2, 0},
      {kAtExecfn, execfn},
      {kAtPlatform, platform},
      {kAtNull, 0},
  };
  for (const auto& pair : auxv) {
    put_word(pair[0]);
    put_word(pair[1]);
  }
  KASSERT(slot <= random_at && cursor <= top);
  return sp;
}

}  // namespace

int64_t exec(Thread& t, const char* path, const ProgramArguments& arguments,
             interrupts::InterruptFrame& frame) {
  Process& p = *t.process;
  // The program: a regular file of the tree (links followed, a relative
  // path from the working directory). Its bytes are read in place: an
  // initramfs file's, or a RAM file's (which stays open meanwhile).
  char absolute[fs::kMaxPathBytes], canonical[fs::kMaxPathBytes];
  int found = fs::join(p.fs.working_directory, path, absolute);
  fs::Location where{};
  if (found == 0)
    found = fs::resolve(absolute, fs::Follow::kAll, where, canonical);
  if (found != 0)
    return found;
  if (where.node == nullptr || !fs::is_regular(*where.node))
    return -abi::kEACCES;
  struct {
    const uint8_t* data;
    uint64_t size;
  } file{where.node->data, where.node->size};
  if ((where.node->mode & 0111) == 0)
    return -abi::kEACCES;
  const elf_loader::Refusal early = elf_loader::check(file.data, file.size);
  if (early != elf_loader::Refusal::kOk) {
    kprint("exec: %s: %s\n", path, elf_loader::describe(early));
    return -abi::kENOEXEC;
  }

  const paging::AddressSpace space = paging::create_address_space();
  UserLayout layout{};
  layout.stack_top = kStackTopCeiling - random_pages(kRandomRangePages);
  layout.stack_floor = layout.stack_top - kStackReserveBytes;
  const uint64_t vdso_bytes =
      vdso::abi::kPagesBeforeImage * kPageSize + layout::page_round_up(vdso_pages::image_size());
  layout.vdso_base =
      layout.stack_floor - kPageSize * 16 - vdso_bytes - random_pages(kRandomRangePages);
  layout.mmap_top = layout.vdso_base - (1ull << 20);
  layout.mmap_floor = kMmapFloor;

  elf_loader::Loaded loaded{};
  const elf_loader::Refusal refusal = elf_loader::load(
      space, file.data, file.size, kPieBase + random_pages(kPieRandomPages), loaded);
  if (refusal != elf_loader::Refusal::kOk) {
    paging::destroy_address_space(space, is_shared_frame);
    kprint("exec: %s: %s\n", path, elf_loader::describe(refusal));
    return refusal == elf_loader::Refusal::kOutOfMemory ? -abi::kENOMEM : -abi::kENOEXEC;
  }
  layout.brk_start = layout::page_round_up(loaded.image_end);
  layout.brk = layout.brk_start;

  // Seed step 4: the data page and the image, the same physical pages in
  // every process, at this exec's random address.
  const vdso_pages::Mapping vdso = vdso_pages::map_into(space, layout.vdso_base);
  const uint64_t sp = build_stack(space, layout, loaded, vdso.image, path, arguments);
  if (sp == 0) {
    paging::destroy_address_space(space, is_shared_frame);
    return -abi::kENOMEM;
  }

  // Past the point of no return: the other threads end (as Linux's
  // de_thread), the caller takes the process's id, and the new image goes in.
  if (p.live_threads > 1)
    end_other_threads();
  t.tid = p.pid;
  t.clear_child_tid = 0;
  const paging::AddressSpace old = p.space;
  p.space = space;
  p.layout = layout;
  p.mappings.clear();
  p.mappings.add(layout.stack_floor, layout.stack_top, kProtRead | kProtWrite, false);
  if (&t == &current_thread()) {
    paging::activate(space);
    cpu::wrmsr(cpu::kMsrFsBase, 0);
  }
  if (old.pml4_phys != 0)
    paging::destroy_address_space(old, is_shared_frame);
  close_on_exec(p);
  timers::on_exec(p);
  t.fs_base = 0;
  fpu::reset(t.fpu);
  if (&t == &current_thread())
    fpu::restore(t.fpu);
  t.signals.alternate_stack = AlternateStack{0, kSsDisable, 0, 0};
  t.rseq = RseqRegistration{};  // the area was in the old image
  for (SignalAction& action : p.signals.actions) {
    if (action.handler != kSigIgnore)
      action = SignalAction{};
  }
  for (size_t k = 0; k < sizeof(canonical); ++k) {
    p.fs.executable[k] = canonical[k];
    if (canonical[k] == '\0')
      break;
  }
  const char* name = base_name(path);
  size_t i = 0;
  for (; i + 1 < sizeof(p.name) && name[i] != '\0'; ++i)
    p.name[i] = name[i];
  p.name[i] = '\0';
  set_comm(t, p.name);

  frame = interrupts::InterruptFrame{};
  frame.rip = loaded.entry;
  frame.cs = gdt::kUserCode;
  frame.rflags = 0x202;  // IF
  frame.rsp = sp;
  frame.ss = gdt::kUserData;
  return 0;
}

bool start_init(const char* path, const ProgramArguments& arguments) {
  Thread* t = allocate(0, "init");
  if (t == nullptr)
    return false;
  Process* p = t->process;
  for (int fd = 0; fd < 3; ++fd) {
    p->files[fd] = fs::open_console(fd);
    KASSERT(p->files[fd] != nullptr);
  }
  interrupts::InterruptFrame frame{};
  const int64_t result = exec(*t, path, arguments, frame);
  if (result != 0) {
    kprint("init: cannot run %s: error %ld\n", path, -result);
    close_all_files(*p);
    p->state = ProcessState::kFree;
    t->state = State::kFree;
    return false;
  }
  prepare_first_entry(*t, frame);
  t->state = State::kRunnable;
  return true;
}

}  // namespace kernel::proc
