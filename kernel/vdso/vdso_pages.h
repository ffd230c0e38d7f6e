// The VDSO's pages at kernel init (seed steps 1 and 2):
//   - the data page: one dedicated physical frame, written only by the
//     tick's timekeeper through the kernel's direct map;
//   - the code: vdso.so embedded in the kernel's rodata (mapped read-only),
//     validated at boot against the identity vdso-check recorded at build
//     time and against the full ELF contract.
// map_into() is the part a process gets (part 2 calls it at exec): one set
// of physical pages shared by every process, data user read-only + NX,
// code user read + execute, never writable through any user mapping.
#pragma once

#include <stdint.h>

#include "mm/paging.h"
#include "vdso/abi/data_page.h"

namespace kernel::vdso_pages {

enum class ImageStatus {
  kValid,
  kWrongSize,         // not the size recorded at build time
  kWrongFingerprint,  // bytes differ from the ones vdso-check accepted
  kBrokenContract,    // vdso::elf::check_vdso_image found a defect
};
const char* describe(ImageStatus status);

// Checks `size` bytes at `image` against the build-time identity and the
// ELF contract. Used at boot on the embedded copy, and by the tests on
// corrupted copies.
ImageStatus validate_image(const uint8_t* image, uint64_t size);

// The boot check: returns if `image` is valid, otherwise prints each ELF
// defect found and panics (the kernel must not hand a broken VDSO to any
// process).
void require_valid_image(const uint8_t* image, uint64_t size);

// Checks the embedded image (require_valid_image) and allocates the data
// page.
void init();

vdso::abi::DataPage& data_page();  // the kernel's (only writable) view
uint64_t data_page_phys();
uint64_t image_phys();
uint64_t image_size();

// Where the pages landed in an address space.
struct Mapping {
  uint64_t chain_page;  // per process, zero entries: "make the system call"
  uint64_t data_page;   // shared
  uint64_t image;       // shared; AT_SYSINFO_EHDR
};
// Maps [ChainPage][DataPage][image] at `user_base` (page aligned, user
// half) with a fresh chain page.
Mapping map_into(paging::AddressSpace space, uint64_t user_base);

}  // namespace kernel::vdso_pages
