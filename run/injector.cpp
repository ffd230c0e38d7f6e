#include "injector.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stub_abi.h"

extern "C" {
extern const uint8_t vdso_run_stub_start[];
extern const uint8_t vdso_run_stub_params[];
extern const uint8_t vdso_run_stub_end[];
}

namespace vdso::run {
namespace {

constexpr uint64_t kPage = abi::kPageSize;
constexpr uint64_t kStubAlign = 16;

uint64_t stub_size() {
  return static_cast<uint64_t>(vdso_run_stub_end - vdso_run_stub_start);
}
uint64_t page_end(uint64_t address) {
  return (address + kPage - 1) & ~(kPage - 1);
}

bool read_memory(pid_t pid, uint64_t address, void* buffer, size_t size, size_t* got) {
  iovec local{buffer, size};
  iovec remote{reinterpret_cast<void*>(address), size};
  const ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (n < 0)
    return false;
  *got = static_cast<size_t>(n);
  return true;
}

bool read_exactly(pid_t pid, uint64_t address, void* buffer, size_t size) {
  size_t got = 0;
  return read_memory(pid, address, buffer, size, &got) && got == size;
}

// What the new program's auxiliary vector says, and where its
// AT_SYSINFO_EHDR value lives on the stack. At the exec stop rsp points at
// argc, then argv[], NULL, envp[], NULL, auxv pairs up to AT_NULL.
struct Auxv {
  uint64_t start = 0, size = 0;  // the vector, AT_NULL included
  uint64_t sysinfo_slot = 0;     // 0: no AT_SYSINFO_EHDR
  uint64_t sysinfo_ehdr = 0;     // the host vDSO
  uint64_t base = 0;             // the interpreter, 0 for a static program
  uint64_t phdr = 0, phnum = 0, entry = 0;
};

bool read_auxv(pid_t pid, uint64_t rsp, Auxv* auxv) {
  std::vector<uint64_t> words;
  // A page holds the vectors of most programs; a big environment needs more.
  for (size_t bytes = 4096; bytes <= 64 * 1024 * 1024; bytes *= 8) {
    words.assign(bytes / 8, 0);
    size_t got = 0;
    if (!read_memory(pid, rsp, words.data(), bytes, &got))
      return false;
    const size_t count = got / 8;
    size_t i = 1 + words[0] + 1;  // past argc, argv[] and its NULL
    while (i < count && words[i] != 0)
      ++i;
    ++i;  // past envp's NULL
    for (; i + 1 < count; i += 2) {
      const uint64_t value = words[i + 1];
      switch (words[i]) {
        case AT_NULL: return true;
        case AT_SYSINFO_EHDR:
          auxv->sysinfo_slot = rsp + (i + 1) * 8;
          auxv->sysinfo_ehdr = value;
          break;
        case AT_BASE: auxv->base = value; break;
        case AT_PHDR: auxv->phdr = value; break;
        case AT_PHNUM: auxv->phnum = value; break;
        case AT_ENTRY: auxv->entry = value; break;
      }
    }
    if (got < bytes)
      return false;  // the stack ended before AT_NULL
  }
  return false;
}

bool get_regs(pid_t pid, user_regs_struct* regs, size_t* size) {
  iovec iov{regs, sizeof(*regs)};
  if (ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) != 0)
    return false;
  *size = iov.iov_len;
  return true;
}

bool set_regs(pid_t pid, const user_regs_struct& regs) {
  iovec iov{const_cast<user_regs_struct*>(&regs), sizeof(regs)};
  return ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov) == 0;
}

// The exec'd file: set-id bits, ELF class and entry point (from the file,
// since the program's own headers are found through it).
struct Executable {
  bool readable = false;
  bool setid = false;
  bool x32 = false;
  uint64_t entry = 0;  // e_entry, before relocation
};

