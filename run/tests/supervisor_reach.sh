# The supervisor is out of the tree's reach: every call that would signal,
# reschedule or limit it, or any of its threads (by pid, through a pidfd or
# a /proc/PID directory), fails with EPERM, while pidfd_send_signal aimed
# elsewhere runs as on the host (as root,
# as nobody inside a root vdso-run, and under an unprivileged vdso-run), and
# a process-group stop or signal from inside stops or ends only the tree's
# processes of that group, while the clock keeps ticking for the others.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS
CALLS="kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo sched_setscheduler sched_setparam
sched_setattr sched_setaffinity setpriority ioprio_set prlimit64_set pidfd_send_signal"

# check_refused WHO OUT: every call on every thread refused, the clock ticking.
check_refused() {
  local who=$1 out=$2 threads call
  threads=$(value threads "$out")
  check_range "$who: the supervisor's threads seen" "$threads" 3 16
  for call in $CALLS; do
    check "$who: $call of every supervisor thread is EPERM" \
      "$(printf '%s\n' "$out" | grep -c "^$call([0-9]*)=EPERM$")" "$threads"
  done
  check "$who: pidfd_send_signal through the supervisor's /proc directory is EPERM" \
    "$(printf '%s\n' "$out" | grep -c '^pidfd_send_signal_procdir([0-9]*)=EPERM$')" 1
  for call in pidfd_send_signal_self pidfd_send_signal_procdir_self pidfd_send_signal_child; do
    check "$who: $call runs as on the host" \
      "$(printf '%s\n' "$out" | grep -c "^$call([0-9]*)=ok$")" 1
  done
  check "$who: the child signalled through its pidfd ended" "$(value child_ended_by "$out")" TERM
  check "$who: the clock still ticks" "$(value ticking "$out")" yes
}

if [ "$(id -u)" = 0 ]; then
  out=$("$VDSO_RUN" sh -c "exec $P/reach \$PPID" 2>&1)
  check_refused "root" "$out"
  check "root: reading the supervisor's limits stays allowed" \
    "$(printf '%s\n' "$out" | grep -c '^prlimit64_read([0-9]*)=ok$')" "$(value threads "$out")"
  if command -v setpriv >/dev/null; then
    mkdir -p -m 755 "$SCRATCH/nobody"
    cp "$VDSO_RUN" "$P/reach" "$SCRATCH/nobody/"
    chmod 755 "$SCRATCH" "$SCRATCH/nobody"/*
    out=$("$VDSO_RUN" setpriv --reuid=65534 --regid=65534 --clear-groups \
      sh -c "exec $SCRATCH/nobody/reach \$PPID" 2>&1)
    check_refused "nobody under root's vdso-run" "$out"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
      "$SCRATCH/nobody/vdso-run" sh -c "exec $SCRATCH/nobody/reach \$PPID" 2>&1)
    check_refused "nobody's own vdso-run" "$out"
  else
    echo "no setpriv: the unprivileged cases are not run"
  fi
else
  out=$("$VDSO_RUN" sh -c "exec $P/reach \$PPID" 2>&1)
  check_refused "$(id -un)" "$out"
fi

# A process-group signal from inside: vdso-run leads its own group here (so
# that nothing of this script is in it); a watchdog ends a hung run.
run_group() {
  setsid "$VDSO_RUN" "$P/groupstop" "$1" >"$SCRATCH/group.out" 2>&1 &
  local pid=$! watchdog
  (sleep 30 && kill -CONT "$pid" && kill -KILL "$pid") 2>/dev/null &
  watchdog=$!
  wait "$pid"
  GROUP_RC=$?
  kill "$watchdog" 2>/dev/null
  GROUP_OUT=$(cat "$SCRATCH/group.out")
}
run_group STOP
check "kill(0, SIGSTOP) from inside succeeds" "$(value kill_group "$GROUP_OUT")" ok
check_range "a process in another session reads a ticking clock meanwhile (ms of 1000)" \
  "$(value child_coarse_moved_ms "$GROUP_OUT")" 800 2000
check "the stopped group resumes with SIGCONT" "$(value parent_resumed "$GROUP_OUT")" yes
check "vdso-run exits with the program's status" "$GROUP_RC" 0
run_group USR2
check "kill(0, SIGUSR2) from inside reaches the group" "$(value parent_got_usr2 "$GROUP_OUT")" yes
check "vdso-run does not die of it" "$GROUP_RC" 0
finish
