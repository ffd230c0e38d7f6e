#include "injector.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

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

uint64_t stub_size() {
  return static_cast<uint64_t>(vdso_run_stub_end - vdso_run_stub_start);
}
uint64_t stub_words() {
  return (stub_size() + 7) / 8;
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

// Where the auxv's AT_SYSINFO_EHDR value lives on the new program's stack,
// and that value (the host vDSO). At the exec stop rsp points at argc, then
// argv[], NULL, envp[], NULL, auxv pairs up to AT_NULL.
bool find_sysinfo_slot(pid_t pid, uint64_t rsp, uint64_t* slot, uint64_t* host_base) {
  std::vector<uint64_t> words;
  for (size_t bytes = 16 * 1024; bytes <= 64 * 1024 * 1024; bytes *= 4) {
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
      if (words[i] == AT_NULL)
        return false;
      if (words[i] == AT_SYSINFO_EHDR) {
        *slot = rsp + (i + 1) * 8;
        *host_base = words[i + 1];
        return true;
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

bool poke_words(pid_t pid, uint64_t address, const uint64_t* words, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    // POKETEXT writes through read-only text (the kernel copies the page).
    if (ptrace(PTRACE_POKETEXT, pid, address + i * 8, words[i]) != 0)
      return false;
  }
  return true;
}

bool peek_words(pid_t pid, uint64_t address, uint64_t* words, size_t count) {
  size_t got = 0;
  if (read_memory(pid, address, words, count * 8, &got) && got == count * 8)
    return true;
  for (size_t i = 0; i < count; ++i) {  // execute-only or odd mappings
    errno = 0;
    const long word = ptrace(PTRACE_PEEKTEXT, pid, address + i * 8, nullptr);
    if (errno != 0)
      return false;
    words[i] = static_cast<uint64_t>(word);
  }
  return true;
}

// Reads the ELF class and the set-id bits of the exec'd file.
void classify_executable(pid_t pid, ProgramKind* kind) {
  const std::string exe = "/proc/" + std::to_string(pid) + "/exe";
  const int fd = open(exe.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;  // unreadable: judge by the registers alone
  struct stat st;
  if (fstat(fd, &st) == 0)
    kind->setuid = (st.st_mode & (S_ISUID | S_ISGID)) != 0;
  unsigned char ident[EI_NIDENT];
  if (pread(fd, ident, sizeof(ident), 0) == static_cast<ssize_t>(sizeof(ident)) &&
      std::memcmp(ident, ELFMAG, SELFMAG) == 0 && ident[EI_CLASS] == ELFCLASS32) {
    // A 64-bit register set with a 32-bit ELF: the x32 ABI.
    kind->served = false;
    kind->why_not = "x32 program (32-bit pointers): our VDSO is x86_64 only";
  }
  close(fd);
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

bool Injector::begin(pid_t pid, Injection* injection, ProgramKind* kind, std::string* error) {
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
  classify_executable(pid, kind);
  if (!kind->served)
    return false;

  uint64_t slot = 0, host_base = 0;
  if (!find_sysinfo_slot(pid, regs.rsp, &slot, &host_base)) {
    kind->served = false;
    kind->why_not = "no AT_SYSINFO_EHDR in its auxiliary vector (host vDSO disabled?)";
    return false;
  }

  // The stub goes at the start of the entry page: the whole page is mapped
  // and executable, and the stub is far smaller than a page.
  static_assert(abi::kPageSize >= 1024);
  injection->stub_address = regs.rip & ~(abi::kPageSize - 1);
  injection->original_words.assign(stub_words(), 0);
  if (!peek_words(pid, injection->stub_address, injection->original_words.data(), stub_words())) {
    *error = std::string("cannot read the entry page: ") + strerror(errno);
    return false;
  }

  std::vector<uint64_t> stub(stub_words(), 0);
  std::memcpy(stub.data(), vdso_run_stub_start, stub_size());
  auto* params =
      reinterpret_cast<uint8_t*>(stub.data()) + (vdso_run_stub_params - vdso_run_stub_start);
  const auto put = [&](int offset, uint64_t value) {
    std::memcpy(params + offset, &value, sizeof(value));
  };
  put(VDSO_RUN_PARAM_COOKIE, cookie_);
  put(VDSO_RUN_PARAM_TOTAL_SIZE, memory_.mapping_size());
  put(VDSO_RUN_PARAM_IMAGE_SIZE, memory_.image_size());
  put(VDSO_RUN_PARAM_AUXV_SLOT, slot);
  const abi::ChainPage chain = host_.chain_for(host_base);
  static_assert(VDSO_RUN_PARAM_CHAIN_WORDS * 8 == __builtin_offsetof(abi::ChainPage, reserved));
  std::memcpy(params + VDSO_RUN_PARAM_CHAIN, &chain, VDSO_RUN_PARAM_CHAIN_WORDS * 8);

  if (ptrace(PTRACE_GETSIGMASK, pid, sizeof(uint64_t), &injection->saved_sigmask) != 0) {
    *error = std::string("PTRACE_GETSIGMASK: ") + strerror(errno);
    return false;
  }
  if (!poke_words(pid, injection->stub_address, stub.data(), stub.size())) {
    *error = std::string("cannot write the stub: ") + strerror(errno);
    poke_words(pid, injection->stub_address, injection->original_words.data(), stub_words());
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
  stub_regs.rip = injection->stub_address;
  if (!set_regs(pid, stub_regs)) {
    *error = std::string("PTRACE_SETREGSET: ") + strerror(errno);
    poke_words(pid, injection->stub_address, injection->original_words.data(), stub_words());
    ptrace(PTRACE_SETSIGMASK, pid, sizeof(uint64_t), &injection->saved_sigmask);
    return false;
  }
  return true;
}

bool Injector::is_stub_trap(pid_t pid, const Injection& injection) {
  user_regs_struct regs;
  size_t size = 0;
  if (!get_regs(pid, &regs, &size))
    return false;
  const uint64_t trap = regs.rip - 1;  // int3 reports the next instruction
  return trap >= injection.stub_address && trap < injection.stub_address + stub_size();
}

InjectionResult Injector::finish(pid_t pid, const Injection& injection, bool stub_trapped) {
  InjectionResult result;
  user_regs_struct regs;
  size_t size = 0;
  if (stub_trapped && get_regs(pid, &regs, &size)) {
    const auto value = static_cast<int64_t>(regs.rax);
    if (value > 0) {
      result.served = true;
      result.image_address = regs.rax;
    } else {
      result.failure = std::string(step_name(regs.r15)) + ": " + strerror(static_cast<int>(-value));
    }
  } else {
    result.failure = "the stub was stopped by a signal";
  }
  poke_words(pid, injection.stub_address, injection.original_words.data(),
             injection.original_words.size());
  user_regs_struct program = injection.saved_regs;
  program.rax = 0;        // what execve returned
  program.orig_rax = -1;  // not in a system call: nothing to restart
  set_regs(pid, program);
  uint64_t mask = injection.saved_sigmask;
  ptrace(PTRACE_SETSIGMASK, pid, sizeof(mask), &mask);
  return result;
}

}  // namespace vdso::run
