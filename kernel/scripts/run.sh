#!/usr/bin/env bash
# Boots vdso-kernel under QEMU by hand, with the serial console on this
# terminal. Ctrl-A x leaves QEMU (Ctrl-A c: the QEMU monitor).
#
# usage: kernel/scripts/run.sh [BUILD_DIR] [KERNEL OPTIONS...]
#   e.g. kernel/scripts/run.sh build hz=250
#        kernel/scripts/run.sh build test        (the in-kernel test suite)
#        kernel/scripts/run.sh build init=/bench-glibc   (a program from the
#                                                 initramfs; the machine stops
#                                                 when it exits)
# KVM when /dev/kvm can be opened, TCG otherwise; VDSO_KERNEL_ACCEL=tcg forces TCG.
set -euo pipefail

build_dir=${1:-build}
[ $# -gt 0 ] && shift
kernel="$build_dir/kernel/vdso-kernel"
if [ ! -f "$kernel" ]; then
  echo "run.sh: $kernel not found; build first (make build)" >&2
  exit 1
fi

accel=(-accel tcg)
# A character device we may open read-write (never a plain file: a
# redirection would create one).
if [ "${VDSO_KERNEL_ACCEL:-}" != tcg ] && [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  accel=(-accel kvm -cpu host)
fi
echo "run.sh: booting $kernel with '${*}' (${accel[*]}); Ctrl-A x to leave" >&2

# With init=..., the initramfs the build made (every test program).
initrd=()
for option in "$@"; do
  case $option in init=*) initrd=(-initrd "$build_dir/kernel/initramfs.cpio") ;; esac
done

exec qemu-system-x86_64 "${accel[@]}" -m 128M -nographic -no-reboot "${initrd[@]}" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -kernel "$kernel" -append "$*"
