// x86_64's system calls: the numbers of the calls the image falls back to
// and of those vdso-run translates, and the `syscall` instruction with the
// registers it clobbers (rcx and r11: the return address and flags).
#pragma once

#include <stdint.h>

namespace vdso::abi {

// The image's fallback paths.
inline constexpr long kSysGettimeofday = 96;
inline constexpr long kSysClockGettime = 228;
inline constexpr long kSysClockGetres = 229;
inline constexpr long kSysGetcpu = 309;
// ... and those whose deadlines vdso-run translates under virtual time.
inline constexpr long kSysNanosleep = 35;
inline constexpr long kSysTimerSettime = 223;
inline constexpr long kSysClockNanosleep = 230;
inline constexpr long kSysTimerfdSettime = 286;

}  // namespace vdso::abi

namespace vdso::arch {

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
