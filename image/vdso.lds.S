/*
 * Linker script of vdso.so, run through the C preprocessor by the build
 * (image/CMakeLists.txt) so that its version script comes from the one list
 * of exports, vdso/abi/exports.h. Produces what the image's ELF contract
 * (README, "The image's ELF contract") requires and vdso-check verifies:
 *   - one PT_LOAD, R+X, at offset 0 and vaddr 0, covering the ELF header,
 *     with filesz == memsz (no .bss: it is placed in the file);
 *   - a read-only PT_DYNAMIC;
 *   - the data page and the per-process chain page one and two pages
 *     before the image, as symbols the code references PC-relative.
 */

SECTIONS
{
  vdso_chain_page = . - 2 * 4096;
  vdso_data_page = . - 4096;

  . = SIZEOF_HEADERS;

  .hash           : { *(.hash) }                  :text
  .gnu.hash       : { *(.gnu.hash) }
  .dynsym         : { *(.dynsym) }
  .dynstr         : { *(.dynstr) }
  .gnu.version    : { *(.gnu.version) }
  .gnu.version_d  : { *(.gnu.version_d) }
  .gnu.version_r  : { *(.gnu.version_r) }

  .dynamic        : { *(.dynamic) }               :text :dynamic

  .rodata         : { *(.rodata*) }               :text
  .note           : { *(.note.*) }                :text :note

  .eh_frame_hdr   : { *(.eh_frame_hdr) }          :text :eh_frame_hdr
  .eh_frame       : { KEEP (*(.eh_frame)) }       :text

  .text           : { *(.text*) }                 :text =0xcccccccc

  /*
   * Anything writable lands in the read-only segment, where vdso-check
   * finds it (a writable section, or bytes missing from the file) and fails
   * the build.
   */
  .data           : { *(.data*) *(.got*) *(.bss*) *(COMMON) }     :text

  /DISCARD/       : { *(.comment) *(.note.GNU-stack) }
}

PHDRS
{
  text            PT_LOAD FLAGS(5) FILEHDR PHDRS; /* PF_R | PF_X */
  dynamic         PT_DYNAMIC FLAGS(4);            /* PF_R */
  note            PT_NOTE FLAGS(4);
  eh_frame_hdr    PT_GNU_EH_FRAME;
}

#include "vdso/abi/exports.h"
#define VDSO_GLOBAL(name) name;

/* The node names are the strings VDSO_VERSION_LINUX and VDSO_VERSION_SYSINFO
 * of exports.h: vdso-check fails the build unless the image defines both. */
VERSION
{
  LINUX_2.6 {
  global:
    VDSO_EXPORTS_LINUX(VDSO_GLOBAL)
  local: *;
  };
  VDSO_SYSINFO_1 {
  global:
    VDSO_EXPORTS_SYSINFO(VDSO_GLOBAL)
  };
}
