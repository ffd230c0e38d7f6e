// Exceptions in user mode: the process pays, never the kernel. A page
// fault on a mapping's page not touched yet maps the page; one that finds
// no free frame is SIGBUS; anything else raises the signal Linux would
// send (SIGSEGV for bad accesses, including a write to the VDSO data page;
// SIGILL, SIGFPE, SIGTRAP, SIGBUS): its
// handler runs if one is installed and the signal is not blocked,
// otherwise the process ends with that signal in its wait status.
//
// A page fault the kernel takes at a user-access instruction
// (arch/x86_64/user_access.h) on a user address is the process's fault
// too: resolved the same way, otherwise that one system call gets -EFAULT.
#pragma once

#include <stdint.h>

namespace kernel::proc {

// Installs both handlers: user-mode exceptions, and kernel-mode faults at
// the user-access instructions.
void install_user_fault_handler();

enum class FaultResolution {
  kResolved,     // the page is present now: retry the access
  kNotMapped,    // no mapping there, or its protection refuses the access: SIGSEGV / EFAULT
  kOutOfMemory,  // a mapping's page, but no frame for it: SIGBUS / EFAULT
};

// Makes the current process's access at `address` (a user address) that
// faulted with the page-fault `error_code` possible, if a user-mode access
// would be made possible: a page of one of its mappings (the stack, the
// break, anonymous memory) touched for the first time gets a zeroed frame
// (proc/mappings.h). The one place a user fault is resolved, whether the
// process or the kernel on its behalf took it: demand paging serves both.
FaultResolution resolve_user_fault(uint64_t address, uint64_t error_code);

}  // namespace kernel::proc
