#include "arch/x86_64/qemu_exit.h"

#include "arch/x86_64/cpu.h"

namespace kernel {

void qemu_exit(ExitCode code) {
  cpu::outl(0xf4, static_cast<uint32_t>(code));
  cpu::halt_forever();
}

}  // namespace kernel
