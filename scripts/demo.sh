#!/usr/bin/env bash
# make demo: what the VDSO is and what it costs, on this machine.
set -euo pipefail
build=${1:-build}

echo "== The code page: vdso.so, checked by vdso-check at build time"
"$build/bin/vdso-check" "$build/image/vdso.so" --describe
echo
echo "== Coarse clock_gettime: our image beside the host's vDSO and the system call"
"$build/bin/clock_bench" --benchmark_repetitions=5 --benchmark_min_time=0.05 2>/dev/null |
  sed -n '/^Coarse clock_gettime/,$p'

echo
echo "== vdso-run: unmodified programs under our VDSO"
"$(dirname "$0")/run-demo.sh" "$build"

echo
echo "== vdso-kernel: unmodified static programs on our kernel under QEMU, the same comparison inside it"
echo "-- accelerator: $("$build/bin/vdso-kernel-qemu" accel)"
echo "-- 100000 coarse clock_gettime calls in a static musl program: the kernel counts one system call"
"$build/bin/vdso-kernel-run" --verbose "$build/kernel/user/coarse_only-musl" 2>&1 |
  grep -E '^(ok|coarse_only)|vdso: image|proc: pid'
echo "-- ns per call inside the guest (on the accelerator above), static glibc then musl"
"$build/bin/vdso-kernel-run" "$build/kernel/user/bench-glibc"
"$build/bin/vdso-kernel-run" "$build/kernel/user/bench-musl"
