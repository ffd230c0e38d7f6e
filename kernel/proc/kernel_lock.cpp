// The kernel lock's wait (kernel_lock.h): the uncontended path is inline.
#include "proc/kernel_lock.h"

#include "arch/x86_64/cpu.h"

namespace kernel::kernel_lock::detail {

void acquire_contended() {
  KASSERT(!held_here());
  const bool interrupts_were_on = cpu::interrupts_enabled();
  while (!try_acquire()) {
    // Interrupts open while it waits (a whole loop, not one instruction:
    // QEMU's TCG takes interrupts only between translated blocks): the
    // tick and the TLB-shootdown IPI come in meanwhile.
    cpu::enable_interrupts();
    lock.wait_until_free();
    if (!interrupts_were_on)
      cpu::disable_interrupts();
  }
}

}  // namespace kernel::kernel_lock::detail