// `cookie`: passed in fstat's unused third argument, so that the filter
// lets the supervisor's own fstat through under --file-times (file_times.h).
Executable read_executable(pid_t pid, uint64_t cookie) {
  Executable exe;
  const std::string path = "/proc/" + std::to_string(pid) + "/exe";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return exe;
  struct stat st;
  if (syscall(SYS_fstat, fd, &st, cookie) == 0)
    exe.setid = (st.st_mode & (S_ISUID | S_ISGID)) != 0;
  Elf64_Ehdr header;
  if (pread(fd, &header, sizeof(header), 0) == static_cast<ssize_t>(sizeof(header)) &&
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0) {
    exe.readable = true;
    // A 64-bit register set with a 32-bit ELF: the x32 ABI.
    exe.x32 = header.e_ident[EI_CLASS] == ELFCLASS32;
    if (!exe.x32)
      exe.entry = header.e_entry;
  }
  close(fd);
  return exe;
}

// The unused tail of the last page of the executable segment that holds
// `rip`: bytes of the file past the segment (or zero fill), mapped with it
// but never executed. 0 if there is none big enough for the stub.
uint64_t find_text_tail(pid_t pid, const Auxv& auxv, const Executable& exe, uint64_t rip) {
  uint64_t phdr_address = 0, phnum = 0, bias = 0;
  Elf64_Phdr phdrs[64];
  if (auxv.base != 0) {
    // Dynamic: rip is the interpreter's entry; its headers are mapped, the
    // program headers (nearly always) right after the ELF header: one read.
    struct {
      Elf64_Ehdr header;
      Elf64_Phdr phdrs[16];
    } head;
    if (!read_exactly(pid, auxv.base, &head, sizeof(head)))
      return 0;
    if (std::memcmp(head.header.e_ident, ELFMAG, SELFMAG) != 0)
      return 0;
    phnum = head.header.e_phnum;
    bias = auxv.base;  // an ET_DYN interpreter is linked at 0
    if (head.header.e_phoff == sizeof(Elf64_Ehdr) && phnum <= 16) {
      std::memcpy(phdrs, head.phdrs, phnum * sizeof(Elf64_Phdr));
    } else {
      phdr_address = auxv.base + head.header.e_phoff;
    }
  } else {
    if (!exe.readable || auxv.entry < exe.entry)
      return 0;
    phdr_address = auxv.phdr;
    phnum = auxv.phnum;
    bias = auxv.entry - exe.entry;
  }
  if (phnum == 0 || phnum > 64)
    return 0;
  if (phdr_address != 0 && !read_exactly(pid, phdr_address, phdrs, phnum * sizeof(Elf64_Phdr))) {
    return 0;
  }
  for (uint64_t i = 0; i < phnum; ++i) {
    const Elf64_Phdr& ph = phdrs[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0)
      continue;
    const uint64_t start = bias + ph.p_vaddr;
    const uint64_t end = start + std::max(ph.p_filesz, ph.p_memsz);
    if (rip < start || rip >= end)
      continue;
    const uint64_t tail = (end + kStubAlign - 1) & ~(kStubAlign - 1);
    return tail + stub_size() <= page_end(end) ? tail : 0;
  }
  return 0;
}

const char* step_name(uint64_t step) {
  switch (step) {
    case VDSO_RUN_STEP_FD: return "receiving the data page's fd";
    case VDSO_RUN_STEP_RESERVE: return "reserving the address range";
    case VDSO_RUN_STEP_CHAIN: return "mapping the chain page";
    case VDSO_RUN_STEP_DATA: return "mapping the data page";
    case VDSO_RUN_STEP_IMAGE: return "mapping the image";
  }
  return "an unknown step";
}

}  // namespace

