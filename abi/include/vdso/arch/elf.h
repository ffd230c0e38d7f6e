// The architecture's ELF identity: the e_machine every image and program
// loaded for it carries.
#pragma once

#if defined(__x86_64__)
#include "vdso/arch/x86_64/elf.h"
#else
#error "vdso: no ELF machine for this architecture (docs/architectures.md)"
#endif
