#!/usr/bin/env bash
# vdso-run's part of make demo: one program, on the host and under vdso-run
# --hz 10, then every libc and runtime we serve, then a process tree, then
# the side-by-side benchmark (quick).
#
# Usage: scripts/run-demo.sh [BUILD_DIR]   (after cmake --build BUILD_DIR)
set -euo pipefail
build=$(realpath "${1:-build}")
vdso_run=$build/bin/vdso-run
programs=$build/run/tests/programs

value() { printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.1f ms", ns / 1e6}'; }

echo "== One program (clockprobe, glibc, dynamic), its CLOCK_MONOTONIC_COARSE"
printf '%-22s %-30s %-12s %s\n' "run" "AT_SYSINFO_EHDR is in" "steps of" "clock_getres"
host=$("$programs/clockprobe-glibc-dynamic" --steps 5)
printf '%-22s %-30s %-12s %s\n' "on the host" "$(value vdso_mapping "$host")" \
  "$(ms "$(value step_ns "$host")")" "$(ms "$(value res_ns "$host")")"
ours=$("$vdso_run" --hz 10 "$programs/clockprobe-glibc-dynamic" --steps 5)
printf '%-22s %-30s %-12s %s\n' "vdso-run --hz 10" "$(value vdso_mapping "$ours")" \
  "$(ms "$(value step_ns "$ours")")" "$(ms "$(value res_ns "$ours")")"

echo
echo "== Who binds our VDSO (vdso-run --hz 10): each program's own, unmodified libc or runtime"
printf '%-16s %-10s %s\n' "build" "bound" "coarse steps"
for build_kind in glibc-dynamic glibc-static musl-dynamic musl-static; do
  out=$("$vdso_run" --hz 10 "$programs/clockprobe-$build_kind" --steps 3)
  printf '%-16s %-10s %s\n' "$build_kind" "$(value ours "$out")" "$(ms "$(value step_ns "$out")")"
done
if [ -x "$programs/goprobe" ]; then
  out=$("$vdso_run" --hz 10 "$programs/goprobe")
  printf '%-16s %-10s %s\n' "go (static)" "$(value ours "$out")" \
    "(the runtime bound __vdso_clock_gettime at $(value clock_gettime_sym "$out"))"
fi

echo
echo "== getcpu and the system's configuration from our VDSO (vdso-run --hz 100)"
out=$("$vdso_run" "$programs/getcpuprobe-musl-static")
echo "musl sched_getcpu on $(value cpus "$out") CPUs, pinned: $(value mismatches "$out") differences" \
  "from getcpu(2), $(value answered_without_syscall "$out") answers with getcpu(2) forbidden"
"$vdso_run" --hz 100 "$build/bin/vdso-sysinfo"

echo
echo "== Virtual time: the tree's own clock, on every path (libfaketime beside it)"
at=2038-01-19T03:14:07Z
libfaketime=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
# The year a timeprobe build sees through libc (the VDSO) and the raw system
# call, from its REALTIME in nanoseconds.
years() {
  local out
  out=$("$@" "$programs/$probe_build" now 2>/dev/null) || { echo "(does not start)"; return; }
  echo "libc $(date -u -d "@$(($(value libc_realtime "$out") / 1000000000))" +%Y)," \
    "system call $(date -u -d "@$(($(value sys_realtime "$out") / 1000000000))" +%Y)"
}
printf '%-16s %-40s %s\n' "program" "vdso-run --at $at" "libfaketime (FAKETIME=\"@2038-01-19 03:14:07\")"
for probe_build in timeprobe-glibc-dynamic timeprobe-glibc-static timeprobe-musl-static; do
  printf '%-16s %-40s %s\n' "${probe_build#timeprobe-}" "$(years "$vdso_run" --at $at)" \
    "$(years env LD_PRELOAD=$libfaketime FAKETIME="@2038-01-19 03:14:07" DONT_FAKE_MONOTONIC=1)"
done
echo "date -u under vdso-run --offset +3d: $("$vdso_run" --offset +3d date -u)  (host: $(date -u))"
start_ns=$(date +%s%N)
"$vdso_run" --rate 10 sleep 2
echo "vdso-run --rate 10 sleep 2: $(( ($(date +%s%N) - start_ns) / 1000000 )) ms of real time"

echo
echo "== A process tree: vdso-run --verbose sh -c 'probe | probe; probe &' (one line per program)"
probe="$programs/clockprobe-glibc-dynamic --quiet"
"$vdso_run" --verbose --stats sh -c "$probe | $programs/clockprobe-musl-static --quiet; $probe & wait" 2>&1 |
  sed "s|$programs/||g"

echo
echo "== Side by side (quick: scripts/run-bench.sh for the full table)"
"$(dirname "$0")/run-bench.sh" --quick "$build" 2>/dev/null
