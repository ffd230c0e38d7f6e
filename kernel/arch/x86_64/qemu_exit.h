// QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=4):
// writing v makes QEMU exit with status (v << 1) | 1. The test runner maps
// those statuses back to these codes. Without the device the write is
// ignored and the caller halts.
#pragma once

#include <stdint.h>

namespace kernel {

enum class ExitCode : uint32_t {
  kPass = 0x10,   // QEMU status 33
  kFail = 0x11,   // QEMU status 35
  kPanic = 0x12,  // QEMU status 37
};

[[noreturn]] void qemu_exit(ExitCode code);

}  // namespace kernel
