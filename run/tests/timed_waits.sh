# Timed waits on the tree's clock (timed_waits.h): every kind of timed wait
# (run/tests/programs/waitprobe.c: condition variables on both clocks, a
# semaphore, a timed mutex, raw futexes (FUTEX_WAIT, FUTEX_WAIT_BITSET,
# FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_REQUEUE_PI, futex_waitv), a
# message queue both ways, poll, ppoll,
# select, pselect6, epoll_wait, epoll_pwait, epoll_pwait2, sigtimedwait,
# semtimedop, recvmmsg, nanosleep, alarm, setitimer, relative timerfd and
# POSIX timers) for glibc dynamic and static, musl dynamic and static, under
# --at (future and past), --offset, --rate 10 and --freeze: the tree's time
# each took (never early, never a hang or an instant return), the real time
# the waits took, the remaining time select and ppoll report, and that
# untimed waits never stop in the tracer. Then Go's timers (under --at,
# --offset and --rate 10), C++'s wait_until(system_clock), and CPython's
# threading and asyncio.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS
AT=2038-01-19T03:14:07Z

builds=(glibc-dynamic glibc-static)
for build in musl-dynamic musl-static; do
  [ -x "$P/waitprobe-$build" ] && builds+=("$build")
done
realtime_ways="cond_realtime sem_timedwait mutex_timedlock futex_bitset_realtime futex_lock_pi
  futex_lock_pi2_realtime futex_requeue_pi_realtime futex_waitv_realtime mq_timedreceive
  mq_timedsend"
duration_ways="futex_relative poll ppoll select pselect6 epoll_wait epoll_pwait epoll_pwait2
  sigtimedwait semtimedop nanosleep"
monotonic_ways="cond_monotonic futex_bitset_monotonic futex_lock_pi2_monotonic
  futex_requeue_pi_monotonic futex_waitv_monotonic $duration_ways"
timer_ways="alarm setitimer timerfd posix_timer"

# wall COMMAND...: runs it under a 30 s guard (a wait translated wrongly
# may wait until 2038), prints its output, then wall_ms=N (host time).
wall() {
  local start end
  start=$(date +%s%N)
  timeout 30 "$@"
  end=$(date +%s%N)
  echo "wall_ms=$(((end - start) / 1000000))"
}

# parse OUTPUT: its key=value lines into V (no process per lookup: this
# script makes about a thousand checks on a machine that may be busy).
declare -A V
parse() {
  local key val
  V=()
  while IFS='=' read -r key val; do
    [ -n "$key" ] && V[$key]=$val
  done <<<"$1"
}

# check_waits LABEL OUTPUT MS WAYS...: each way timed out after MS ms of the
# tree's time, never early; at most 5 MS + 2 s (a busy machine), where an
# untranslated wait hangs, returns at once, or takes 10 MS and more.
check_waits() {
  local label=$1 ms=$3 way
  parse "$2"
  shift 3
  for way in "$@"; do
    check "$label: $way timed out" "${V[${way}_result]:-}" timeout
    check "$label: $way never wakes early" "${V[${way}_early]:-}" no
    check_range "$label: $way waited $ms ms of the tree's time (ms)" \
      $((${V[${way}_waited]:-0} / 1000000)) "$ms" $((5 * ms + 2000))
  done
}

stops() { printf '%s\n' "$1" | sed -n 's/.*translated \([0-9]*\) (seccomp stops \([0-9]*\)).*/\2/p'; }

