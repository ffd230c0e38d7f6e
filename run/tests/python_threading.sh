# CPython's own test_threading (threads, locks, events, conditions,
# semaphores, barriers and timers, every one waiting with a timeout on a
# futex deadline) under vdso-run --rate 10, where it hung before timed
# waits followed the tree's clock (a 10 ms timeout became about an hour):
# it runs to the end within 300 s, its waits translated, and fails only
# what fails on the host too (each failure is rerun there, so the host's
# own run, over a minute, is not needed). Skipped without CPython's test
# suite (Debian: libpython3.11-testsuite).
source "$(dirname "$0")/lib.sh"
PYTHON=$(command -v python3) || skip_test "no python3"
"$PYTHON" -c 'import test.test_threading' 2>/dev/null ||
  skip_test "CPython's test suite is not installed (Debian: libpython3.11-testsuite)"
cd "$SCRATCH" || exit 1

start=$(date +%s%N)
timeout 300 "$VDSO_RUN" --rate 10 --stats "$PYTHON" -m unittest -v test.test_threading \
  >rate.log 2>&1
wall_ms=$((($(date +%s%N) - start) / 1000000))
ran=$(sed -n 's/^Ran \([0-9]*\) tests in \([0-9.]*\)s$/\1 \2/p' rate.log)
read -r tests tree_s <<<"${ran:-0 0}"
check_range "test_threading under --rate 10 ran to the end (tests)" "$tests" 100 100000
check_contains "test_threading under --rate 10: its waits were translated" "$(cat rate.log)" \
  "rate 10.000000, sleeps, timers, waits and file times translated"
failed=$(sed -n 's/^\(FAIL\|ERROR\): [^ ]* (\([^)]*\))$/\2/p' rate.log | sort -u)
if [ -n "$failed" ]; then
  # shellcheck disable=SC2086
  "$PYTHON" -m unittest $failed >host.log 2>&1
  check "the tests test_threading fails under --rate 10 fail on the host too" \
    "$(grep -cE '^(FAIL|ERROR): ' host.log)" "$(printf '%s\n' "$failed" | wc -l)"
  echo "NOTE: failing on the host and under --rate 10 alike: $(echo $failed)"
fi
echo "test_threading: $tests tests, ${tree_s} s of the tree's time in ${wall_ms} ms of real time"
[ "$tests" != 0 ] || tail -n 30 rate.log
finish
