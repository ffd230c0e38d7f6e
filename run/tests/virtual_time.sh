# Virtual time (--at, --offset, --rate, --freeze): every program type
# (glibc dynamic and static, musl dynamic and static, Go) on every path
# (the VDSO through libc or the Go runtime, the raw system call) sees the
# tree's time; both paths stay ordered for every clock at every tick rate;
# bad values are refused before any program starts.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS
S=1000000000
ORDER_ROUNDS=${VIRTUAL_TIME_ROUNDS:-2000}

builds=(glibc-dynamic glibc-static)
for build in musl-dynamic musl-static; do
  [ -x "$P/timeprobe-$build" ] && builds+=("$build")
done
realtime_paths="libc_realtime sys_realtime libc_realtime_coarse sys_realtime_coarse
  libc_gettimeofday sys_gettimeofday libc_time sys_time"
moved="realtime monotonic monotonic_raw realtime_coarse monotonic_coarse boottime tai gettimeofday"

AT=2147483647 # 2038-01-19T03:14:07Z
for build in "${builds[@]}"; do
  # --at: REALTIME starts there on every path, and runs on.
  out=$("$VDSO_RUN" --at 2038-01-19T03:14:07Z "$P/timeprobe-$build" now)
  for key in $realtime_paths; do
    check_range "$build --at: $key starts at 2038-01-19T03:14:07Z (s)" \
      $(($(value "$key" "$out") / S)) $AT $((AT + 30))
  done
  # TAI keeps its distance to REALTIME (the host's, 0 or 37 s).
  check_range "$build --at: TAI with REALTIME (s)" \
    $(($(value libc_tai "$out") / S - AT)) 0 67
  check_range "$build --at: TAI system call with REALTIME (s)" \
    $(($(value sys_tai "$out") / S - AT)) 0 67
  # MONOTONIC stays the host's: --at moves only REALTIME.
  host_uptime=$(cut -d. -f1 /proc/uptime)
  check_range "$build --at: MONOTONIC is the host's (s since boot)" \
    $(($(value libc_monotonic "$out") / S)) $((host_uptime - 30)) $((host_uptime + 30))

  # --offset: REALTIME is the host's, shifted.
  before=$(date +%s)
  out=$("$VDSO_RUN" --offset -3d "$P/timeprobe-$build" now)
  after=$(date +%s)
  for key in $realtime_paths; do
    check_range "$build --offset -3d: $key (s)" $(($(value "$key" "$out") / S + 259200)) \
      $((before - 1)) $((after + 1))
  done

  # --rate 10: 200 ms of CPU take at least 200 ms of real time, so at
  # least 2 s of virtual time on every clock and path (the coarse ones to
  # a tick, time to a second); under 2 s of real time, so under 20 s.
  out=$("$VDSO_RUN" --rate 10 "$P/timeprobe-$build" elapsed 200)
  for clock in $moved; do
    for path in libc sys; do
      check_range "$build --rate 10: $path $clock over 200 ms of CPU (ms)" \
        $(($(value "elapsed_${path}_$clock" "$out") / 1000000)) 1900 20000
    done
  done
  for path in libc sys; do
    check_range "$build --rate 10: $path time over 200 ms of CPU (s)" \
      $(($(value "elapsed_${path}_time" "$out") / S)) 1 20
  done

  # --freeze: every clock stands still, on every path.
  out=$("$VDSO_RUN" --freeze --at @946684800 "$P/timeprobe-$build" elapsed 50)
  for clock in $moved time; do
    for path in libc sys; do
      check "$build --freeze: $path $clock stands still" \
        "$(value "elapsed_${path}_$clock" "$out")" 0
    done
  done
  out=$("$VDSO_RUN" --freeze --at @946684800 "$P/timeprobe-$build" now)
  for key in $realtime_paths; do
    check "$build --freeze --at @946684800: $key" "$(value "$key" "$out")" 946684800000000000
  done
done

# Both paths ordered under virtual time, for every clock, at every tick rate.
for hz in 10 250 1000; do
  for build in "${builds[@]}"; do
    case $build in musl-*) [ $hz = 250 ] || continue ;; esac
    out=$("$VDSO_RUN" --hz $hz --at 2038-01-19T03:14:07Z --rate 3 "$P/timeprobe-$build" order \
      "$ORDER_ROUNDS")
    for clock in $moved; do
      check "$build --hz $hz --at --rate 3: $ORDER_ROUNDS rounds syscall, libc, syscall of $clock" \
        "$(value "disorder_$clock" "$out")" 0
    done
    # time(2) is the coarse REALTIME's seconds (as on Linux); glibc's time()
    # reads the same, musl's reads the fine REALTIME, which may pass the
    # next coarse second by up to a tick (on Linux too): for musl, only
    # "never behind the system call before it".
    case $build in
      musl-*)
        check "$build --hz $hz --at --rate 3: $ORDER_ROUNDS rounds libc time never behind the syscall" \
          "$(value behind_time "$out")" 0 ;;
      *)
        check "$build --hz $hz --at --rate 3: $ORDER_ROUNDS rounds syscall, libc, syscall of time" \
          "$(value disorder_time "$out")" 0 ;;
    esac
  done
done

# wall COMMAND...: runs it, prints its output, then wall_ms=N (host time).
wall() {
  local start end
  start=$(date +%s%N)
  "$@"
  end=$(date +%s%N)
  echo "wall_ms=$(((end - start) / 1000000))"
}

