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
