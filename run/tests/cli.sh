# The command line, and bad input: each error exits 125 (ours), 126
# (cannot run) or 127 (not found) with a message naming the reason.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS

# expect_status NAME STATUS STDERR_NEEDLE COMMAND...
expect_status() {
  local name=$1 want=$2 needle=$3
  shift 3
  local err
  err=$("$@" 2>&1 >/dev/null)
  local status=$?
  check "$name: exit status" "$status" "$want"
  [ -n "$needle" ] && check_contains "$name: message" "$err" "$needle"
}

out=$("$VDSO_RUN" --help)
check "--help exits 0" "$?" 0
check_contains "--help" "$out" "Usage: vdso-run [OPTIONS] [--] PROGRAM [ARGS...]"
out=$("$VDSO_RUN" --version)
check "--version exits 0" "$?" 0
check_contains "--version" "$out" "vdso-run "

for bad in 0 10001 -5 abc 1e3 0x10 250Hz ""; do
  expect_status "--hz '$bad'" 125 "--hz" "$VDSO_RUN" --hz "$bad" true
done
expect_status "--hz without a value" 125 "--hz needs a value" "$VDSO_RUN" --hz
expect_status "unknown option" 125 "unknown option '--frobnicate'" "$VDSO_RUN" --frobnicate true
expect_status "no program" 125 "no PROGRAM" "$VDSO_RUN"
expect_status "only --" 125 "no PROGRAM" "$VDSO_RUN" --

out=$("$VDSO_RUN" --hz=20 $P/clockprobe-glibc-dynamic --steps 0)
check "--hz=20 form" "$(value res_ns "$out")" 50000000
out=$("$VDSO_RUN" --hz 10000 $P/clockprobe-glibc-dynamic --steps 0)
check "--hz 10000 (the maximum)" "$(value res_ns "$out")" 100000
out=$("$VDSO_RUN" --hz 1 $P/clockprobe-glibc-dynamic --steps 0)
check "--hz 1 (the minimum)" "$(value res_ns "$out")" 1000000000
out=$("$VDSO_RUN" -- $P/clockprobe-glibc-dynamic --quiet)
check "-- before PROGRAM; PROGRAM's own options pass through" "$out" "ours=yes"

# --verbose: one line per program served.
err=$("$VDSO_RUN" --verbose sh -c "$P/clockprobe-glibc-dynamic --quiet; true" 2>&1 >/dev/null)
check "--verbose: one line per program" "$(printf '%s\n' "$err" | grep -c 'our VDSO at 0x')" 2
check_contains "--verbose names the program" "$err" "clockprobe-glibc-dynamic: our VDSO at"
err=$("$VDSO_RUN" --stats true 2>&1 >/dev/null)
check_contains "--stats: ticks and lag" "$err" "worst lag"
check_contains "--stats: programs served" "$err" "execs served 1 (0 with a second stop), not served 0"
check_contains "--stats: supervisor cpu" "$err" "supervisor cpu"
# Every fd delivered is counted by the time the stats print: the program
# may exit as soon as the listener's answer installs the fd. A race, so
# not deterministic: 50 runs (~2 s) caught the old order about once in 4.
short_counts=0
for _ in $(seq 50); do
  case $("$VDSO_RUN" --stats true 2>&1 >/dev/null) in
    *"fds delivered 1,"*) ;;
    *) short_counts=$((short_counts + 1)) ;;
  esac
done
check "--stats: fds delivered counts every exec served (runs short of 50)" "$short_counts" 0
check_contains "--stats: the data page" "$err" "page: update"
# The live page, on demand: SIGUSR1 to vdso-run, while the program runs.
"$VDSO_RUN" sleep 1 2>"$SCRATCH/live" &
supervisor=$!
sleep 0.4
kill -USR1 $supervisor
wait $supervisor
check "SIGUSR1: the program is not disturbed" "$?" 0
check_contains "SIGUSR1: live page and counters" "$(cat "$SCRATCH/live")" "stats: page: update"

# Bad programs.
mkdir "$SCRATCH/dir"
printf 'not executable\n' >"$SCRATCH/plain"
printf '\177ELF\0\0\0garbage\0\0' >"$SCRATCH/binary" && chmod +x "$SCRATCH/binary"
printf '#!/bin/sh\necho "shebang $1"\n' >"$SCRATCH/shebang" && chmod +x "$SCRATCH/shebang"
printf 'echo "no shebang $1"\n' >"$SCRATCH/noshebang" && chmod +x "$SCRATCH/noshebang"
printf '#!/nonexistent/interpreter\n' >"$SCRATCH/badinterp" && chmod +x "$SCRATCH/badinterp"

expect_status "missing file" 127 "$SCRATCH/missing: No such file or directory" \
  "$VDSO_RUN" "$SCRATCH/missing"
expect_status "not in PATH" 127 "no-such-command-xyz: command not found" \
  "$VDSO_RUN" no-such-command-xyz
expect_status "empty program name" 127 "No such file or directory" "$VDSO_RUN" ""
expect_status "directory" 126 "$SCRATCH/dir: Is a directory" "$VDSO_RUN" "$SCRATCH/dir"
expect_status "not executable" 126 "$SCRATCH/plain: Permission denied" "$VDSO_RUN" "$SCRATCH/plain"
expect_status "non-ELF binary" 126 "$SCRATCH/binary: cannot execute binary file" \
  "$VDSO_RUN" "$SCRATCH/binary"
expect_status "script whose interpreter is missing" 127 "No such file or directory" \
  "$VDSO_RUN" "$SCRATCH/badinterp"
