// Exceptions in user mode: the process pays, never the kernel. A page
// fault inside the stack's on-demand range maps the page; anything else
// ends the process with the signal Linux would send (SIGSEGV for bad
// accesses, including a write to the VDSO data page; SIGILL, SIGFPE,
// SIGTRAP, SIGBUS), reported in its wait status.
#pragma once

namespace kernel::proc {

void install_user_fault_handler();

}  // namespace kernel::proc