for build in "${builds[@]}"; do
  probe=$P/waitprobe-$build
  # Absolute REALTIME deadlines on a moved REALTIME: untranslated, the
  # first hangs (2038), returns at once (2020) or waits an hour (+1h).
  for start in "--at $AT" "--at 2020-01-01" "--offset +1h"; do
    # shellcheck disable=SC2086
    out=$(wall "$VDSO_RUN" $start "$probe" realtime 100)
    check_waits "$build $start" "$out" 100 $realtime_ways
  done
  # --rate 10: every deadline and duration, 1 s of the tree's time each in
  # 0.1 s of real time (untranslated, 1 s each and growing with the
  # process's age for the MONOTONIC deadlines).
  out=$(wall "$VDSO_RUN" --rate 10 --at $AT "$probe" realtime 1000)
  check_waits "$build --rate 10 --at" "$out" 1000 $realtime_ways
  check_range "$build --rate 10: ten 1 s REALTIME waits took 1 s of real time, not 10 (ms)" \
    "${V[wall_ms]:-}" 1000 9999
  out=$(wall "$VDSO_RUN" --rate 10 "$probe" monotonic 1000)
  # shellcheck disable=SC2086
  check_waits "$build --rate 10" "$out" 1000 $monotonic_ways
  check_range "$build --rate 10: sixteen 1 s waits took 1.6 s of real time, not 16 (ms)" \
    "${V[wall_ms]:-}" 1600 15999
  # An interrupted select or ppoll of 10 s, after about 3 s of the tree's
  # time: the rest in the tree's units (the host's would be 0.7 s).
  out=$("$VDSO_RUN" --rate 10 "$probe" remaining 3000)
  parse "$out"
  for way in select ppoll; do
    check "$build --rate 10: an interrupted $way fails with EINTR" "${V[${way}_eintr]:-}" yes
    check_range "$build --rate 10: the interrupted $way's remaining time is the tree's (ms)" \
      $((${V[${way}_remaining]:-0} / 1000000)) 4000 8000
  done
  # alarm, ITIMER_REAL and relative timerfd and POSIX timers (first expiry
  # and interval) under --rate 10: 2 s of the tree's time each in 0.2 s of
  # real time, and a pending timer reads back in the tree's units (alarm's
  # result, getitimer, timerfd_gettime and timer_gettime, the old value of
  # setitimer, timerfd_settime and timer_settime, also when they disarm:
  # 100 s, not 10).
  # shellcheck disable=SC2086
  out=$(wall "$VDSO_RUN" --rate 10 "$probe" itimers 2000)
  # shellcheck disable=SC2086
  check_waits "$build --rate 10" "$out" 2000 $timer_ways
  check_range "$build --rate 10: four 2 s timers took 0.8 s of real time, not 8 (ms)" \
    "${V[wall_ms]:-}" 800 7999
  check "$build --rate 10: alarm returns the tree's seconds left" "${V[alarm_left]:-}" 100
  for way in getitimer setitimer_old timerfd_old timerfd_disarm_old posix_timer_old \
    posix_timer_disarm_old timerfd_gettime posix_timer_gettime; do
    check_range "$build --rate 10: $way reads the tree's time left (ms)" "${V[${way}_ms]:-}" \
      99000 100000
  done
  for way in timerfd_gettime posix_timer_gettime; do
    check_range "$build --rate 10: $way reads the tree's interval (ms)" \
      "${V[${way}_interval_ms]:-}" 49000 50001
  done
  # --freeze: like every relative timeout, they last their real time.
  out=$(wall "$VDSO_RUN" --freeze "$probe" itimers 1000)
  parse "$out"
  for way in $timer_ways; do
    check "$build --freeze: $way took none of the tree's time" "${V[${way}_waited]:-}" 0
  done
  check_range "$build --freeze: four 1 s timers took 4 s of real time (ms)" "${V[wall_ms]:-}" \
    4000 20000
  # recvmmsg looks at its timeout after each datagram: under --rate 10 a
  # timeout of 1 s of the tree's time has passed when the second comes,
  # 5 s of the tree's time later (untranslated: 0.5 s of a 1 s timeout,
  # and the third gets in too).
  out=$("$VDSO_RUN" --rate 10 "$probe" recvmmsg 1000)
  check "$build --rate 10: recvmmsg's timeout ended it after the second datagram" \
    "$(value recvmmsg_received "$out")/$(value recvmmsg_sender "$out")" 2/ok
  # --freeze: durations last their real time (the tree sees none pass); a
  # deadline at the frozen present is reached, one after it never is.
  out=$(wall "$VDSO_RUN" --freeze "$probe" durations 50)
  parse "$out"
  for way in $duration_ways; do
    check "$build --freeze: $way timed out" "${V[${way}_result]:-}" timeout
    check "$build --freeze: $way took none of the tree's time" "${V[${way}_waited]:-}" 0
  done
  check_range "$build --freeze: eleven 50 ms durations took 0.55 s of real time (ms)" \
    "${V[wall_ms]}" 550 15000
  out=$(wall "$VDSO_RUN" --freeze --at $AT "$probe" frozen)
  check "$build --freeze: a deadline at the frozen present is reached" \
    "$(value frozen_now "$out")" timeout
  case $build in
    glibc-*)
      check "$build --freeze: a deadline after the frozen present is never reached" \
        "$(value frozen_future "$out")" signalled
      ;;
    *) echo "NOTE: $build turns a deadline into a duration itself (docs/vdso-run.md: --freeze)" ;;
  esac
  # Only timed waits stop: a contended mutex, untimed futexes, zero and
  # infinite poll/epoll timeouts and a null select timeout never do.
  for start in "--rate 10" "--at $AT"; do
    # shellcheck disable=SC2086
    out=$("$VDSO_RUN" $start --stats "$probe" untimed 1000 2>&1)
    check "$build $start: 1000 rounds of untimed waits" "$(value untimed_rounds "$out")" 1000
    check "$build $start: untimed waits never stop in the tracer" "$(stops "$out")" 0
  done
