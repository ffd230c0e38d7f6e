# Exit status: the first program's code, 128+signal if a signal killed it
# (with a message naming program and signal), never a descendant's.
source "$(dirname "$0")/lib.sh"

for code in 0 1 7 125 126 127 255; do
  "$VDSO_RUN" sh -c "exit $code"
  check "exit $code" "$?" "$code"
done
"$VDSO_RUN" sh -c 'sh -c "exit 3"; exit 4'
check "the first program's status, not a child's" "$?" 4

for signal in SEGV KILL TERM ABRT; do
  err=$("$VDSO_RUN" sh -c "kill -$signal \$\$" 2>&1)
  status=$?
  number=$(kill -l "$signal")
  check "killed by SIG$signal" "$status" $((128 + number))
  [ "$signal" != KILL ] || [ -n "$err" ] && check_contains "SIG$signal: message" "$err" "terminated by signal $number"
done
err=$("$VDSO_RUN" sh -c 'kill -INT $$' 2>&1)
check "SIGINT: 130 and no message, as a shell does" "$?/$err" "130/"

# SIGPIPE in a pipeline: yes(1) dies of it, quietly.
"$VDSO_RUN" yes 2>"$SCRATCH/err" | head -n 1 >/dev/null
check "SIGPIPE in a pipeline: 141" "${PIPESTATUS[0]}" 141
check "SIGPIPE: no message" "$(cat "$SCRATCH/err")" ""

finish
