#!/usr/bin/env bash
# vdso-run's benchmarks, side by side in one run: the clocks through glibc
# under vdso-run against the host's vDSO, the raw system calls (the coarse
# one answered by vdso-run) against the host kernel's (rounds
# alternate between the two, medians reported), the extra cost of a
# fork+exec, the supervisor's CPU at --hz 1000 with an idle tree against a
# bare timer at the same rate, and the worst lag with every core busy.
# Virtual time: the same clocks under vdso-run --at against the host's vDSO
# and against libfaketime (Debian's faketime, LD_PRELOAD) at the same start,
# and the raw system call vdso-run answers under --at against the host's.
# Timed waits: a futex without a timeout and one with a REALTIME deadline
# (both returning at once) on the host, under vdso-run, and under
# vdso-run --at, where the filter looks at every futex and the tracer
# translates the timed one. File times: `git status` in a clone of this
# repository and a make with nothing to do (1000 targets) on the host,
# under vdso-run --offset -1d with and without --file-times, and under
# libfaketime at the same offset.
#
# Usage: scripts/run-bench.sh [--quick] [BUILD_DIR]   (after cmake --build)
# --quick: the clocks and the exec cost only, fewer rounds (for make demo).
# VDSO_RUN_BENCH_ROUNDS (default 5, --quick 2) sets the alternating rounds.
set -euo pipefail
quick=0
if [ "${1:-}" = --quick ]; then
  quick=1
  shift
fi
build=$(realpath "${1:-build}")
vdso_run=$build/bin/vdso-run
bench=$build/run/bench
programs=$build/run/tests/programs
rounds=${VDSO_RUN_BENCH_ROUNDS:-$([ $quick = 1 ] && echo 2 || echo 5)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in "$vdso_run" "$bench/libc_clock_bench" "$bench/exec_loop" "$bench/timer_baseline" \
  "$bench/wait_cost" "$programs/lagprobe"; do
  [ -x "$tool" ] || { echo "run-bench: $tool is missing: build first" >&2; exit 1; }
done

libfaketime=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -e "$libfaketime" ] || { echo "run-bench: $libfaketime is missing (Debian package faketime)" >&2; exit 1; }
start_time=2038-01-19T03:14:07Z

echo "vdso-run benchmarks: $rounds alternating rounds (host vDSO, vdso-run, vdso-run --at," \
  "libfaketime)" >&2
for round in $(seq "$rounds"); do
  echo "  clocks, round $round" >&2
  "$bench/libc_clock_bench" --benchmark_min_time=0.2 --benchmark_format=json >"$work/host.$round.json"
  "$vdso_run" "$bench/libc_clock_bench" --benchmark_min_time=0.2 --benchmark_format=json \
    >"$work/ours.$round.json"
  "$vdso_run" --at $start_time "$bench/libc_clock_bench" --benchmark_min_time=0.2 \
    --benchmark_format=json >"$work/at.$round.json"
  LD_PRELOAD=$libfaketime FAKETIME="@2038-01-19 03:14:07" TZ=UTC \
    "$bench/libc_clock_bench" --benchmark_min_time=0.2 --benchmark_format=json \
    >"$work/faketime.$round.json"
done

for round in $(seq "$rounds"); do
  echo "  fork+exec of /bin/true x500, round $round" >&2
  "$bench/exec_loop" 500 /bin/true | sed -n 's/ns_per_exec=//p' >>"$work/exec.host"
  "$vdso_run" "$bench/exec_loop" 500 /bin/true | sed -n 's/ns_per_exec=//p' >>"$work/exec.ours"
done

if [ $quick = 0 ]; then
for round in $(seq "$rounds"); do
  echo "  futexes, untimed and timed, x2000 x5, round $round" >&2
  "$bench/wait_cost" 2000 >>"$work/waits.host"
  "$vdso_run" "$bench/wait_cost" 2000 >>"$work/waits.ours"
  "$vdso_run" --at $start_time "$bench/wait_cost" 2000 >>"$work/waits.at"
done

echo "  file times: git status and a no-op make of 1000 targets, $rounds rounds" >&2
git clone -q "$(dirname "$0")/.." "$work/repo"
mkdir "$work/make"
python3 - "$work/make" <<'PY'
import pathlib, sys
directory, n = pathlib.Path(sys.argv[1]), 1000
rules = ["all: " + " ".join(f"o{i}.o" for i in range(n))]
rules += [f"o{i}.o: s{i}.c\n\tcp $< $@" for i in range(n)]
(directory / "Makefile").write_text("\n".join(rules) + "\n")
for i in range(n):
    (directory / f"s{i}.c").write_text("x")
