#!/usr/bin/env bash
# make demo: what the VDSO is and what it costs, on this machine.
set -euo pipefail
build=${1:-build}

echo "== The code page: vdso.so, checked by vdso-check at build time"
"$build/bin/vdso-check" "$build/image/vdso.so" --describe
echo
echo "== Clocks (coarse and fine), getcpu and uname: our image beside the host's vDSO and the system call"
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
echo "-- ns per call inside the guest (on the accelerator above), static glibc on 1 CPU, then musl on 2"
echo "   (the last rows: readers on 1 and 2 CPUs at once; the page is read-shared, never written by them)"
"$build/bin/vdso-kernel-run" "$build/kernel/user/bench-glibc"
"$build/bin/vdso-kernel-run" --cpus 2 "$build/kernel/user/bench-musl"
echo "-- a static Go program on 2 CPUs: goroutines on four OS threads, timers and sleeps; its clock reads make no system call"
if [ -x "$build/kernel/user/goroutines-go" ]; then
  "$build/bin/vdso-kernel-run" --cpus 2 --verbose "$build/kernel/user/goroutines-go" 2>&1 |
    grep -E '^(ok|goroutines)|smp: [0-9]+ CPUs running|proc: pid' | sed -E 's/system calls: .*(clock_gettime=[0-9]+).*(\([0-9]+ in all\))/system calls: ... \1 ... \2/'
else
  echo "(skipped: no Go toolchain)"
fi
echo "-- a busybox userland on the kernel: files, /proc, ps, id"
if command -v busybox >/dev/null && file -L "$(command -v busybox)" | grep -q 'statically linked'; then
  "$build/bin/vdso-kernel-run" --userland busybox sh -c \
    'ls / | wc -l; cat /proc/uptime; head -3 /proc/meminfo; id; ps' 2>&1
else
  echo "(skipped: no static busybox)"
fi
