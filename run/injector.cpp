#include "injector.h"

#include <elf.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "auxv.h"
#include "executable.h"
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
  kind->setid_privilege_withheld = setid_privilege_withheld(pid, exe);
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

  uint64_t address = trap ? 0 : find_free_tail(pid, auxv, exe, regs.rip, stub_size(), kStubAlign);
  injection->traps = address == 0;
  if (injection->traps) {
    // Over live code: the start of the entry page (mapped and executable
    // as a whole), put back at the trap.
    static_assert(kPage >= 1024);
    address = regs.rip & ~(kPage - 1);
    injection->original_bytes.resize(stub_size());
    if (!read_from_process(pid, address, injection->original_bytes.data(), stub_size())) {
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

  if (!text_.write(pid, address, stub.data(), stub.size())) {
    *error = std::string("cannot write the stub: ") + strerror(errno);
    if (injection->traps) {
      text_.write(pid, address, injection->original_bytes.data(), stub_size());
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
      text_.write(pid, address, injection->original_bytes.data(), stub_size());
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
    text_.write(pid, injection->stub_address, injection->original_bytes.data(),
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
