// Exceptions in user mode: the process pays, never the kernel. A page
// fault inside the stack's on-demand range maps the page; anything else
// raises the signal Linux would send (SIGSEGV for bad accesses, including
// a write to the VDSO data page; SIGILL, SIGFPE, SIGTRAP, SIGBUS): its
// handler runs if one is installed and the signal is not blocked,
// otherwise the process ends with that signal in its wait status.
#pragma once

namespace kernel::proc {

void install_user_fault_handler();

}  // namespace kernel::proc
