# Seed step 4 for every way a tree makes programs: each exec'd probe must
# find our image (one "ours=yes" line per probe).
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS
probe="$P/clockprobe-glibc-dynamic --quiet"

# expect_served NAME EXPECTED_COUNT COMMAND...
expect_served() {
  local name=$1 want=$2
  shift 2
  local out
  out=$("$VDSO_RUN" "$@" 2>&1)
  check "$name: probes served" "$(count ours=yes "$out")/$(count ours=no "$out")" "$want/0"
}

expect_served "sh -c, one program (exec'd in place)" 1 sh -c "$probe"
expect_served "sh -c, fork+exec of each" 3 sh -c "$probe; $probe; $P/clockprobe-musl-static --quiet"
expect_served "exec chain" 1 sh -c "exec sh -c 'exec $probe'"
expect_served "nested shells" 1 sh -c "sh -c 'sh -c \"$probe\"; true'; true"
expect_served "pipeline" 3 sh -c "$probe | cat; $probe | $P/clockprobe-musl-dynamic --quiet; $probe | grep ours"
expect_served "20 programs in a loop" 20 sh -c "i=0; while [ \$i -lt 20 ]; do $probe; i=\$((i+1)); done"
for mode in fork vfork posix_spawn thread_exec; do
  expect_served "spawner $mode" 1 "$P/spawner" $mode $P/clockprobe-glibc-dynamic --quiet
done
expect_served "posix_spawn of a static musl program" 1 \
  "$P/spawner" posix_spawn $P/clockprobe-musl-static --quiet
if [ -x "$P/goprobe" ]; then
  out=$("$VDSO_RUN" sh -c "$P/goprobe | grep ^ours=" 2>&1)
  check "go program started by a shell" "$out" "ours=yes"
else
  skip "go program started by a shell" "goprobe was not built (no go toolchain at configure time)"
fi

# An orphan: its parent exits at once, it is reparented to vdso-run (the
# subreaper) and execs later. vdso-run waits for the whole tree and exits
# with the first program's status.
start=$(date +%s%N)
out=$("$VDSO_RUN" sh -c "(sleep 0.3; exec $probe) & exit 3" 2>&1)
status=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "orphan: served after its parent exited" "$out" "ours=yes"
check "orphan: status is the first program's" "$status" 3
check_range "orphan: vdso-run waited for it (ms)" "$elapsed_ms" 300 5000

# Threads of a served program keep working (clone events).
out=$("$VDSO_RUN" --stats "$P/spawner" thread_exec "$P/spawner" fork $P/clockprobe-glibc-static --quiet 2>&1)
check_contains "thread_exec then fork" "$out" "ours=yes"
check_contains "stats count the thread" "$out" "threads 1"

# Where a program cannot reach the supervisor through /proc: the data page's
# fd arrives by seccomp user notification, so these are served too.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$SCRATCH/root"
  cp "$P/clockprobe-musl-static" "$SCRATCH/root/probe"
  # No /proc to name the mapping: the coarse clock's steps tell.
  out=$("$VDSO_RUN" --hz 10 chroot "$SCRATCH/root" /probe --steps 3 2>&1)
  check_range "chroot without /proc: steps at --hz 10 (ns)" "$(value step_ns "$out")" \
    90000000 110000000
  out=$("$VDSO_RUN" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$SCRATCH/root/probe" --quiet 2>&1)
  check "after a uid drop" "$out" "ours=yes"
  if unshare --pid --fork true 2>/dev/null; then
    out=$("$VDSO_RUN" unshare --pid --fork --mount-proc "$SCRATCH/root/probe" --quiet 2>&1)
    check "in a new pid namespace" "$out" "ours=yes"
  else
    skip "in a new pid namespace" "unshare --pid is refused here"
  fi
else
  skip "chroot, uid drop, new pid namespace" "they need root"
fi

# A big environment: the auxv lies beyond the first read of the stack.
out=$(env $(seq -f 'VDSO_RUN_TEST_%g=x' 4000) "$VDSO_RUN" $P/clockprobe-musl-dynamic --quiet 2>&1)
check "4000 environment variables" "$out" "ours=yes"

# A program that cannot take one more fd: the stub fails, says why, and the
# program runs on with the host's vDSO (jumping stub and trapping stub).
for verbose in "" --verbose; do
  out=$("$VDSO_RUN" $verbose sh -c "ulimit -n 3; exec $P/clockprobe-glibc-static --quiet" 2>&1)
  check_contains "no free fd ${verbose:-(jump)}: runs with the host vDSO" "$out" "ours=no"
  check_contains "no free fd ${verbose:-(jump)}: says why" "$out" \
    "without our VDSO: receiving the data page's fd: Too many open files"
done

# A set-user-ID program: served. Under a root vdso-run exec gives it its
# privilege, as on the host, and nothing is said; under an unprivileged
# one the kernel withholds it, and vdso-run warns.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  chmod 755 "$SCRATCH"
  mkdir -m 755 "$SCRATCH/setid"
  cp "$VDSO_RUN" "$(command -v id)" "$P/clockprobe-glibc-static" "$SCRATCH/setid/"
  cp "$(command -v id)" "$SCRATCH/setid/id-root"
  chown 65534 "$SCRATCH/setid/id" "$SCRATCH/setid/clockprobe-glibc-static"
  chmod 4755 "$SCRATCH/setid/id" "$SCRATCH/setid/id-root" "$SCRATCH/setid/clockprobe-glibc-static"
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  if [ "$("$SCRATCH/setid/id" -u)" = 65534 ] && [ "$(as_nobody "$SCRATCH/setid/id-root" -u)" = 0 ]; then
    out=$("$VDSO_RUN" "$SCRATCH/setid/clockprobe-glibc-static" --quiet 2>&1)
    check_contains "set-user-ID program: served" "$out" "ours=yes"
    out=$("$VDSO_RUN" "$SCRATCH/setid/id" -u 2>&1)
    check "set-user-ID program under a root vdso-run: has its privilege, no warning" "$out" 65534
    out=$(as_nobody "$SCRATCH/setid/vdso-run" "$SCRATCH/setid/id-root" -u 2>&1)
    check "set-user-ID program under an unprivileged vdso-run: runs without it" \
      "$(printf '%s\n' "$out" | tail -n 1)" 65534
    check_contains "set-user-ID program under an unprivileged vdso-run: warned" "$out" \
      "is set-user-ID or set-group-ID; under an unprivileged vdso-run"
  else
    skip "set-user-ID programs" "set-user-ID does not take effect in $SCRATCH (nosuid?)"
  fi
else
  skip "set-user-ID programs" "they need root (to own the programs as another user) and setpriv"
fi

finish
