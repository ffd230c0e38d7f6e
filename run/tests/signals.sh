# Signals: forwarding of SIGINT/SIGTERM/SIGHUP, a supervisor killed
# mid-run, a program stopped and continued behind vdso-run's back, and a
# storm of signals during exec.
source "$(dirname "$0")/lib.sh"
set -m  # background jobs keep SIGINT (a script's would ignore it)
P=$PROGRAMS

# state PID: the state letter of /proc/PID/stat, or "gone"
state() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
  stat=${stat##*) }
  echo "${stat%% *}"
}

# wait_for_file FILE: until it has content (5 s at most)
wait_for_file() {
  for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
  return 1
}

for signal in INT TERM HUP; do
  "$VDSO_RUN" sleep 30 &
  supervisor=$!
  sleep 0.3
  kill -$signal $supervisor
  wait $supervisor
  check "SIG$signal to vdso-run reaches the program" "$?" $((128 + $(kill -l $signal)))
done

# A signal ignored when vdso-run started (nohup) stays ignored in the tree.
out=$(trap '' HUP; "$VDSO_RUN" sh -c 'kill -HUP $$; echo survived')
check "SIGHUP ignored at start stays ignored (nohup)" "$out/$?" "survived/0"

# The program decides what a forwarded signal means.
"$VDSO_RUN" sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' &
supervisor=$!
sleep 0.3
kill -TERM $supervisor
wait $supervisor
check "forwarded SIGTERM handled by the program" "$?" 42

# vdso-run killed: PTRACE_O_EXITKILL takes the tree with it, so nothing
# runs on a clock that no longer ticks.
"$VDSO_RUN" sh -c "sleep 60 & echo \$! >$SCRATCH/child; exec sleep 60" &
supervisor=$!
wait_for_file "$SCRATCH/child"
child=$(cat "$SCRATCH/child")
sleep 0.2
first=$(pgrep -P $supervisor sleep | head -n 1)
kill -KILL $supervisor
wait $supervisor 2>/dev/null
sleep 0.3
for pid in $child $first; do
  s=$(state "$pid")
  case $s in gone | Z) pass "vdso-run killed: pid $pid is gone ($s)" ;;
    *) fail "vdso-run killed: pid $pid still runs (state $s)"; kill -KILL "$pid" ;;
  esac
done

# Stopped and continued behind vdso-run's back: the program stays stopped
# (PTRACE_LISTEN) until SIGCONT, then runs on; vdso-run keeps ticking.
"$VDSO_RUN" sh -c "echo \$\$ >$SCRATCH/sh; kill -STOP \$\$; echo resumed" >"$SCRATCH/out" &
supervisor=$!
wait_for_file "$SCRATCH/sh"
sh_pid=$(cat "$SCRATCH/sh")
for _ in $(seq 100); do case $(state "$sh_pid") in t | T) break ;; esac; sleep 0.05; done
check "kill -STOP: the program is stopped" "$(state "$sh_pid" | tr t T)" T
sleep 0.2
check "kill -STOP: still stopped, nothing printed" "$(cat "$SCRATCH/out")" ""
kill -CONT "$sh_pid"
wait $supervisor
status=$?
check "kill -CONT: the program resumes" "$(cat "$SCRATCH/out")/$status" "resumed/0"

# A storm during exec: 400 queued real-time signals (blocked, so they must
# all survive 151 execs, each an injection) and 400 SIGWINCH (unblocked, so
# they stop the process at any point of an injection).
start=$(date +%s%N)
out=$(timeout 60 "$VDSO_RUN" --stats "$P/storm" 400 150 2>&1)
status=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "storm: no signal lost, none duplicated" "$(printf '%s\n' "$out" | grep received=)" \
  "received=400 expected=400 duplicates=0"
check "storm: exit status" "$status" 0
check_contains "storm: every exec served" "$out" "execs served 152 ("
check_contains "storm: none unserved" "$out" "not served 0,"
check_range "storm: no stuck process (ms)" "$elapsed_ms" 0 30000

finish
