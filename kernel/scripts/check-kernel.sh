#!/usr/bin/env bash
# The build's gate on the linked kernel (invariants checked by the build,
# not by a reviewer's eye):
#   1. no SSE/AVX/x87 instruction anywhere in kernel code: interrupts save
#      only the general registers, so such code would corrupt user state
#      (except fxsave64/fxrstor64, which move a process's state at a
#      context switch: arch/x86_64/fpu.cpp);
#   2. no program segment both writable and executable (W^X from the start:
#      paging::init only refines what the linker laid out);
#   3. the bootable ELF32 carries a valid multiboot header, 4-byte aligned,
#      in its first 8 KiB, and its entry point is the 32-bit trampoline.
# usage: check-kernel.sh KERNEL.elf64 KERNEL(elf32) STAMP
set -euo pipefail
elf64=$1 elf32=$2 stamp=$3
fail() { echo "check-kernel: $*" >&2; exit 1; }

# .text is all the compiled code (.boot is the hand-written trampoline).
fpu=$(objdump -d -j .text --no-show-raw-insn "$elf64" | awk -F'\t' 'NF >= 2 { print $2 }' |
      grep -Ev '^(fxsave64|fxrstor64) ' |
      grep -E '%([xyz]?mm[0-9]|st\b)|^(f(ld|st|i?add|i?sub|i?mul|i?div|xch|u?comi?|n?init|nst|ldcw|xsave|xrstor|save|rstor|wait)|ldmxcsr|stmxcsr|emms)' || true)
[ -z "$fpu" ] || fail "floating-point/SIMD instructions in kernel code:"$'\n'"$(echo "$fpu" | head -5)"

wx=$(readelf -lW "$elf64" | awk '$1 == "LOAD" && /RWE/' || true)
[ -z "$wx" ] || fail "a LOAD segment is writable and executable:"$'\n'"$wx"

# Multiboot header: magic, flags, checksum summing to 0 (mod 2^32).
header=$(set +o pipefail; od -A d -t x4 -v -N 8192 -w4 "$elf32" |
         awk '$2 == "1badb002" { at = $1; getline; flags = $2; getline; sum = $2;
                                 print at, flags, sum; exit }' || true)  # od may get SIGPIPE
[ -n "$header" ] || fail "no multiboot header in the first 8 KiB of $elf32"
read -r offset flags checksum <<<"$header"
(( 10#$offset % 4 == 0 )) || fail "multiboot header at unaligned offset $offset"
(( (0x1badb002 + 0x$flags + 0x$checksum) % 0x100000000 == 0 )) || fail "bad multiboot checksum"

entry=$(readelf -hW "$elf32" | awk '/Entry point/ { print $4 }')
symbol=$(nm "$elf64" | awk '$3 == "boot_entry32" { print $1 }')
(( entry == 0x$symbol )) || fail "entry $entry is not boot_entry32 (0x$symbol)"

touch "$stamp"
