# Shared by the vdso-run test scripts: bash <script> [VDSO_RUN PROGRAMS_DIR].
# Without arguments (by hand, from anywhere) a script tests the build tree
# beside its sources: BUILD/bin/vdso-run and BUILD/run/tests/programs, with
# BUILD the environment's VDSO_BUILD_DIR or else build/ at the top of the
# sources. It first prints what it checks (its opening comment); each check
# then prints PASS or FAIL with what it saw; the script fails if any check
# failed.
set -u
if [ $# -ne 0 ] && [ $# -ne 2 ]; then
  echo "usage: $0 [VDSO_RUN PROGRAMS_DIR]" >&2
  exit 2
fi
BUILD=${VDSO_BUILD_DIR:-$(dirname "${BASH_SOURCE[0]}")/../../build}
VDSO_RUN=$(realpath -m "${1:-$BUILD/bin/vdso-run}")
PROGRAMS=$(realpath -m "${2:-$BUILD/run/tests/programs}")
if [ ! -x "$VDSO_RUN" ] || [ ! -d "$PROGRAMS" ]; then
  echo "$0: no vdso-run at $VDSO_RUN or no test programs in $PROGRAMS:" \
    "build first (make build), set VDSO_BUILD_DIR, or pass VDSO_RUN PROGRAMS_DIR" >&2
  exit 2
fi
echo "== $(basename "$0") ($VDSO_RUN):"
sed -n '/^#/!q; s/^# \{0,1\}/   /p' "$0"
FAILURES=0
SKIPS=0
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  FAILURES=$((FAILURES + 1))
}

# skip NAME REASON: a check this host cannot run (a missing tool, no
# privilege, no i386 support). The script then ends as skipped (exit 77,
# the tests' SKIP_RETURN_CODE) even if every other check passed: a check
# that did not run is never reported as passed.
skip() {
  echo "SKIP: $1: $2"
  SKIPS=$((SKIPS + 1))
}

# check NAME ACTUAL EXPECTED
check() {
  if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', expected '$3'"; fi
}

# check_range NAME VALUE LOW HIGH (integers, inclusive)
check_range() {
  if [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
    pass "$1 ($2 in [$3, $4])"
  else
    fail "$1: got '$2', expected within [$3, $4]"
  fi
}

# check_step NAME LOW HIGH COMMAND...: the coarse step (step_ns=) that
# COMMAND prints lies in [LOW, HIGH] in one of three runs. A loaded host
# delays the supervisor's tick now and then, and a delayed tick makes a
# long step; a wrong tick rate misses the range every time.
check_step() {
  local name=$1 low=$2 high=$3 step="" tries=""
  shift 3
  for attempt in 1 2 3; do
    step=$(value step_ns "$("$@")")
    tries="$tries $step"
    if [ -n "$step" ] && [ "$step" -ge "$low" ] && [ "$step" -le "$high" ]; then
      pass "$name ($step in [$low, $high], attempt $attempt)"
      return
    fi
  done
  fail "$name: got$tries, expected within [$low, $high]"
}

# check_contains NAME TEXT NEEDLE
check_contains() {
  case "$2" in
    *"$3"*) pass "$1 (has '$3')" ;;
    *) fail "$1: '$3' not in: $2" ;;
  esac
}

# value KEY TEXT: the value of KEY=... in TEXT
value() { printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1; }

# count NEEDLE TEXT: lines of TEXT equal to NEEDLE
count() { printf '%s\n' "$2" | grep -cxF -- "$1"; }

finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed"
    exit 1
  fi
  if [ "$SKIPS" -ne 0 ]; then
    echo "every check that ran passed; $SKIPS check(s) skipped (the SKIP lines say why)"
    exit 77
  fi
  echo "all checks passed"
}

# skip_test REASON: the host cannot run this test at all; it ends now, and
# CTest reports it skipped (SKIP_RETURN_CODE 77), never passed. (skip, above,
# skips one check and lets the others run.)
skip_test() {
  echo "SKIP: $*"
  exit 77
}

# guard_host_clock: a test whose programs set the time records the host's
# REALTIME - BOOTTIME first (programs/settime --host-offset). check_host_clock
# is its check that the host's clock did not move; should it have, the
# clock is put back at once, and at exit in any case, so that a failing test
# never leaves the machine on a wrong date.
guard_host_clock() {
  HOST_OFFSET_NS=$("$PROGRAMS/settime" --host-offset)
  trap 'restore_host_clock >/dev/null; rm -rf "$SCRATCH"' EXIT
}
# Prints how far the host's clock moved, in ns; puts it back beyond 100 ms.
restore_host_clock() {
  local moved
  moved=$(($("$PROGRAMS/settime" --host-offset) - HOST_OFFSET_NS))
  moved=${moved#-}
  if [ "$moved" -gt 100000000 ]; then
    "$PROGRAMS/settime" --restore-host "$HOST_OFFSET_NS" >&2
  fi
  echo "$moved"
}
check_host_clock() {
  local moved
  moved=$(restore_host_clock)
  if [ "$moved" -le 100000000 ]; then
    pass "$1: the host's clock did not move (REALTIME - BOOTTIME changed by $moved ns)"
  else
    fail "$1: the host's clock moved by $moved ns (put back)"
  fi
}
