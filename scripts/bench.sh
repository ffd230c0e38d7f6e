#!/usr/bin/env bash
# make bench: every benchmark, side by side with its baseline in one run.
set -euo pipefail
build=${1:-build}

echo "== VDSO image: coarse clock_gettime (ours vs host vDSO vs syscall), instruction counts"
"$build/bin/clock_bench" --benchmark_repetitions=15 --benchmark_min_time=0.1
