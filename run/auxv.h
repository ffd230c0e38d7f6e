// The auxiliary vector of a program at its exec stop: what the kernel told
// it (its headers, its entry, its interpreter, the host's vDSO), and where
// on its stack AT_SYSINFO_EHDR lives, for the stub to rewrite.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "result.h"

namespace vdso::run {

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

// Reads the vector of `pid`, stopped at its exec with `rsp` its stack
// pointer. An error if it cannot be read or has no AT_NULL.
Result<Auxv> read_auxv(pid_t pid, uint64_t rsp);

}  // namespace vdso::run
