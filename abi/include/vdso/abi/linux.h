// The few numbers of the Linux user ABI that the VDSO, its hosts and their
// tests rely on. Freestanding: usable from the image and the kernel, which
// cannot include <time.h> or <errno.h>. The system-call numbers differ per
// architecture: they are the architecture's (vdso/arch/syscall.h).
#pragma once

#include <stdint.h>

#include "vdso/arch/syscall.h"

namespace vdso::abi {

// Clock ids, as in include/uapi/linux/time.h.
inline constexpr int kClockRealtime = 0;
inline constexpr int kClockMonotonic = 1;
inline constexpr int kClockProcessCputimeId = 2;
inline constexpr int kClockThreadCputimeId = 3;
inline constexpr int kClockMonotonicRaw = 4;
inline constexpr int kClockRealtimeCoarse = 5;
inline constexpr int kClockMonotonicCoarse = 6;
inline constexpr int kClockBoottime = 7;
inline constexpr int kClockRealtimeAlarm = 8;
inline constexpr int kClockBoottimeAlarm = 9;
inline constexpr int kClockTai = 11;
// Ids at or above this are invalid; negative ids encode CPU clocks of other
// processes and threads and are validated by the kernel.
inline constexpr int kMaxClocks = 16;

// errno values returned negated across the VDSO and system-call ABI (the
// one list: the image, both hosts and their tests use these), as in
// include/uapi/asm-generic/errno-base.h and errno.h.
inline constexpr int kEPERM = 1;
inline constexpr int kENOENT = 2;
inline constexpr int kESRCH = 3;
inline constexpr int kEINTR = 4;
inline constexpr int kEIO = 5;
inline constexpr int kE2BIG = 7;
inline constexpr int kENOEXEC = 8;
inline constexpr int kEBADF = 9;
inline constexpr int kECHILD = 10;
inline constexpr int kEAGAIN = 11;
inline constexpr int kENOMEM = 12;
inline constexpr int kEACCES = 13;
inline constexpr int kEFAULT = 14;
inline constexpr int kEBUSY = 16;
inline constexpr int kEEXIST = 17;
inline constexpr int kENODEV = 19;
inline constexpr int kENOTDIR = 20;
inline constexpr int kEISDIR = 21;
inline constexpr int kEINVAL = 22;
inline constexpr int kENFILE = 23;
inline constexpr int kEMFILE = 24;
inline constexpr int kENOTTY = 25;
inline constexpr int kEFBIG = 27;
inline constexpr int kENOSPC = 28;
inline constexpr int kESPIPE = 29;
inline constexpr int kEROFS = 30;
inline constexpr int kEPIPE = 32;
inline constexpr int kERANGE = 34;
inline constexpr int kENAMETOOLONG = 36;
inline constexpr int kENOSYS = 38;
inline constexpr int kENOTEMPTY = 39;
inline constexpr int kELOOP = 40;
inline constexpr int kENODATA = 61;
inline constexpr int kEOPNOTSUPP = 95;  // ENOTSUP in user space
inline constexpr int kETIMEDOUT = 110;
// The kernel's restart codes (include/linux/errno.h): never seen by a
// program, but by a tracer at a system call's exit.
inline constexpr int kERESTARTSYS = 512;
inline constexpr int kERESTARTNOINTR = 513;
inline constexpr int kERESTART_RESTARTBLOCK = 516;

inline constexpr int64_t kNanosecondsPerSecond = 1'000'000'000;

// struct timespec / struct timeval / struct timezone of a 64-bit Linux.
struct Timespec {
  int64_t sec;
  int64_t nsec;
};
struct Timeval {
  int64_t sec;
  int64_t usec;
};
struct Timezone {
  int32_t minuteswest;
  int32_t dsttime;
};

static_assert(sizeof(Timespec) == 16 && alignof(Timespec) == 8);
static_assert(sizeof(Timeval) == 16 && alignof(Timeval) == 8);
static_assert(sizeof(Timezone) == 8);

}  // namespace vdso::abi
