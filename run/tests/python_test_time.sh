# CPython's own test_time (which sets the clock: clock_settime(CLOCK_REALTIME,
# its own reading), and an hour back and forth) under vdso-run
# --at 2038-01-19T03:14:07Z, as root: it passes, and the host's clock stays
# where it was. Needs Debian's libpython3.X-testsuite (or the path of a
# test_time.py in VDSO_TEST_TIME_PY); skipped without it or without root.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_test "not root: test_time's clock_settime would only test EPERM"
PYTHON=$(command -v python3) || skip_test "no python3"
if [ -n "${VDSO_TEST_TIME_PY:-}" ]; then
  test_time=$VDSO_TEST_TIME_PY
else
  test_time=$("$PYTHON" -c 'import test.test_time as t; print(t.__file__)' 2>/dev/null) ||
    skip_test "CPython's test suite is not installed (Debian: libpython3-testsuite)"
fi
[ -r "$test_time" ] || skip_test "no $test_time"
cp "$test_time" "$SCRATCH/test_time.py"
guard_host_clock
out=$(cd "$SCRATCH" && timeout 300 "$VDSO_RUN" --at 2038-01-19T03:14:07Z "$PYTHON" -m unittest -v test_time 2>&1)
rc=$?
check "test_time under --at 2038-01-19T03:14:07Z exits 0" "$rc" 0
check_contains "test_clock_settime ran" "$out" "test_clock_settime (test_time.TimeTestCase.test_clock_settime) ... ok"
check_contains "test_monotonic_settime ran" "$out" "test_monotonic_settime (test_time.TimeTestCase.test_monotonic_settime) ... ok"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -n 30
check_host_clock "test_time"
finish
