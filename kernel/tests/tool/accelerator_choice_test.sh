#!/usr/bin/env bash
# The accelerator choice (kernel/tools/qemu_machine.h) from the outside, on
# any machine: a stand-in /proc/cpuinfo (VDSO_KERNEL_CPUINFO) without vmx
# or svm is what a software-hypervisor /dev/kvm (kvm_pvm) looks like, so
# the choice must be TCG with the reason, and a forced KVM a clear error.
# Decisions about a stand-in cpuinfo never replace the build's cached one;
# a stand-in qemu-system-x86_64 (PATH) plays a QEMU that aborts or hangs.
# usage: accelerator_choice_test.sh BUILD/bin/vdso-kernel-qemu BUILD/bin/vdso-kernel-run
#                                   BUILD/kernel/vdso-kernel BUILD/kernel/user
set -uo pipefail
qemu_tool=$1 run_tool=$2 kernel=$3 user=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache="$(dirname "$kernel")/qemu-accel.cache"

source "$(dirname "$0")/../../../testing/check.sh"
has() { grep -qF -- "$2" "$work/$1"; }
status_is() { [ "$(cat "$work/status")" -eq "$1" ]; }
# run NAME ENV... -- COMMAND...: runs it with stdout, stderr and status in files
run() {
  local name=$1
  shift
  local env=()
  while [ "$1" != -- ]; do
    env+=("$1")
    shift
  done
  shift
  env "${env[@]}" timeout 60 "$@" >"$work/out" 2>"$work/err"
  echo $? >"$work/status"
  echo "--   $name: status $(cat "$work/status"); $(head -c 300 "$work/out" "$work/err" | tr '\n' ' ')"
}

printf 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae sse sse2 hypervisor\n' >"$work/cpuinfo-none"
printf 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae sse sse2 vmx\n' >"$work/cpuinfo-vmx"
# The decision without its reason (which names a probe boot's duration).
decision() { grep -v '^reason=' "$cache" 2>/dev/null; }
cache_before=$(decision)

run "no vmx/svm, automatic" VDSO_KERNEL_CPUINFO="$work/cpuinfo-none" -- "$qemu_tool" decide --kernel "$kernel"
check "exit 0" status_is 0
check "TCG, and the one line says why" has out \
  "KVM not used: no hardware virtualization (no vmx/svm in $work/cpuinfo-none); using TCG"
check "not cached (the build's decision is this machine's)" bash -c "! grep -qF cpuinfo-none '$cache'"

run "no vmx/svm, KVM forced" VDSO_KERNEL_CPUINFO="$work/cpuinfo-none" VDSO_KERNEL_ACCEL=kvm -- \
  "$qemu_tool" decide --kernel "$kernel"
check "exit 125" status_is 125
check "a clear error" has err \
  "VDSO_KERNEL_ACCEL=kvm, but KVM cannot run vdso-kernel here: no hardware virtualization"

run "vdso-kernel-run, no vmx/svm" VDSO_KERNEL_CPUINFO="$work/cpuinfo-none" -- \
  "$run_tool" "$user/hello-musl"
check "the program ran (exit 0)" status_is 0
check "its output" has out "hello from static musl"
check "the reason, once, on stderr" has err "vdso-kernel-run: KVM not used: no hardware virtualization"

run "vdso-kernel-run, no vmx/svm, KVM forced" VDSO_KERNEL_CPUINFO="$work/cpuinfo-none" \
  VDSO_KERNEL_ACCEL=kvm -- "$run_tool" "$user/hello-musl"
check "exit 125 (cannot run), no hang" status_is 125
check "the error names the check" has err "KVM cannot run vdso-kernel here: no hardware virtualization"
check "no program output" test ! -s "$work/out"

run "TCG forced" VDSO_KERNEL_ACCEL=tcg -- "$qemu_tool" decide --kernel "$kernel"
check "exit 0" status_is 0
check "says so" has out "TCG: forced by VDSO_KERNEL_ACCEL=tcg"

run "invalid VDSO_KERNEL_ACCEL" VDSO_KERNEL_ACCEL=hvf -- "$qemu_tool" accel --kernel "$kernel"
check "exit 125" status_is 125
check "names the valid values" has err "VDSO_KERNEL_ACCEL must be kvm, tcg or empty"

run "unreadable cpuinfo" VDSO_KERNEL_CPUINFO="$work/missing" -- "$qemu_tool" decide --kernel "$kernel"
check "TCG, naming the file" has out "KVM not used: cannot read $work/missing"

# With vmx claimed the later checks decide: /dev/kvm, then the probe boot
# (which catches a software hypervisor's broken SYSCALL). Either KVM works
# here, or the reason is one of those, never the cpuinfo check.
run "vmx claimed" VDSO_KERNEL_CPUINFO="$work/cpuinfo-vmx" -- "$qemu_tool" decide --kernel "$kernel"
check "exit 0" status_is 0
check "past the cpuinfo check" bash -c "! grep -qF 'no hardware virtualization' '$work/out'"
check "KVM, or a later check's reason" grep -qE \
  '^(KVM used|KVM not used: (/dev/kvm|a probe boot|QEMU cannot start))' "$work/out"