bool Injector::write_memory(pid_t pid, uint64_t address, const void* bytes, size_t size) {
  if (proc_mem_writes_) {
    // One write instead of a system call per word; the kernel lets a
    // tracer write read-only text through it (FOLL_FORCE), as with POKETEXT.
    const std::string path = "/proc/" + std::to_string(pid) + "/mem";
    const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      const ssize_t n = pwrite(fd, bytes, size, static_cast<off_t>(address));
      close(fd);
      if (n == static_cast<ssize_t>(size))
        return true;
    }
    proc_mem_writes_ = false;  // disabled on this kernel: poke from now on
  }
  const auto* source = static_cast<const uint8_t*>(bytes);
  for (size_t offset = 0; offset < size; offset += 8) {
    uint64_t word = 0;
    if (size - offset < 8) {  // keep the bytes past the end
      errno = 0;
      word = static_cast<uint64_t>(ptrace(PTRACE_PEEKTEXT, pid, address + offset, nullptr));
      if (errno != 0)
        return false;
    }
    std::memcpy(&word, source + offset, std::min<size_t>(8, size - offset));
    if (ptrace(PTRACE_POKETEXT, pid, address + offset, word) != 0)
      return false;
  }
  return true;
}

bool Injector::begin(pid_t pid, bool trap, Injection* injection, ProgramKind* kind,
                     std::string* error) {
  injection->armed = false;
  user_regs_struct regs;
  size_t regs_size = 0;
  if (!get_regs(pid, &regs, &regs_size)) {
    *error = std::string("PTRACE_GETREGSET: ") + strerror(errno);
    return false;
  }
  if (regs_size != sizeof(regs)) {
    kind->served = false;
    kind->why_not = "32-bit program: our VDSO is x86_64 only";
    return false;
  }
  const Executable exe = read_executable(pid, cookie_);
  kind->setuid = exe.setid;
  if (exe.x32) {
    kind->served = false;
    kind->why_not = "x32 program (32-bit pointers): our VDSO is x86_64 only";
    return false;
  }
  Auxv auxv;
  if (!read_auxv(pid, regs.rsp, &auxv) || auxv.sysinfo_slot == 0) {
    kind->served = false;
    kind->why_not = "no AT_SYSINFO_EHDR in its auxiliary vector (host vDSO disabled?)";
    return false;
  }

  uint64_t address = trap ? 0 : find_text_tail(pid, auxv, exe, regs.rip);
  injection->traps = address == 0;
  if (injection->traps) {
    // Over live code: the start of the entry page (mapped and executable
    // as a whole), put back at the trap.
    static_assert(kPage >= 1024);
    address = regs.rip & ~(kPage - 1);
    injection->original_bytes.resize(stub_size());
    if (!read_exactly(pid, address, injection->original_bytes.data(), stub_size())) {
      *error = std::string("cannot read the entry page: ") + strerror(errno);
      return false;
    }
  }
  injection->stub_address = address;
  if (ptrace(PTRACE_GETSIGMASK, pid, sizeof(uint64_t), &injection->saved_sigmask) != 0) {
    *error = std::string("PTRACE_GETSIGMASK: ") + strerror(errno);
    return false;
  }

  std::vector<uint8_t> stub(vdso_run_stub_start, vdso_run_stub_end);
  uint8_t* params = stub.data() + (vdso_run_stub_params - vdso_run_stub_start);
  const auto put = [&](int offset, uint64_t value) {
    std::memcpy(params + offset, &value, sizeof(value));
  };
  put(VDSO_RUN_PARAM_COOKIE, cookie_);
  put(VDSO_RUN_PARAM_TOTAL_SIZE, memory_.mapping_size());
  put(VDSO_RUN_PARAM_IMAGE_SIZE, memory_.image_size());
  put(VDSO_RUN_PARAM_AUXV_SLOT, auxv.sysinfo_slot);
  abi::ChainPage chain = host_.chain_for(auxv.sysinfo_ehdr);
  if (drop_fine_clock_chain_) {
    chain.clock_gettime = 0;
    chain.gettimeofday = 0;
  }
  static_assert(VDSO_RUN_PARAM_CHAIN_WORDS * 8 == __builtin_offsetof(abi::ChainPage, reserved));
  std::memcpy(params + VDSO_RUN_PARAM_CHAIN, &chain, VDSO_RUN_PARAM_CHAIN_WORDS * 8);
  put(VDSO_RUN_PARAM_MODE, injection->traps ? VDSO_RUN_MODE_TRAP : VDSO_RUN_MODE_JUMP);
  put(VDSO_RUN_PARAM_SIGMASK, injection->saved_sigmask);
  put(VDSO_RUN_PARAM_ENTRY, regs.rip);
  put(VDSO_RUN_PARAM_AUXV, auxv.start);
  put(VDSO_RUN_PARAM_AUXV_SIZE, auxv.size);

  if (!write_memory(pid, address, stub.data(), stub.size())) {
    *error = std::string("cannot write the stub: ") + strerror(errno);
    if (injection->traps) {
      write_memory(pid, address, injection->original_bytes.data(), stub_size());
    }
    return false;
  }
  // Signals that arrive while the stub runs stay pending, with their
  // siginfo, until the program's own mask is back: none is lost or
  // delivered to the stub. (SIGKILL and SIGSTOP cannot be blocked; both
  // are handled by the tracer's ordinary stop logic.)
  uint64_t all = ~0ULL;
  ptrace(PTRACE_SETSIGMASK, pid, sizeof(all), &all);

  injection->saved_regs = regs;
  user_regs_struct stub_regs = regs;
  stub_regs.rip = address;
  if (!set_regs(pid, stub_regs)) {
    *error = std::string("PTRACE_SETREGSET: ") + strerror(errno);
    if (injection->traps) {
      write_memory(pid, address, injection->original_bytes.data(), stub_size());
    }
    ptrace(PTRACE_SETSIGMASK, pid, sizeof(uint64_t), &injection->saved_sigmask);
    return false;
  }
  injection->armed = true;
  return true;
}

