// The program an exec has just started, as vdso-run needs to know it: its
// file (set-id bits and whether exec honoured them, ELF class, entry point)
// and, through its program headers, the free tail of its entry segment's
// last page, where the stub can go.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "auxv.h"

namespace vdso::run {

// The exec'd file: set-id bits, ELF class and entry point (from the file,
// since the program's own headers are found through it).
struct Executable {
  bool readable = false;
  bool setuid = false;
  bool setgid = false;
  uid_t owner = 0;
  gid_t group = 0;
  bool x32 = false;
  uint64_t entry = 0;  // e_entry, before relocation
};

// What /proc/PID/exe is (readable false when it cannot be read as ELF).
// `cookie`: passed in fstat's unused third argument, so that the filter
// lets the supervisor's own fstat through under --file-times (file_times.h).
Executable read_executable(pid_t pid, uint64_t cookie);

// Whether exec gave a set-id program its privilege. The kernel withholds
// it from a traced program unless the tracer was privileged over it (a
// root vdso-run is; an unprivileged one is not), so this looks at the
// result: the effective ids in /proc/PID/status.
bool setid_privilege_withheld(pid_t pid, const Executable& exe);

// The unused tail of the last page of the executable segment that holds
// `rip`: bytes of the file past the segment (or zero fill), mapped with it
// but never executed, in a page no other segment maps. Its address, aligned
// to `alignment`, if `size` bytes fit there; else 0.
uint64_t find_free_tail(pid_t pid, const Auxv& auxv, const Executable& exe, uint64_t rip,
                        uint64_t size, uint64_t alignment);

}  // namespace vdso::run
