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

// The registers of `pid`, and how many bytes of them the kernel gave:
// fewer than a user_regs_struct for a 32-bit process.
struct Registers {
  user_regs_struct regs;
  size_t size;
};

Result<Registers> get_regs(pid_t pid) {
  Registers registers{};
  iovec iov{&registers.regs, sizeof(registers.regs)};
  if (ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) != 0)
    return Error::from_errno("PTRACE_GETREGSET");
  registers.size = iov.iov_len;
  return registers;
}

Result<void> set_regs(pid_t pid, const user_regs_struct& regs) {
  iovec iov{const_cast<user_regs_struct*>(&regs), sizeof(regs)};
  if (ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov) != 0)
    return Error::from_errno("PTRACE_SETREGSET");
  return {};
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

Result<void> Injector::begin(pid_t pid, bool trap, Injection* injection, bool* privilege_withheld) {
  injection->armed = false;
  *privilege_withheld = false;
  const Result<Registers> registers = get_regs(pid);
  if (!registers)
    return registers.error();
  if (registers->size != sizeof(user_regs_struct))
    return Error{ENOEXEC, "32-bit program: our VDSO is x86_64 only"};
  const user_regs_struct& regs = registers->regs;
  const Executable exe = read_executable(pid, cookie_);
  *privilege_withheld = setid_privilege_withheld(pid, exe);
  if (exe.x32)
    return Error{ENOEXEC, "x32 program (32-bit pointers): our VDSO is x86_64 only"};
  const Result<Auxv> auxv_read = read_auxv(pid, regs.rsp);
  if (!auxv_read || auxv_read->sysinfo_slot == 0)
    return Error{ENOENT, "no AT_SYSINFO_EHDR in its auxiliary vector (host vDSO disabled?)"};
  const Auxv& auxv = *auxv_read;

  uint64_t address = trap ? 0 : find_free_tail(pid, auxv, exe, regs.rip, stub_size(), kStubAlign);
  injection->traps = address == 0;
  if (injection->traps) {
    // Over live code: the start of the entry page (mapped and executable
    // as a whole), put back at the trap.
    static_assert(kPage >= 1024);
    address = regs.rip & ~(kPage - 1);
    injection->original_bytes.resize(stub_size());
    const Result<void> read =
        read_from_process(pid, address, injection->original_bytes.data(), stub_size());
    if (!read)
      return Error::from_errno("cannot read the entry page", read.error().errno_value);
  }
  injection->stub_address = address;
  if (ptrace(PTRACE_GETSIGMASK, pid, sizeof(uint64_t), &injection->saved_sigmask) != 0)
    return Error::from_errno("PTRACE_GETSIGMASK");

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

  if (const Result<void> written = text_.write(pid, address, stub.data(), stub.size()); !written) {
    if (injection->traps)
      (void)text_.write(pid, address, injection->original_bytes.data(), stub_size());
    return Error::from_errno("cannot write the stub", written.error().errno_value);
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
  if (const Result<void> set = set_regs(pid, stub_regs); !set) {
    if (injection->traps)
      (void)text_.write(pid, address, injection->original_bytes.data(), stub_size());
    ptrace(PTRACE_SETSIGMASK, pid, sizeof(uint64_t), &injection->saved_sigmask);
    return set.error();
  }
  injection->armed = true;
  return {};
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
  const Result<Registers> registers = get_regs(pid);
  if (!registers)
    return false;
  // int3 reports the next instruction; a fault, its own.
  const uint64_t rip = registers->regs.rip;
  const uint64_t at = signal == SIGTRAP ? rip - 1 : rip;
  return at >= injection.stub_address && at < injection.stub_address + stub_size();
}

Result<uint64_t> Injector::finish(pid_t pid, Injection* injection) {
  // What the stub reports in rax (stub_abi.h): the image's address, or
  // -errno and in r15 the step that failed.
  const Result<uint64_t> result = [&]() -> Result<uint64_t> {
    const Result<Registers> registers = get_regs(pid);
    if (!registers)
      return registers.error();
    const user_regs_struct& regs = registers->regs;
    const auto value = static_cast<int64_t>(regs.rax);
    if (value > 0 && injection->traps)
      return regs.rax;
    if (value < 0 && value > -4096)
      return Error::from_errno(step_name(regs.r15), static_cast<int>(-value));
    return Error{EFAULT, "the stub faulted"};
  }();
  if (injection->traps) {
    (void)text_.write(pid, injection->stub_address, injection->original_bytes.data(),
                      injection->original_bytes.size());
  }
  user_regs_struct program = injection->saved_regs;
  program.rax = 0;                               // what execve returned
  program.orig_rax = static_cast<uint64_t>(-1);  // not in a system call: nothing to restart
  (void)set_regs(pid, program);                  // fails only for a process gone meanwhile
  uint64_t mask = injection->saved_sigmask;
  ptrace(PTRACE_SETSIGMASK, pid, sizeof(mask), &mask);
  injection->armed = false;
  return result;
}

}  // namespace vdso::run