bool Injector::is_stub_stop(pid_t pid, const Injection& injection, int signal) {
  if (!injection.armed)
    return false;
  if (signal != SIGTRAP && signal != SIGSEGV && signal != SIGBUS && signal != SIGILL &&
      signal != SIGFPE) {
    return false;
  }
  // Raised by the kernel (int3, a fault), not sent by a process: a signal
  // that was pending when a jumping stub unblocked signals is the
  // program's, even though it stops the process inside the stub.
  siginfo_t info;
  if (ptrace(PTRACE_GETSIGINFO, pid, nullptr, &info) != 0 || info.si_code <= 0)
    return false;
  user_regs_struct regs;
  size_t size = 0;
  if (!get_regs(pid, &regs, &size))
    return false;
  // int3 reports the next instruction; a fault, its own.
  const uint64_t at = signal == SIGTRAP ? regs.rip - 1 : regs.rip;
  return at >= injection.stub_address && at < injection.stub_address + stub_size();
}

InjectionResult Injector::finish(pid_t pid, Injection* injection) {
  InjectionResult result;
  user_regs_struct regs;
  size_t size = 0;
  if (get_regs(pid, &regs, &size)) {
    const auto value = static_cast<int64_t>(regs.rax);
    if (value > 0 && injection->traps) {
      result.served = true;
      result.image_address = regs.rax;
    } else if (value < 0 && value > -4096) {
      result.failure = std::string(step_name(regs.r15)) + ": " + strerror(static_cast<int>(-value));
    } else {
      result.failure = "the stub faulted";
    }
  }
  if (injection->traps) {
    write_memory(pid, injection->stub_address, injection->original_bytes.data(),
                 injection->original_bytes.size());
  }
  user_regs_struct program = injection->saved_regs;
  program.rax = 0;                               // what execve returned
  program.orig_rax = static_cast<uint64_t>(-1);  // not in a system call: nothing to restart
  set_regs(pid, program);
  uint64_t mask = injection->saved_sigmask;
  ptrace(PTRACE_SETSIGMASK, pid, sizeof(mask), &mask);
  injection->armed = false;
  return result;
}

}  // namespace vdso::run
