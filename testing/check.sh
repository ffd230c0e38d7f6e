# Shell test support shared by the tool tests (kernel/tests/tool/,
# tests/install/): `check WHAT COMMAND...` runs COMMAND and prints one ok or
# FAIL line; `failures` counts the failed ones. Source it, then end with
# `[ "$failures" -eq 0 ]`.
failures=0

check() {  # check WHAT COMMAND...: the command succeeds
  local what=$1
  shift
  if "$@"; then
    echo "ok   $what"
  else
    echo "FAIL $what"
    failures=$((failures + 1))
  fi
}
