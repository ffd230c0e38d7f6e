// Loads a static x86_64 Linux executable (ET_EXEC, or static-pie ET_DYN)
// into an address space, after elf_check.h has accepted it: the file is
// untrusted, and anything the kernel cannot run is refused with ENOEXEC
// and a reason. The ELF structures are the shared ones
// (elf/include/vdso/elf/elf64.h).
#pragma once

#include <stdint.h>

#include "elf_loader/elf_check.h"
#include "mm/paging.h"

namespace kernel::elf_loader {

struct Loaded {
  uint64_t entry;      // with the load bias applied
  uint64_t load_bias;  // 0 for ET_EXEC
  uint64_t phdr;       // where the program headers are in memory (AT_PHDR)
  uint16_t phnum;
  uint64_t image_end;  // end of the highest segment: the break starts here
};

// Checks, then maps the PT_LOAD segments into `space` (a fresh user half):
// file bytes copied, the rest zeroed, permissions from p_flags (never
// writable unless PF_W, no-execute unless PF_X). `pie_base` is the load
// bias for ET_DYN (page aligned). On failure the caller destroys `space`.
Refusal load(paging::AddressSpace space, const uint8_t* file, uint64_t size, uint64_t pie_base,
             Loaded& out);

}  // namespace kernel::elf_loader
