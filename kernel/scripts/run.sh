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
# The accelerator and QEMU's command line are the build's one decision
# (vdso-kernel-qemu, kernel/tools/qemu_machine.h): KVM only where it can
# run the kernel, TCG otherwise; VDSO_KERNEL_ACCEL=kvm|tcg forces one.
# VDSO_KERNEL_CPUS=N boots N CPUs (vdso-kernel-qemu args --cpus N).
set -euo pipefail

build_dir=${1:-build}
[ $# -gt 0 ] && shift
kernel="$build_dir/kernel/vdso-kernel"
tool="$build_dir/bin/vdso-kernel-qemu"
if [ ! -f "$kernel" ] || [ ! -x "$tool" ]; then
  echo "run.sh: $kernel or $tool not found; build first (make build)" >&2
  exit 1
fi

# With init=..., the initramfs the build made (every test program).
initrd=()
for option in "$@"; do
  case $option in init=*) initrd=(--initrd "$build_dir/kernel/initramfs.cpio") ;; esac
done

reason=$("$tool" accel --kernel "$kernel")
cpus=(--cpus "${VDSO_KERNEL_CPUS:-1}")
qemu_args=$("$tool" args --kernel "$kernel" "${initrd[@]}" "${cpus[@]}" --append "$*" \
  -- -serial mon:stdio)
mapfile -t qemu <<<"$qemu_args"
echo "run.sh: booting $kernel with '${*}' ($reason); Ctrl-A x to leave" >&2
exec "${qemu[@]}"
