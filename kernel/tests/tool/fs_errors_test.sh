#!/usr/bin/env bash
# The file system's error matrix from the outside: user/fs_errors.c makes
# each call of the matrix (open, openat, read, lseek, pread64, getdents64,
# stat, readlink, access, chdir, mkdir, rmdir, unlink, rename, renameat2,
# truncate, utimensat, EMFILE at 32 descriptors) in a scratch directory
# and prints its answer; on vdso-kernel (in /tmp, the RAM file system)
# every line must be the one the host's Linux prints (in a fresh
# directory of its own). Skipped (77) where the host cannot run it.
# usage: fs_errors_test.sh BUILD/bin/vdso-kernel-run BUILD/kernel/user
set -uo pipefail
tool=$1 user=$2
source "$(dirname "$0")/../../../testing/check.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

host_status=127
if [ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ]; then
  "$user/fs_errors-glibc" "$work/scratch" >"$work/linux" 2>"$work/linux.err"
  host_status=$?
fi
if [ "$host_status" -ne 0 ]; then
  echo "SKIP the host cannot run the matrix to compare with (status $host_status)"
  cat "$work/linux.err" 2>/dev/null
  exit 77
fi
echo "host: $(uname -sr), $(grep -c ' -> ' "$work/linux") calls"
for run in "glibc default" "musl max"; do
  read -r libc cpu <<<"$run"
  cpu_args=()
  [ "$cpu" = default ] || cpu_args=(--cpu "$cpu")
  "$tool" "${cpu_args[@]}" "$user/fs_errors-$libc" >"$work/kernel" 2>"$work/kernel.err"
  status=$?
  check "fs_errors ($libc) runs to its end on vdso-kernel, CPU $cpu (status $status)" \
    [ "$status" -eq 0 ]
  if ! diff "$work/linux" "$work/kernel" >"$work/diff"; then
    sed 's/^/     /' "$work/diff" | head -40
  fi
  check "every answer ($libc, CPU $cpu) is the host Linux's" [ ! -s "$work/diff" ]
done
[ "$failures" -eq 0 ]