# QEMU itself failing under KVM, with a stand-in qemu-system-x86_64 first
# in PATH: an abort as QEMU's on a hypervisor that refuses an MSR, and a
# boot that never ends. Only where /dev/kvm answers does the choice get
# that far; elsewhere the reason is /dev/kvm's.
mkdir "$work/bin"
cat >"$work/bin/qemu-system-x86_64" <<'FAKE'
#!/bin/sh
echo "qemu-system-x86_64: ../target/i386/kvm/kvm.c:2950: kvm_buf_set_msrs: Assertion \`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
kill -ABRT $$
FAKE
chmod +x "$work/bin/qemu-system-x86_64"
run "QEMU aborts creating the vCPU" VDSO_KERNEL_CPUINFO="$work/cpuinfo-vmx" PATH="$work/bin:$PATH" -- \
  "$qemu_tool" decide --kernel "$kernel"
check "exit 0, TCG" grep -qE '^KVM not used: (/dev/kvm|QEMU cannot start a KVM vCPU with -cpu host,-arch-capabilities,\+invtsc \(qemu-system-x86_64: .*kvm_buf_set_msrs)' "$work/out"
run "... with KVM forced" VDSO_KERNEL_CPUINFO="$work/cpuinfo-vmx" PATH="$work/bin:$PATH" \
  VDSO_KERNEL_ACCEL=kvm -- "$run_tool" "$user/hello-musl"
check "exit 125" status_is 125
check "one line, no abort trace" test "$(wc -l <"$work/err")" -eq 1
printf '#!/bin/sh\necho "vdso-kernel: booting"\nexec sleep 60\n' >"$work/bin/qemu-system-x86_64"
run "a probe boot that never ends" VDSO_KERNEL_CPUINFO="$work/cpuinfo-vmx" PATH="$work/bin:$PATH" -- \
  "$qemu_tool" decide --kernel "$kernel"
check "stopped after the probe's 5 s, TCG" grep -qE '^KVM not used: (/dev/kvm|a probe boot of /hello-musl under KVM did not finish in 5 s \(the kernel booted, far too slowly\))' "$work/out"

# The forced-TCG decision above is the build's (no stand-in cpuinfo): put
# back the automatic one the kernel tests read.
"$qemu_tool" decide --kernel "$kernel" >/dev/null
run "the command line" -- "$qemu_tool" args --kernel "$kernel" --append "hz=100" -- -serial stdio
check "-nodefaults" has out "-nodefaults"
if [ -r /usr/share/qemu/qboot.rom ]; then
  check "qboot firmware" has out "/usr/share/qemu/qboot.rom"
fi
check "the serial port appended" bash -c "tail -2 '$work/out' | tr '\n' ' ' | grep -qF -- '-serial stdio'"
run "--cpu max is TCG" -- "$qemu_tool" args --kernel "$kernel" --cpu max
check "tcg" bash -c "grep -A1 -x -- -accel '$work/out' | grep -qx tcg"
check "max" bash -c "grep -A1 -x -- -cpu '$work/out' | grep -qx max"

# The cache: a kernel of its own (VDSO_KERNEL) gets its own cache beside
# it. The first run decides and says why; the next reads the decision
# silently; a rebuilt (newer) kernel is decided for again.
mkdir "$work/own"
cp "$kernel" "$work/own/vdso-kernel"
ln -s "$(dirname "$kernel")/initramfs.cpio" "$work/own/initramfs.cpio"
run "first run of a new kernel" VDSO_KERNEL="$work/own/vdso-kernel" -- "$run_tool" "$user/hello-musl"
check "exit 0" status_is 0
check "decided: the reason is shown" grep -qE '^vdso-kernel-run: (KVM|TCG)' "$work/err"
check "and cached beside that kernel" test -s "$work/own/qemu-accel.cache"
run "second run" VDSO_KERNEL="$work/own/vdso-kernel" -- "$run_tool" "$user/hello-musl"
check "cached: no reason shown" bash -c "! grep -qE '^vdso-kernel-run: (KVM|TCG)' '$work/err'"
touch -d '+2 seconds' "$work/own/vdso-kernel"
run "after a rebuild" VDSO_KERNEL="$work/own/vdso-kernel" -- "$run_tool" "$user/hello-musl"
check "decided again" grep -qE '^vdso-kernel-run: (KVM|TCG)' "$work/err"

cache_after=$(decision)
check "stand-in cpuinfo decisions left the build's cache alone" test "$cache_before" = "$cache_after"

echo "accelerator_choice_test: $([ $failures -eq 0 ] && echo PASS || echo "FAILED ($failures)")"
[ $failures -eq 0 ]
