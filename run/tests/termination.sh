# A terminating signal (SIGTERM, SIGINT, SIGHUP) sent to vdso-run ends the
# whole tree, as a user of `timeout` expects: it is forwarded to the
# program, which decides; once the program has ended, every process left
# in the tree gets it; 2 s later vdso-run kills what still runs and exits.
# Each check also proves that no process of the tree is left behind. The
# time bounds only tell the outcomes apart (2 s, 4 s, the sleeps' 16 s):
# wide enough for a loaded machine.
source "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# A sleep no other process on this machine runs: pgrep finds only ours.
TAG=$$$RANDOM
long_sleep="sleep 16.$TAG"
# left: how many of our sleeps still run, after at most 1 s of dying.
left() {
  for _ in $(seq 20); do
    pgrep -f "sleep 16\.$TAG" >/dev/null || break
    sleep 0.05
  done
  pgrep -cf "sleep 16\.$TAG"
}

# The issue's case: an orphan in its own session outlived `timeout 2`.
start=$(now_ms)
timeout 2 "$VDSO_RUN" sh -c "setsid $long_sleep & $long_sleep"
status=$?
elapsed=$(($(now_ms) - start))
check "timeout 2, an orphan in another session: timeout's status" "$status" 124
check_range "timeout 2, an orphan in another session: returns after the timeout, not the orphan's 16 s (ms)" \
  "$elapsed" 1900 10000
check "timeout 2, an orphan in another session: no process left" "$(left)" 0

# A process of the tree that ignores the signal: killed after the grace.
start=$(now_ms)
err=$(timeout 2 "$VDSO_RUN" sh -c "setsid sh -c 'trap \"\" TERM; $long_sleep' & $long_sleep" 2>&1)
status=$?
elapsed=$(($(now_ms) - start))
check "one that ignores SIGTERM: timeout's status" "$status" 124
check_range "one that ignores SIGTERM: killed 2 s after the program ended, not after 16 s (ms)" \
  "$elapsed" 3900 12000
check_contains "one that ignores SIGTERM: vdso-run says so" "$err" "after signal 15: killed"
check "one that ignores SIGTERM: no process left" "$(left)" 0

# The program itself is never hurried: its cleanup may outlast the grace.
start=$(now_ms)
out=$(timeout 1 "$VDSO_RUN" sh -c "trap 'sleep 3; echo cleaned up; exit 7' TERM; $long_sleep & wait")
status=$?
elapsed=$(($(now_ms) - start))
check "a program that cleans up on SIGTERM: finishes its cleanup" "$out" "cleaned up"
check "a program that cleans up on SIGTERM: timeout's status" "$status" 124
check_range "a program that cleans up on SIGTERM: took its 3 s (ms)" "$elapsed" 3900 15000
check "a program that cleans up on SIGTERM: no process left" "$(left)" 0

# SIGTERM to vdso-run alone (not to its process group, as timeout does):
# the program's background job in the same group is ended too.
"$VDSO_RUN" sh -c "$long_sleep & $long_sleep" &
supervisor=$!
sleep 0.5
start=$(now_ms)
kill -TERM $supervisor
wait $supervisor
status=$?
elapsed=$(($(now_ms) - start))
check "kill -TERM of vdso-run: the program's status" "$status" 143
check_range "kill -TERM of vdso-run: the tree ends at once, before any grace (ms)" "$elapsed" 0 1900
check "kill -TERM of vdso-run: no process left" "$(left)" 0

# Without a terminating signal, vdso-run still waits for the whole tree.
start=$(now_ms)
"$VDSO_RUN" sh -c "setsid sleep 1.$TAG &"
elapsed=$(($(now_ms) - start))
check_range "no signal: vdso-run waits for the orphan (ms)" "$elapsed" 900 3000

pkill -f "sleep 16\.$TAG"  # a failed check must leave nothing running either
finish
