#!/usr/bin/env bash
# Linux's set-timer-lat selftest (tools/testing/selftests/timers), unmodified,
# on the kernel through vdso-kernel-run: periodic and one-shot timers,
# relative and TIMER_ABSTIME, on REALTIME, MONOTONIC, BOOTTIME, the two
# alarm clocks and TAI. Judged on what does not depend on the machine's
# load: no timer ever fires early, every one-shot timer fires exactly once,
# and every timer reports its latency. Its own bound (at most 40 ms late,
# which makes it exit 1) is a timing threshold: on this shared 2-core TCG
# host it is met when the machine is quiet (latencies of 0.2-7 ms) and
# missed under load (54-76 ms with two other boots running; once 526 ms at
# a load of 4 from other sessions), so it is
# reported, not judged: timing belongs in the benchmarks.
# usage: set_timer_lat_test.sh BUILD/bin/vdso-kernel-run BUILD/kernel/user/selftest-set-timer-lat
set -uo pipefail
tool=$1 program=$2
source "$(dirname "$0")/../../../testing/check.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$tool" --timeout 300 "$program" >"$work/out" 2>"$work/err"
status=$?
cat "$work/out"
count() { grep -cE "$1" "$work/out"; }
early=$(count 'timer fired early: +0 : \[OK\]')
once=$(count 'ONE-SHOT count: +1 : \[OK\]')
latencies=$(count 'max latency: +[0-9]+ ns : ')
late=$(count 'max latency: .*\[FAILED\]')
check "24 timers on 6 clocks: none fired early ($early)" [ "$early" -eq 24 ]
check "12 one-shot timers: each fired exactly once ($once)" [ "$once" -eq 12 ]
check "24 timers reported their latency ($latencies)" [ "$latencies" -eq 24 ]
# Exit 1 only for the latency bound, 0 when it was met; anything else
# (a crash, a signal, the timeout) is a failure.
check "it exited 0, or 1 for latency alone (status $status, $late latencies past 40 ms)" \
  [ "$status" -eq 0 -o \( "$status" -eq 1 -a "$late" -gt 0 \) ]
worst=$(grep -oE 'max latency: +[0-9]+' "$work/out" | grep -oE '[0-9]+$' | sort -n | tail -1)
echo "note: the worst latency was ${worst:-?} ns; $late of 24 past Linux's 40 ms bound (the machine's load)"
[ "$failures" -eq 0 ] && echo "set-timer-lat: PASS"
[ "$failures" -eq 0 ]
