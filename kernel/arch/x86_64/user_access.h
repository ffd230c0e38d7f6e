// The kernel's only way to touch user memory: the CPU itself, through the
// current process's page tables, with the user address (as Linux's
// copy_from_user). Each instruction that touches a user address is listed
// in the exception table (`.ex_table`, linker.ld) with a fixup; SMAP's
// window (stac/clac) is open only around those instructions. A page fault
// at a listed instruction on a user address is first resolved as a user
// fault would be (proc::resolve_user_fault), otherwise the instruction is
// abandoned at its fixup and the call reports the fault. Callers check
// that the range lies in the user half first (proc/user_memory.h): the
// routines here trust their addresses.
#pragma once

#include <stdint.h>

namespace kernel::interrupts {
struct InterruptFrame;
}

extern "C" {
// Copies `bytes` from `from` to `to`; returns the bytes not copied (0 when
// all were). A fault stops the copy where it happened.
uint64_t user_access_copy(void* to, const void* from, uint64_t bytes);
// Copies bytes up to and including a NUL, at most `capacity`: the string's
// length, `capacity` when no NUL came, or -1 on a fault.
int64_t user_access_copy_string(char* to, const char* from, uint64_t capacity);
// Whether the byte at `address` may be written: an atomic `lock or $0`
// (it changes nothing, even with another thread writing beside it).
// 0 or -1.
int64_t user_access_probe_write(uint64_t address);
}

namespace kernel::user_access {

// Whether `rip` is one of the listed instructions.
bool is_listed(uint64_t rip);

// Moves `frame` to the fixup of its listed instruction (is_listed).
void resume_at_fixup(interrupts::InterruptFrame& frame);

// Makes stac/clac usable (the CPU has SMAP; without it they are #UD, and
// the window is not needed). Set once by user_protection::init.
void set_smap_available(bool available);

// Closes the window (clac) if the CPU has SMAP: every interrupt and
// exception starts here, so no handler runs with user pages open (the
// CPU does not clear EFLAGS.AC on entry; iretq restores it).
void close_window();

}  // namespace kernel::user_access