PY
make -s -C "$work/make" >/dev/null
# elapsed_ms KIND COMMAND...: appends KIND=ms to $work/files.
elapsed_ms() {
  local kind=$1 start
  shift
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  echo "$kind=$((($(date +%s%N) - start) / 1000000))" >>"$work/files"
}
for round in $(seq "$rounds"); do
  for what in "git status:git -C $work/repo status" "make:make -C $work/make"; do
    name=${what%%:*}
    read -ra command <<<"${what#*:}"
    elapsed_ms "$name/host" "${command[@]}"
    elapsed_ms "$name/ours" "$vdso_run" --offset -1d "${command[@]}"
    elapsed_ms "$name/file-times" "$vdso_run" --offset -1d --file-times "${command[@]}"
    elapsed_ms "$name/faketime" env LD_PRELOAD=$libfaketime FAKETIME=-1d "${command[@]}"
  done
done

echo "  supervisor CPU at --hz 1000, idle tree, 10 s (and a bare 1000 Hz timer)" >&2
"$bench/timer_baseline" 1000 10 | sed -n 's/cpu_percent=//p' >"$work/cpu.baseline"
"$vdso_run" --hz 1000 --stats sleep 10 2>&1 |
  sed -n 's/.*(\([0-9.]*\)% of a core).*/\1/p' >"$work/cpu.ours"

echo "  worst lag at --hz 250 over 10 s, every core busy" >&2
spinners=()
for _ in $(seq "$(nproc)"); do
  (while :; do :; done) &
  spinners+=($!)
done
"$vdso_run" --hz 250 --stats "$programs/lagprobe" 10 >"$work/lag" 2>&1 || true
kill "${spinners[@]}"
wait 2>/dev/null || true
fi

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys, re, pathlib
work, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])

def medians(kind):
    runs = {}
    for r in range(1, rounds + 1):
        data = json.loads((work / f"{kind}.{r}.json").read_text())
        assert data["context"].get("vdso") == ("vdso-run" if kind in ("ours", "at") else "host"), data["context"]
        for b in data["benchmarks"]:
            runs.setdefault(b["name"], []).append(b["real_time"])
    return {name: statistics.median(v) for name, v in runs.items()}

host, ours = medians("host"), medians("ours")
rows = [
    ("clock_gettime(CLOCK_MONOTONIC_COARSE)", "clock_via_libc/CLOCK_MONOTONIC_COARSE", "<= 0.8x host"),
    ("clock_gettime(CLOCK_REALTIME_COARSE)", "clock_via_libc/CLOCK_REALTIME_COARSE", "<= 0.8x host"),
    ("clock_gettime(CLOCK_REALTIME)", "clock_via_libc/CLOCK_REALTIME", "<= 1.1x host"),
    ("clock_gettime(CLOCK_MONOTONIC)", "clock_via_libc/CLOCK_MONOTONIC", "<= 1.1x host"),
    ("gettimeofday", "gettimeofday_via_libc", "<= 1.1x host"),
]
# Not through glibc: the raw system calls. vdso-run answers the coarse one
# itself (both paths agree); the fine one never leaves the kernel.
syscall_rows = [
    ("syscall(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE): answered by vdso-run",
     "clock_via_syscall/CLOCK_MONOTONIC_COARSE", "(the price of agreement; libc calls never pay it)"),
    ("syscall(SYS_clock_gettime, CLOCK_MONOTONIC): not matched, the host's", "clock_via_syscall/CLOCK_MONOTONIC",
     "(the filter runs: its answer depends on the clock id, so the kernel cannot cache it)"),
]
print()
print(f"| call, through glibc ({rounds} alternating rounds, medians) | host vDSO | under vdso-run | ratio | target |")
print("|---|---|---|---|---|")
for label, key, target in rows:
    h, o = host[key], ours[key]
    print(f"| {label} | {h:.1f} ns | {o:.1f} ns | {o / h:.2f}x | {target} |")
print()
print(f"| raw system call ({rounds} alternating rounds, medians) | host kernel | under vdso-run | ratio | target |")
print("|---|---|---|---|---|")
for label, key, target in syscall_rows:
    h, o = host[key], ours[key]
    print(f"| {label} | {h:.0f} ns | {o:.0f} ns | {o / h:.1f}x | {target} |")

at, faketime = medians("at"), medians("faketime")
virtual_rows = [
    ("clock_gettime(CLOCK_MONOTONIC_COARSE)", "clock_via_libc/CLOCK_MONOTONIC_COARSE", 1.2),
    ("clock_gettime(CLOCK_REALTIME_COARSE)", "clock_via_libc/CLOCK_REALTIME_COARSE", 1.2),
    ("clock_gettime(CLOCK_REALTIME)", "clock_via_libc/CLOCK_REALTIME", 1.3),
    ("clock_gettime(CLOCK_MONOTONIC)", "clock_via_libc/CLOCK_MONOTONIC", 1.3),
    ("gettimeofday", "gettimeofday_via_libc", 1.3),
]
print()
print(f"| virtual time: call through glibc ({rounds} alternating rounds, medians) | host vDSO (real time) | "
      "vdso-run --at | ratio | libfaketime | ratio | target (vdso-run --at) |")
