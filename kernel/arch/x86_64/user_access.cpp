#include "arch/x86_64/user_access.h"

#include "arch/x86_64/interrupts.h"
#include "lib/panic.h"

namespace {

// One entry of .ex_table (user_access.S): a listed instruction and where
// to resume when it faults.
struct ExceptionEntry {
  uint64_t instruction;
  uint64_t fixup;
};

}  // namespace

extern "C" {
extern const ExceptionEntry kernel_ex_table_start[], kernel_ex_table_end[];
extern uint8_t user_access_smap;
}

namespace kernel::user_access {
namespace {

// A handful of entries: a linear search costs nothing beside the fault.
const ExceptionEntry* entry_for(uint64_t rip) {
  for (const ExceptionEntry* e = kernel_ex_table_start; e < kernel_ex_table_end; ++e) {
    if (e->instruction == rip)
      return e;
  }
  return nullptr;
}

}  // namespace

bool is_listed(uint64_t rip) {
  return entry_for(rip) != nullptr;
}

void resume_at_fixup(interrupts::InterruptFrame& frame) {
  const ExceptionEntry* e = entry_for(frame.rip);
  KASSERT(e != nullptr);
  frame.rip = e->fixup;
}

void set_smap_available(bool available) {
  user_access_smap = available ? 1 : 0;
}

void close_window() {
  if (user_access_smap != 0)
    asm volatile("clac" ::: "memory");
}

}  // namespace kernel::user_access
