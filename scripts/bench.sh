#!/usr/bin/env bash
# make bench: every benchmark, side by side with its baseline in one run.
set -euo pipefail
build=${1:-build}

echo "== VDSO image: coarse and fine clock_gettime, gettimeofday, getcpu, uname (ours vs host vDSO vs syscall), instruction counts"
"$build/bin/clock_bench" --benchmark_repetitions=15 --benchmark_min_time=0.1

echo
echo "== vdso-run: clocks via glibc (vdso-run vs host vDSO vs syscall), exec cost, CPU at 1000 Hz, worst lag"
"$(dirname "$0")/run-bench.sh" "$build"
