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
// ... and the interval timer ITIMER_REAL, whose durations it scales.
inline constexpr long kSysGetitimer = 36;
inline constexpr long kSysAlarm = 37;
inline constexpr long kSysSetitimer = 38;
// ... and the timed waits whose timeouts it translates.
inline constexpr long kSysPoll = 7;
inline constexpr long kSysSelect = 23;
inline constexpr long kSysRtSigtimedwait = 128;
inline constexpr long kSysFutex = 202;
inline constexpr long kSysSemtimedop = 220;
inline constexpr long kSysEpollWait = 232;
inline constexpr long kSysMqTimedsend = 242;
inline constexpr long kSysMqTimedreceive = 243;
inline constexpr long kSysPselect6 = 270;
inline constexpr long kSysPpoll = 271;
inline constexpr long kSysEpollPwait = 281;
inline constexpr long kSysRecvmmsg = 299;
inline constexpr long kSysEpollPwait2 = 441;
inline constexpr long kSysFutexWaitv = 449;
// ... and the calls that read or set file times (vdso-run --file-times).
inline constexpr long kSysStat = 4;
inline constexpr long kSysFstat = 5;
inline constexpr long kSysLstat = 6;
inline constexpr long kSysUtime = 132;
inline constexpr long kSysUtimes = 235;
inline constexpr long kSysFutimesat = 261;
inline constexpr long kSysNewfstatat = 262;
inline constexpr long kSysUtimensat = 280;
inline constexpr long kSysStatx = 332;

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
