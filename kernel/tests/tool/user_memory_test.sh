#!/usr/bin/env bash
# User memory from the outside (issue 14), on both CPU models (QEMU's
# default and -cpu max, where SMAP is on), the fuzzer also on 2 CPUs:
#   1. the issue's program (user/vdso_header.c) writes the VDSO image's ELF
#      header, 16 bytes, to stdout;
#   2. the pointer fuzzer (user/pointer_fuzz.c) gives, call for call, the
#      answers the host's Linux gives when it runs the same static binary:
#      the lines name each pointer by its kind and offset, never by its
#      address. Skipped (exit 77) where the host cannot run it (not an
#      x86_64 Linux).
# usage: user_memory_test.sh BUILD/bin/vdso-kernel-run BUILD/kernel/user
set -uo pipefail
tool=$1 user=$2
source "$(dirname "$0")/../../../testing/check.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# e_ident of a 64-bit little-endian ELF of version 1, System V ABI.
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000' >"$work/ident"
for cpu in default max; do
  cpu_args=()
  [ "$cpu" = default ] || cpu_args=(--cpu "$cpu")

  "$tool" "${cpu_args[@]}" "$user/vdso_header-glibc" >"$work/header" 2>"$work/header.err"
  status=$?
  check "issue 14's program exits 0 on CPU $cpu (status $status)" [ "$status" -eq 0 ]
  check "it wrote the image's ELF header on CPU $cpu ($(od -An -c "$work/header" | head -1))" \
    cmp -s "$work/header" "$work/ident"
done

# The host is the reference only where it runs the binary at all; where
# it runs it, its lines are the reference even if the fuzzer's own checks
# failed there (then the fuzzer's idea of Linux is wrong, and the diff says
# where).
host_status=127
if [ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ]; then
  "$user/pointer_fuzz-glibc" >"$work/linux" 2>"$work/linux.err"
  host_status=$?
fi
if [ "$host_status" -eq 126 ] || [ "$host_status" -eq 127 ]; then
  echo "SKIP the host cannot run the pointer fuzzer to compare with (status $host_status)"
  [ "$failures" -eq 0 ] || exit 1
  exit 77
fi
echo "host: $(uname -sr), $(grep -c ' -> ' "$work/linux") calls, status $host_status"
# Both CPU models, and two CPUs (where another CPU may run the process's
# children and the kernel's TLB shootdowns happen).
for cpu in default max cpus2; do
  case $cpu in
    default) cpu_args=() ;;
    cpus2) cpu_args=(--cpus 2) ;;
    *) cpu_args=(--cpu "$cpu") ;;
  esac
  for libc in glibc musl; do
    started_ns=$(date +%s%N)
    "$tool" "${cpu_args[@]}" "$user/pointer_fuzz-$libc" >"$work/kernel" 2>"$work/kernel.err"
    status=$?
    ms=$((($(date +%s%N) - started_ns) / 1000000))
    check "pointer fuzzer ($libc) passes on vdso-kernel, CPU $cpu (status $status, $ms ms)" \
      [ "$status" -eq 0 ]
    # The first line names the libc; every other line must be the host's.
    if ! diff <(tail -n +2 "$work/linux") <(tail -n +2 "$work/kernel") >"$work/diff"; then
      sed 's/^/     /' "$work/diff" | head -20
    fi
    check "every answer ($libc, CPU $cpu) is the host Linux's" [ ! -s "$work/diff" ]
  done
done
[ "$failures" -eq 0 ]