print("|---|---|---|---|---|---|---|")
for label, key, target in virtual_rows:
    h, a, f = host[key], at[key], faketime[key]
    verdict = "met" if a / h <= target else "NOT met"
    print(f"| {label} | {h:.1f} ns | {a:.1f} ns | {a / h:.2f}x | {f:.1f} ns | {f / h:.2f}x | "
          f"<= {target}x host: {verdict} |")
print()
print(f"| virtual time: raw system call ({rounds} alternating rounds, medians) | host kernel (real time) | "
      "vdso-run --at | ratio | libfaketime |")
print("|---|---|---|---|---|")
for label, key in [("syscall(SYS_clock_gettime, CLOCK_MONOTONIC): answered by vdso-run", "clock_via_syscall/CLOCK_MONOTONIC"),
                   ("syscall(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE): answered by vdso-run", "clock_via_syscall/CLOCK_MONOTONIC_COARSE")]:
    h, a = host[key], at[key]
    print(f"| {label} | {h:.0f} ns | {a:.0f} ns | {a / h:.1f}x | real time (not intercepted) |")

exec_host = statistics.median(int(x) for x in (work / "exec.host").read_text().split())
exec_ours = statistics.median(int(x) for x in (work / "exec.ours").read_text().split())
print()
print("| measure | baseline | vdso-run | difference | target |")
print("|---|---|---|---|---|")
print(f"| fork+exec+wait of /bin/true (500 runs, median of {rounds} alternating) | {exec_host / 1e6:.3f} ms | "
      f"{exec_ours / 1e6:.3f} ms | {(exec_ours - exec_host) / 1e6:+.3f} ms | <= +0.5 ms |")
if not (work / "lag").exists():
    sys.exit(0)
base = float((work / "cpu.baseline").read_text() or "nan")
cpu = float((work / "cpu.ours").read_text() or "nan")
print(f"| CPU at 1000 Hz, idle tree, 10 s (baseline: a bare 1000 Hz SCHED_FIFO timer) | "
      f"{base:.2f}% | {cpu:.2f}% | {cpu - base:+.2f}% | < 1% of a core |")
lag = (work / "lag").read_text()
reader = int(re.search(r"max_lag_ns=(\d+)", lag).group(1)) / 1e6
ticker = float(re.search(r"worst lag ([0-9.]+) ms", lag).group(1))
print(f"| worst lag at 250 Hz over 10 s, all cores busy (reader / ticker's longest gap) | "
      f"4.000 ms tick | {reader:.3f} ms / {ticker:.3f} ms | | <= 8 ms (2 ticks) |")
def wait_medians(kind):
    text = (work / f"waits.{kind}").read_text()
    return {key: statistics.median(int(v) for v in re.findall(rf"{key}=(\d+)", text))
            for key in ("untimed_futex_ns", "timed_futex_ns")}
waits = {kind: wait_medians(kind) for kind in ("host", "ours", "at")}
print()
print(f"| futex returning at once, per call ({rounds} alternating rounds, medians) | host kernel | "
      "vdso-run | ratio | vdso-run --at | ratio |")
print("|---|---|---|---|---|---|")
for label, key in [("untimed (FUTEX_WAIT, no timeout): the filter looks, never stops", "untimed_futex_ns"),
                   ("timed (FUTEX_WAIT_BITSET, REALTIME deadline): translated under --at", "timed_futex_ns")]:
    h, o, a = waits["host"][key], waits["ours"][key], waits["at"][key]
    print(f"| {label} | {h / 1e3:.2f} us | {o / 1e3:.2f} us | {o / h:.2f}x | {a / 1e3:.2f} us | {a / h:.2f}x |")
files = {}
for line in (work / "files").read_text().splitlines():
    key, value = line.rsplit("=", 1)
    files.setdefault(key, []).append(int(value))
print()
print(f"| stat-heavy, whole run ({rounds} alternating rounds, medians) | host | vdso-run --offset -1d | ratio | "
      "... --file-times | ratio | libfaketime FAKETIME=-1d | ratio |")
print("|---|---|---|---|---|---|---|---|")
for name, label in [("git status", "git status (a clone of this repository)"),
                    ("make", "make, nothing to do (1000 targets)")]:
    h, o, f, l = (statistics.median(files[f"{name}/{kind}"]) for kind in ("host", "ours", "file-times", "faketime"))
    print(f"| {label} | {h:.0f} ms | {o:.0f} ms | {o / h:.2f}x | {f:.0f} ms | {f / h:.2f}x | {l:.0f} ms | {l / h:.2f}x |")
PY
