// Linux errno values the kernel returns (negated) at the system-call ABI.
// The VDSO's few (EFAULT, EINVAL, ENOSYS) come from the shared ABI header;
// these are the rest a Linux-compatible kernel needs.
#pragma once

#include "vdso/abi/linux.h"

namespace kernel {

inline constexpr int kEPERM = 1, kENOENT = 2, kESRCH = 3, kEINTR = 4, kEIO = 5, kE2BIG = 7,
                     kENOEXEC = 8, kEBADF = 9, kECHILD = 10, kEAGAIN = 11, kENOMEM = 12,
                     kEACCES = 13, kEFAULT = vdso::abi::kEfault, kEEXIST = 17, kENOTDIR = 20,
                     kEISDIR = 21, kENFILE = 23, kEINVAL = vdso::abi::kEinval, kEMFILE = 24, kENOTTY = 25,
                     kENODEV = 19, kESPIPE = 29, kEPIPE = 32, kERANGE = 34, kENAMETOOLONG = 36,
                     kENOSYS = vdso::abi::kEnosys;

}  // namespace kernel
