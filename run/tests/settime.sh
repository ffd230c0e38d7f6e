# The tree owns its REALTIME: clock_settime, settimeofday and adjtimex move
# the tree's clock on every path at once, never the host's; without
# CAP_SYS_TIME they fail with EPERM, as on Linux. Every case proves that the
# host's clock did not move (and would put it back).
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS
guard_host_clock

# A target in the host's past: an absolute sleep left untranslated would
# then return at once, and a wrong clock could not pass for the new one.
T=1700000000

# in_range NAME VALUE LOW HIGH for each reader under PREFIX of OUT
readers_at() {
  local out=$1 prefix=$2 low=$3 high=$4 reader
  for reader in vdso syscall coarse gettimeofday gettimeofday_syscall time time_syscall; do
    check_range "$5: ${prefix} read by ${reader}" "$(value "${prefix}_${reader}" "$out")" "$low" "$high"
  done
  check "$5: ${prefix}: TAI keeps its distance (VDSO = system call)" \
    "$(value "${prefix}_tai_minus_realtime" "$out")" "$(value "${prefix}_tai_syscall_minus_realtime" "$out")"
}

if [ "$(id -u)" = 0 ]; then
  for mode in "plain" "--at 2038-01-19T03:14:07Z" "--rate 2"; do
    args=()
    [ "$mode" != plain ] && read -r -a args <<<"$mode"
    out=$("$VDSO_RUN" "${args[@]}" "$P/settime" "$T" 2>&1)
    check "$mode: clock_settime" "$(value clock_settime "$out")" ok
    readers_at "$out" settime "$T" $((T + 1)) "$mode"
    check "$mode: settimeofday" "$(value settimeofday "$out")" ok
    readers_at "$out" settimeofday $((T + 1000)) $((T + 1001)) "$mode"
    check "$mode: adjtimex ADJ_SETOFFSET" "$(value adjtimex_setoffset "$out")" ok
    readers_at "$out" setoffset $((T + 2000)) $((T + 2002)) "$mode"
    check "$mode: adjtimex read-only" "$(value adjtimex_read "$out")" ok
    check_range "$mode: adjtimex reports the tree's time" "$(value adjtimex_time "$out")" \
      $((T + 2000)) $((T + 2002))
    check "$mode: an invalid time is EINVAL" "$(value settime_bad_nsec "$out")" EINVAL
    check "$mode: MONOTONIC cannot be set (EINVAL)" "$(value settime_monotonic "$out")" EINVAL
    check "$mode: a time before boot is EINVAL" "$(value settime_before_boot "$out")" EINVAL
    check "$mode: a bad pointer is EFAULT" "$(value settime_fault "$out")" EFAULT
    check "$mode: an absolute sleep on the set clock" "$(value abs_sleep "$out")" ok
    # 0.3 s of the tree's REALTIME, measured on the tree's MONOTONIC (which
    # runs at the same rate): an untranslated deadline, in the host's past,
    # would return at once.
    check_range "$mode: it waits for the set clock (ms)" "$(value abs_sleep_ms "$out")" 280 3000
    check_host_clock "$mode"
  done
  # A tree that did not start on virtual time sets its clock, then waits on
  # absolute REALTIME deadlines (condition variable, semaphore, futex, ...):
  # each must wait its 300 ms of the set clock. Untranslated, the deadline
  # (in the host's past) would return at once.
  out=$(timeout 60 "$VDSO_RUN" sh -c \
    "'$P/settime' $T >/dev/null && exec '$P/waitprobe-glibc-dynamic' realtime 300" 2>&1)
  for way in cond_realtime sem_timedwait mutex_timedlock futex_bitset_realtime; do
    check "plain, clock set: $way timed out" "$(value "${way}_result" "$out")" timeout
    check "plain, clock set: $way never wakes early" "$(value "${way}_early" "$out")" no
  done
  check_host_clock "plain, clock set, timed waits"
else
  echo "not root: the privileged cases are not run"
fi

# Without CAP_SYS_TIME: as nobody (root's vdso-run, the program dropped to
# nobody), or as this unprivileged user itself.
run_unprivileged() {
  if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || return 1
    mkdir -p -m 755 "$SCRATCH/nobody"
    cp "$P/settime" "$SCRATCH/nobody/"
    chmod 755 "$SCRATCH" "$SCRATCH/nobody/settime"
    "$VDSO_RUN" setpriv --reuid=65534 --regid=65534 --clear-groups "$SCRATCH/nobody/settime" "$T"
  else
    "$VDSO_RUN" "$P/settime" "$T"
  fi
}
if out=$(run_unprivileged 2>&1); then
  for call in clock_settime settimeofday adjtimex_setoffset; do
    check "unprivileged: $call is EPERM" "$(value $call "$out")" EPERM
  done
  check "unprivileged: a time before boot is EPERM first, as Linux" \
    "$(value settime_before_boot "$out")" EPERM
  check "unprivileged: adjtimex read-only" "$(value adjtimex_read "$out")" ok
  host_now=$(date +%s)
  check_range "unprivileged: the tree's clock did not move" "$(value settime_vdso "$out")" \
    $((host_now - 30)) $((host_now + 1))
  check_host_clock "unprivileged"
else
  fail "unprivileged run: $out"
fi
finish