out=$("$VDSO_RUN" "$SCRATCH/shebang" arg)
check "script with #!" "$out/$?" "shebang arg/0"
out=$("$VDSO_RUN" "$SCRATCH/noshebang" arg)
check "script without #! runs with /bin/sh (as execvp does)" "$out/$?" "no shebang arg/0"
out=$(cd "$SCRATCH" && PATH="$SCRATCH:$PATH" "$VDSO_RUN" shebang viapath)
check "PATH search" "$out" "shebang viapath"

# vdso-run inside vdso-run: the inner one can neither add a second seccomp
# listener to the tree nor trace its child (already traced); it says so,
# with our own status.
expect_status "nested vdso-run" 125 "cannot install the seccomp filter" \
  "$VDSO_RUN" "$VDSO_RUN" true
# The outer one is unaffected: it still serves the tree and answers its
# clock system calls.
out=$("$VDSO_RUN" --hz 10 sh -c "\"$VDSO_RUN\" true 2>/dev/null; echo inner=\$?;
  \"$P/clockcalls-glibc-dynamic\" order 1000" 2>&1)
check "nested vdso-run: the inner one exits 125" "$(value inner "$out")" 125
check "nested vdso-run: the outer one still answers the clock system calls (tick)" \
  "$(value res_syscall_monotonic_coarse "$out")" 100000000
check "nested vdso-run: and they agree with the VDSO" "$(value disorder_monotonic_coarse "$out")" 0

# A program's own seccomp filter that returns SECCOMP_RET_TRACE: with no
# tracer asking for the stop, the call fails with ENOSYS, on the host and
# in the tree, with or without virtual time (where vdso-run does ask).
host=$("$P/ownfilter" trace 2>&1)
check "own RET_TRACE filter on the host" "$host" "$(printf 'getppid=ENOSYS\ngetpgrp=ENOSYS')"
check "own RET_TRACE filter under vdso-run: as on the host" "$("$VDSO_RUN" "$P/ownfilter" trace 2>&1)" "$host"
check "own RET_TRACE filter under virtual time: as on the host" \
  "$("$VDSO_RUN" --offset +1s "$P/ownfilter" trace 2>&1)" "$host"
# Strict mode cannot follow a filter (ours): EINVAL, as docs/vdso-run.md says.
check "SECCOMP_MODE_STRICT on the host" "$("$P/ownfilter" strict 2>&1)" strict=ok
check "SECCOMP_MODE_STRICT under vdso-run: EINVAL" "$("$VDSO_RUN" "$P/ownfilter" strict 2>&1)" strict=EINVAL

# A program that traces others cannot: its tree is already traced. It must
# fail cleanly, not hang.
if command -v strace >/dev/null; then
  err=$(timeout 20 "$VDSO_RUN" strace -o /dev/null true 2>&1)
  status=$?
  check "strace under vdso-run: fails, does not hang" "$([ $status -ne 0 ] && [ $status -ne 124 ] && echo failed)" failed
  check_contains "strace under vdso-run: says why" "$err" "Operation not permitted"
  # Traced itself by a tracer that follows children: the program is
  # already traced, and the message says by whom.
  err=$(timeout 20 strace -f -o /dev/null "$VDSO_RUN" -- true 2>&1)
  check "under strace -f: exit status" "$?" 125
  check_contains "under strace -f: names the outer tracer" "$err" "vdso-run is itself traced"
  check_contains "under strace -f: and which" "$err" "strace"
else
  skip "strace under vdso-run, vdso-run under strace -f" "strace is not installed"
fi

# Without privilege: no SCHED_FIFO (the ticker says what it got instead),
# an unprivileged seccomp filter (no_new_privs), and still served.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  mkdir -m 755 "$SCRATCH/nobody"
  cp "$VDSO_RUN" "$P/clockprobe-glibc-dynamic" "$SCRATCH/nobody/"
  chmod 755 "$SCRATCH" "$SCRATCH/nobody"/*
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$SCRATCH/nobody/vdso-run" --verbose --stats "$SCRATCH/nobody/clockprobe-glibc-dynamic" --steps 0 2>&1)
  check_contains "unprivileged: served" "$out" "ours=yes"
  check_contains "unprivileged: ticker falls back" "$out" "SCHED_OTHER (SCHED_FIFO refused"
  check_contains "unprivileged: filter under no_new_privs" "$out" "no_new_privs set"
  # Its clock system calls are answered (a process of the same uid can be
  # written into) ...
  cp "$P/clockcalls-glibc-dynamic" "$SCRATCH/nobody/"
  chmod 755 "$SCRATCH/nobody"/*
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$SCRATCH/nobody/vdso-run" --hz 10 "$SCRATCH/nobody/clockcalls-glibc-dynamic" order 1000 2>&1)
  check "unprivileged: clock system calls answered (tick)" \
    "$(value res_syscall_monotonic_coarse "$out")" 100000000
  check "unprivileged: and they agree with the VDSO" "$(value disorder_monotonic_coarse "$out")" 0
  # ... except in a process that made itself non-dumpable: the host
  # answers its calls, with one warning, and --stats counts them.
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SCRATCH/nobody/vdso-run" --stats \
    sh -c "\"$SCRATCH/nobody/clockcalls-glibc-dynamic\" undumpable 5;
    \"$SCRATCH/nobody/clockcalls-glibc-dynamic\" undumpable 5" 2>&1)
  check "unprivileged, non-dumpable: calls still succeed" "$(count ok=5 "$out")" 2
  check "unprivileged, non-dumpable: warned once" "$(printf '%s\n' "$out" | grep -c "cannot write into pid")" 1
  check_contains "unprivileged, non-dumpable: counted" "$out" "left to the host 10"
else
  skip "vdso-run as an unprivileged user" "needs root (to become uid 65534) and setpriv"
fi

finish