done

# Go's time.Sleep, timers, tickers and time.After (the runtime waits with
# futexes and epoll, on its monotonic clock): their own time under --at
# (future and past) and --offset, which leave MONOTONIC alone, and 2 s of
# the tree's time each under --rate 10. (Under --freeze they never end:
# the runtime sleeps again until its frozen clock reaches the deadline.)
# check_go_waits OPTIONS MS MAX_MS: goprobe's four waits of MS under
# vdso-run OPTIONS, each never early and at most MAX_MS of the tree's time.
check_go_waits() {
  # shellcheck disable=SC2086
  out=$(wall "$VDSO_RUN" $1 "$P/goprobe" waits "$2")
  parse "$out"
  for way in sleep timer ticker after; do
    check "go $1: $way never wakes early" "${V[${way}_early]:-}" no
    check_range "go $1: $way waited $2 ms of the tree's time (ms)" \
      $((${V[${way}_waited]:-0} / 1000000)) "$2" "$3"
  done
}
if [ -x "$P/goprobe" ]; then
  for start in "--at $AT" "--at 2000-01-01" "--offset -1d"; do
    check_go_waits "$start" 300 3000
  done
  check_go_waits "--rate 10" 2000 6000
  check_range "go --rate 10: four 2 s waits took 0.8 s of real time, not 8 (ms)" \
    "${V[wall_ms]:-}" 800 7999
fi

# C++: condition_variable::wait_until(system_clock) and steady_clock, and
# timed_mutex::try_lock_until(system_clock), under --at 2038 --rate 10.
out=$(wall "$VDSO_RUN" --at $AT --rate 10 "$P/cxxwait" 2000)
parse "$out"
for way in system_until steady_until timed_mutex; do
  check "c++ --at --rate 10: $way never wakes early" "${V[${way}_early]:-}" no
  check_range "c++ --at --rate 10: $way waited 2 s of the tree's time (ms)" \
    $((${V[${way}_waited]:-0} / 1000000)) 2000 6000
done
check_range "c++ --at --rate 10: three 2 s waits took 0.6 s of real time, not 6 (ms)" \
  "${V[wall_ms]:-}" 600 5999

# CPython: threading (futexes with deadlines) and asyncio (epoll), 2 s of
# the tree's time each under --at 2038 --rate 10.
if command -v python3 >/dev/null; then
  out=$(wall "$VDSO_RUN" --at $AT --rate 10 python3 -c '
import asyncio, threading, time
def measure(way, fn):
    start = time.monotonic()
    fn()
    print(f"{way}_waited_ms={int((time.monotonic() - start) * 1000)}")
def condition():
    c = threading.Condition()
    with c:
        c.wait(2)
def lock():
    l = threading.Lock()
    l.acquire()
    l.acquire(timeout=2)
async def wait_for():
    try:
        await asyncio.wait_for(asyncio.Event().wait(), 2)
    except asyncio.TimeoutError:
        pass
measure("event", lambda: threading.Event().wait(2))
measure("condition", condition)
measure("lock", lock)
measure("asyncio_sleep", lambda: asyncio.run(asyncio.sleep(2)))
measure("asyncio_wait_for", lambda: asyncio.run(wait_for()))
')
  parse "$out"
  for way in event condition lock asyncio_sleep asyncio_wait_for; do
    check_range "python --at --rate 10: $way waited 2 s of the tree's time (ms)" \
      "${V[${way}_waited_ms]:-}" 2000 6000
  done
  check_range "python --at --rate 10: five 2 s waits took 1 s of real time, not 10 (ms)" \
    "${V[wall_ms]:-}" 1000 9999
else
  echo "SKIP: python3 not installed (the threading and asyncio checks)"
fi

finish