# Sleeps and absolute timers on virtual time: 3 s of the tree's time each,
# five ways, under --at 2038 (an untranslated absolute deadline would wait
# until 2038) and --rate 10 (so 0.3 s of real time each: 1.5 s in all,
# against 15 s untranslated).
for build in "${builds[@]}"; do
  out=$(wall "$VDSO_RUN" --at 2038-01-19T03:14:07Z --rate 10 "$P/timeprobe-$build" deadlines 3000)
  for way in nanosleep abs_realtime abs_monotonic timerfd posix_timer; do
    check "$build --at --rate 10: $way never wakes early" "$(value ${way}_early "$out")" no
    check_range "$build --at --rate 10: $way waited 3 s of virtual time (ms)" \
      $(($(value ${way}_waited "$out") / 1000000)) 3000 6000
  done
  check_range "$build --at --rate 10: five 3 s waits took 1.5 s of real time (ms)" \
    "$(value wall_ms "$out")" 1500 7500
  # Interrupted after about 3 s of a 10 s sleep (the child may start its
  # own first): the rest in virtual units, where the host's would be 0.7 s.
  out=$("$VDSO_RUN" --rate 10 "$P/timeprobe-$build" interrupted 3000)
  check "$build --rate 10: an interrupted sleep fails with EINTR" "$(value eintr "$out")" yes
  check_range "$build --rate 10: its remaining time is virtual (ms)" \
    $(($(value remaining "$out") / 1000000)) 5000 8000
  # A frozen clock's present is reached at once.
  check "$build --freeze: an absolute sleep until now returns" \
    "$(timeout 20 "$VDSO_RUN" --freeze --at 2038-01-19 "$P/timeprobe-$build" frozen)" frozen_rc=0
done

# sleep 5 under --rate 10: 0.5 s of real time, 5 s of the tree's.
out=$(wall "$VDSO_RUN" --rate 10 --stats sh -c 'date +start=%s%N; sleep 5; date +end=%s%N' 2>&1)
check_contains "--rate 10 --stats: the sleep was translated" "$out" \
  "rate 10.000000, sleeps, timers, waits and file times translated 1 (seccomp stops 1)"
check_range "--rate 10: sleep 5 takes 5 s of virtual time (ms)" \
  $((($(value end "$out") - $(value start "$out")) / 1000000)) 5000 9000
check_range "--rate 10: sleep 5 takes 0.5 s of real time (ms)" "$(value wall_ms "$out")" 500 2500

# date -u inside the tree prints the virtual date.
check "date -u under --at" "$("$VDSO_RUN" --at 2038-01-19T03:14:07Z date -u +%Y-%m-%dT%H:%M)" \
  2038-01-19T03:14
check "date -u under --offset +3d" "$("$VDSO_RUN" --offset +3d date -u +%Y-%m-%d)" \
  "$(date -u -d @$(($(date +%s) + 259200)) +%Y-%m-%d)"
# The largest offsets (2^63 ns either way) start past 2262, where 64-bit
# nanoseconds end: the date must not wrap around to 1677 or 1734.
for offset in +106751d +7427000000s; do
  seconds=${offset%[ds]}
  case $offset in *d) seconds=$((seconds * 86400)) ;; esac
  check "date -u under --offset $offset (past 2262)" \
    "$("$VDSO_RUN" --offset $offset date -u +%Y-%m-%d)" \
    "$(date -u -d @$(($(date +%s) + seconds)) +%Y-%m-%d)"
done

# Go: the runtime's VDSO calls (time.Now, its monotonic clock) and its raw
# system calls.
if [ -x "$P/goprobe" ]; then
  out=$("$VDSO_RUN" --at 2038-01-19T03:14:07Z "$P/goprobe" times 1)
  for key in now_realtime sys_realtime; do
    check_range "go --at: $key (s)" $(($(value $key "$out") / S)) $AT $((AT + 30))
  done
  out=$("$VDSO_RUN" --rate 10 "$P/goprobe" times 200)
  for key in elapsed_now_monotonic elapsed_sys_monotonic; do
    check_range "go --rate 10: $key over 200 ms of CPU (ms)" \
      $(($(value $key "$out") / 1000000)) 1900 20000
  done
  out=$("$VDSO_RUN" --freeze "$P/goprobe" times 50)
  for key in elapsed_now_monotonic elapsed_sys_monotonic; do
    check "go --freeze: $key" "$(value $key "$out")" 0
  done
else
  skip "go under virtual time" "goprobe was not built (no go toolchain at configure time)"
fi

# Bad values: exit 125, a message naming the option, and no program run.
marker=$SCRATCH/ran
bad() {
  local name=$1 option=$2
  shift 2
  rm -f "$marker"
  err=$("$VDSO_RUN" "$@" sh -c "touch $marker" 2>&1 >/dev/null)
  rc=$?
  check "$name: exit status" $rc 125
  check_contains "$name: names the option" "$err" "$option"
  check "$name: no program started" "$([ -e "$marker" ] && echo ran || echo none)" none
}
bad "--at before 1970" --at --at 1969-12-31T23:59:59Z
bad "--at @-1" --at --at @-1
bad "--at past a 64-bit time_t" --at --at @9223372036854775807
bad "--at not a time" --at --at yesterday
bad "--at 2001-02-29" --at --at 2001-02-29
bad "--at with no value" --at --at
bad "--offset without a unit" --offset --offset +3
bad "--offset before 1970" --offset --offset -100000d
bad "--offset past 2^63 ns" --offset --offset +106752d
bad "--offset past 2^63 ns, in parts" --offset --offset +106751d1d
bad "--rate 0" --rate --rate 0
bad "--rate -2" --rate --rate -2
bad "--rate 1e3" --rate --rate 1e3
bad "--at with --offset" --offset --at @1 --offset +1s
bad "--freeze with --rate" --freeze --freeze --rate 2

finish
