// The exec path of vdso-run (seed step 4): maps our VDSO into a program that
// has just been exec'd, before any of its instructions runs, and points its
// AT_SYSINFO_EHDR at the image.
//
// At the PTRACE_EVENT_EXEC stop the registers already hold the new
// program's entry state (rip at its entry point, rsp at argc). The stub is
// started from there with PTRACE_CONT, not single-stepped, so the stop
// needs no second, syscall-exit stop to be usable (a single-step from the
// exec event executes nothing, which is what sent the feasibility
// experiment to the syscall-exit stop); execve has returned 0 by the time
// the stub's first instruction runs, so nothing is restarted. begin()
// copies a small stub (inject_stub.S) into the program, blocks every
// signal, and points rip at the stub; the tracer resumes the process, which
// maps the three regions and rewrites its auxv.
//
// Where the stub goes decides how it ends. Usually the last page of the
// entry segment has an unused tail (file bytes past the segment, mapped but
// never executed, in a page no other PT_LOAD maps): the stub goes there
// and, once done, restores the signal mask, clears the registers and jumps
// to the entry point itself. One ptrace stop per exec: the exec event.
// Otherwise (or with --verbose, to learn the address) the stub goes over
// the start of the entry page and traps; finish() puts back the page's
// bytes, the registers and the mask. Two stops. A stub that fails traps in
// either case, and finish() restores the program, which then runs with the
// host's vDSO.
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include <vector>

#include "host_vdso.h"
#include "remote_memory.h"
#include "result.h"
#include "vdso_memory.h"

namespace vdso::run {

// A process whose stub may still run: from begin() to finish() or, for a
// stub that jumps to the program, until the next exec.
struct Injection {
  bool armed = false;
  bool traps = false;  // VDSO_RUN_MODE_TRAP: a stop ends a successful run
  uint64_t stub_address = 0;
  std::vector<uint8_t> original_bytes;  // under a trapping stub
  user_regs_struct saved_regs{};
  uint64_t saved_sigmask = 0;
};

class Injector {
 public:
  Injector(const VdsoMemory& memory, const HostVdso& host, uint64_t cookie)
      : memory_(memory), host_(host), cookie_(cookie) {}

  // At the exec event stop of `pid`. On success the caller resumes the
  // process (PTRACE_CONT, no signal); on an error the process is untouched
  // and the error says why it is not served (a 32-bit program, no
  // AT_SYSINFO_EHDR to replace, a ptrace request that failed). `trap` asks
  // for a stub that traps even on success. `privilege_withheld`, set
  // either way: the file is set-user-ID or set-group-ID and exec did not
  // give it that privilege (withheld from a program traced without
  // privilege).
  Result<void> begin(pid_t pid, bool trap, Injection* injection, bool* privilege_withheld);

  // Under virtual time on a host whose vDSO makes the system call for the
  // fine clocks: the image must not chain them (the supervisor answers
  // that call in virtual time already, and the image would transform it
  // twice), so their chain slots stay 0 and the image makes the call.
  void drop_fine_clock_chain() { drop_fine_clock_chain_ = true; }

  // True if a signal stop of `pid` comes from the stub itself: its int3
  // or a fault, raised by the kernel at an address inside the stub.
  static bool is_stub_stop(pid_t pid, const Injection& injection, int signal);

  // At such a stop: restores the program (and the entry page's bytes). The
  // caller resumes it without a signal. The image's address (the program's
  // AT_SYSINFO_EHDR now) when a trapping stub served it; else why the
  // program runs without our VDSO.
  Result<uint64_t> finish(pid_t pid, Injection* injection);

 private:
  const VdsoMemory& memory_;
  const HostVdso& host_;
  const uint64_t cookie_;
  bool drop_fine_clock_chain_ = false;
  TextWriter text_;  // the stub goes into read-only text
};

}  // namespace vdso::run
