// The kernel lock (kernel_lock.h): a spinlock with the holding CPU beside
// it, so that an interrupt can tell whether its own CPU holds it.
#include "proc/kernel_lock.h"

#include "arch/x86_64/cpu.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "proc/cpus.h"

namespace kernel::kernel_lock {
namespace {

Spinlock lock;
int holder = -1;  // the CPU's index; written only by the holder

}  // namespace

void acquire() {
  const int self = proc::this_cpu().index;
  KASSERT(__atomic_load_n(&holder, __ATOMIC_RELAXED) != self);
  const bool interrupts_were_on = cpu::interrupts_enabled();
  while (!lock.try_lock()) {
    // Interrupts open while it waits (a whole loop, not one instruction:
    // QEMU's TCG takes interrupts only between translated blocks): the
    // tick and the TLB-shootdown IPI come in meanwhile.
    cpu::enable_interrupts();
    lock.wait_until_free();
    if (!interrupts_were_on)
      cpu::disable_interrupts();
  }
  __atomic_store_n(&holder, self, __ATOMIC_RELAXED);
}

bool try_acquire() {
  if (!lock.try_lock())
    return false;
  __atomic_store_n(&holder, proc::this_cpu().index, __ATOMIC_RELAXED);
  return true;
}

void release() {
  KASSERT(held_here());
  __atomic_store_n(&holder, -1, __ATOMIC_RELAXED);
  lock.unlock();
}

bool held_here() {
  return __atomic_load_n(&holder, __ATOMIC_RELAXED) == proc::this_cpu().index;
}

}  // namespace kernel::kernel_lock
