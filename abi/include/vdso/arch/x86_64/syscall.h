// x86_64's system calls: their numbers (abi::kSys*) and names, from the one
// list in syscall_table.h, and the `syscall` instruction with the registers
// it clobbers (rcx and r11: the return address and flags).
#pragma once

#include <stdint.h>

#include "vdso/arch/x86_64/syscall_table.h"

namespace vdso::abi {

// kSysRead = 0, ..., kSysClockGettime = 228, ...: every call's number, from
// the one list.
#define VDSO_SYSCALL_NUMBER(number, name, Name) inline constexpr long kSys##Name = number;
VDSO_X86_64_SYSCALLS(VDSO_SYSCALL_NUMBER)
#undef VDSO_SYSCALL_NUMBER

}  // namespace vdso::abi

namespace vdso::arch {

// The name Linux gives call `number` ("clock_gettime"), for logs; nullptr
// for a number x86_64 does not use.
constexpr const char* syscall_name(uint64_t number) {
  switch (number) {
#define VDSO_SYSCALL_NAME(number, name, Name) \
  case number: return #name;
    VDSO_X86_64_SYSCALLS(VDSO_SYSCALL_NAME)
#undef VDSO_SYSCALL_NAME
  }
  return nullptr;
}

namespace detail {
constexpr bool same_name(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}
// Not constexpr: reaching it makes syscall_number's call ill-formed.
inline long no_such_system_call() {
  return -1;
}
}  // namespace detail

// The number of the call Linux names `name`, at compile time; a name x86_64
// does not have does not compile.
consteval long syscall_number(const char* name) {
#define VDSO_SYSCALL_MATCH(number, name_, Name) \
  if (detail::same_name(#name_, name))          \
    return number;
  VDSO_X86_64_SYSCALLS(VDSO_SYSCALL_MATCH)
#undef VDSO_SYSCALL_MATCH
  return detail::no_such_system_call();
}

inline long syscall2(long number, long arg0, long arg1) {
  long result;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(arg0), "S"(arg1)
               : "rcx", "r11", "memory");
  return result;
}

inline long syscall3(long number, long arg0, long arg1, long arg2) {
  long result;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(arg0), "S"(arg1), "d"(arg2)
               : "rcx", "r11", "memory");
  return result;
}

}  // namespace vdso::arch
