// x86_64's ELF identity.
#pragma once

#include <stdint.h>

namespace vdso::arch {

inline constexpr uint16_t kElfMachine = 62;  // EM_X86_64
inline constexpr const char* kElfMachineName = "x86_64";

}  // namespace vdso::arch
