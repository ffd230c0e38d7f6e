# Both paths agree: the coarse clock system calls, answered by vdso-run
# from the Timekeeper the VDSO reads, against the VDSO itself, for every
# libc build and at every tick rate; their faults as Linux gives them; the
# other clocks never reach the supervisor; a storm of signals against a
# program sitting in those calls.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS
ROUNDS=${CLOCKCALLS_ROUNDS:-100000}

builds=(glibc-dynamic glibc-static)
for build in musl-dynamic musl-static; do
  [ -x "$P/clockcalls-$build" ] && builds+=("$build")
done

# stat NAME STATS: the number after NAME in vdso-run's clock stats line
stat() { printf '%s\n' "$2" | sed -n "s/.*clock system calls.*$1 \([0-9]*\).*/\1/p"; }

# same HOST OURS: "identical" or the differing lines
same() {
  if [ "$1" = "$2" ]; then echo identical; else diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | tr '\n' ' '; fi
}

# A VDSO read bracketed by two system calls, ROUNDS per clock: in order.
for hz in 10 250 1000; do
  tick=$((1000000000 / hz))
  for build in "${builds[@]}"; do
    out=$("$VDSO_RUN" --hz $hz --stats "$P/clockcalls-$build" order "$ROUNDS" 2>&1)
    what="$build --hz $hz"
    for clock in realtime_coarse monotonic_coarse time; do
      check "$what: $ROUNDS rounds syscall, libc, syscall of $clock in order (rounds out of order)" \
        "$(value disorder_$clock "$out")" 0
    done
    rounds=$(value cross_process_disorder_time "$out")
    rounds=${rounds#*/}
    for clock in realtime_coarse monotonic_coarse time; do
      check "$what: $clock across two processes in order" \
        "$(value cross_process_disorder_$clock "$out")" "0/$rounds"
    done
    for clock in realtime_coarse monotonic_coarse; do
      check "$what: clock_getres($clock) through libc is the tick" \
        "$(value res_libc_$clock "$out")" $tick
      check "$what: clock_getres($clock) system call is the tick" \
        "$(value res_syscall_$clock "$out")" $tick
    done
    check "$what: the system call from a second thread" "$(value res_syscall_from_thread "$out")" $tick
    check "$what: a clock id with high bits set is read as the kernel reads it" \
      "$(value res_syscall_high_bits "$out")" $tick
    # musl's clock_getres always makes the system call: two more answered.
    extra=0
    case $build in musl-*) extra=2 ;; esac
    check "$what: every system call it made was answered by vdso-run" \
      "$(stat answered "$out")" $(($(value syscalls "$out") + extra))
  done
done

# Bad and null pointers: the same results as the host kernel gives, line
# for line (-EFAULT for unmapped, kernel, read-only and straddling
# destinations, with the same partial write; a null res is fine).
for build in "${builds[@]}"; do
  host=$("$P/clockcalls-$build" faults)
  out=$("$VDSO_RUN" --stats "$P/clockcalls-$build" faults 2>"$SCRATCH/stats")
  stats=$(cat "$SCRATCH/stats")
  check "$build: faults and null pointers as on the host ($(printf '%s\n' "$out" | wc -l) results)" \
    "$(same "$host" "$out")" identical
  check "$build: the -EFAULTs were ours" "$(stat "-EFAULT" "$stats")" \
    "$(printf '%s\n' "$out" | grep -c -- '=-14$')"
  check_contains "$build: time(2) returns what it stores" "$out" "time_stores_what_it_returns=yes"
done

# Clocks the page does not serve, and invalid ids, stay with the host;
# clock_gettime(CLOCK_REALTIME) alone of them reaches the supervisor (the
# tree may set its REALTIME at any time: see "The tree's clock"), which
# answers it with the host's time: 200 calls.
for build in "${builds[@]}"; do
  host=$("$P/clockcalls-$build" others 200)
  out=$("$VDSO_RUN" --stats "$P/clockcalls-$build" others 200 2>"$SCRATCH/stats")
  check "$build: other clocks and invalid ids: the host's answers ($out)" "$(same "$host" "$out")" identical
  check "$build: other clocks never reach the supervisor, REALTIME does (answered)" \
    "$(stat answered "$(cat "$SCRATCH/stats")")" 200
done

# 2000 queued signals (handler without SA_RESTART) while the program sits
# in the answered calls: each arrives, no call fails with EINTR (Linux's
# never do), then callers killed inside them leave the rest served.
for build in "${builds[@]}"; do
  out=$(timeout 60 "$VDSO_RUN" --stats "$P/clockcalls-$build" storm 2000 2>&1)
  check "$build: storm: every signal delivered" "$(printf '%s\n' "$out" |
    sed -n 's/^received=\([0-9]*\) expected=\([0-9]*\).*/\1\/\2/p')" 2000/2000
  check_contains "$build: storm: no EINTR, no error" "$out" "eintr=0 errors=0"
  restarted=$(stat "restarted after a signal" "$out")
  check_range "$build: storm: calls interrupted in the wait were restarted" "$restarted" 1 1000000
  check_contains "$build: callers killed in the call; the others still served" "$out" \
    "killed=8 served_after=yes"
done

finish
