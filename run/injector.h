// The exec path of vdso-run (seed step 4): maps our VDSO into a program that
// has just been exec'd, before any of its instructions runs, and points its
// AT_SYSINFO_EHDR at the image.
//
// At the PTRACE_EVENT_EXEC stop the registers already hold the new
// program's entry state (rip at its entry point, rsp at argc). begin()
// copies a small stub (inject_stub.S) over the start of the entry page,
// blocks every signal, and points rip at the stub; the tracer resumes the
// process, which maps the three regions, rewrites its auxv and traps with
// int3. finish() puts the page's bytes, the registers and the signal mask
// back. Two ptrace stops per exec: the exec event and the stub's trap.
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include <string>
#include <vector>

#include "host_vdso.h"
#include "vdso_memory.h"

namespace vdso::run {

// A process between begin() and finish().
struct Injection {
  uint64_t stub_address = 0;
  std::vector<uint64_t> original_words;  // the entry page's bytes under the stub
  user_regs_struct saved_regs{};
  uint64_t saved_sigmask = 0;
};

struct InjectionResult {
  bool served = false;
  uint64_t image_address = 0;  // served: AT_SYSINFO_EHDR now
  std::string failure;         // not served: why
};

// What the exec'd program is, as far as serving it is concerned.
struct ProgramKind {
  bool served = true;   // 64-bit x86_64 with an AT_SYSINFO_EHDR to replace
  bool setuid = false;  // setuid or setgid file: runs without that privilege
  std::string why_not;  // !served: a short reason ("32-bit program")
};

class Injector {
 public:
  Injector(const VdsoMemory& memory, const HostVdso& host, uint64_t cookie)
      : memory_(memory), host_(host), cookie_(cookie) {}

  // At the exec event stop of `pid`. On true the caller resumes the process
  // (PTRACE_CONT, no signal) and waits for its SIGTRAP; on false the
  // process is untouched and `kind` says why it is not served.
  bool begin(pid_t pid, Injection* injection, ProgramKind* kind, std::string* error);

  // True if a SIGTRAP stop of `pid` is the stub's trap.
  static bool is_stub_trap(pid_t pid, const Injection& injection);

  // At the stub's trap, or at any other stop of a process mid-injection
  // that means the stub failed (`stub_trapped` false): restores the
  // program. The caller resumes it without a signal.
  InjectionResult finish(pid_t pid, const Injection& injection, bool stub_trapped);

 private:
  const VdsoMemory& memory_;
  const HostVdso& host_;
  const uint64_t cookie_;
};

}  // namespace vdso::run
