#!/usr/bin/env bash
# vdso-kernel-run from the outside: exit statuses (the program's, 128+signal,
# 124 on --timeout, 125 for what cannot run), stdout and stderr kept apart
# and free of the kernel's log, arguments passed byte for byte, --hz,
# --cpus and --verbose (the system-call counts).
# usage: vdso_kernel_run_test.sh BUILD/bin/vdso-kernel-run BUILD/kernel/user
set -uo pipefail
tool=$1 user=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# run NAME WANT_STATUS ARGS... : runs the tool, keeps stdout/stderr in files
run() {
  local name=$1 want=$2
  shift 2
  "$tool" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then
    echo "ok   $name: status $got"
  else
    echo "FAIL $name: status $got, want $want"
    sed 's/^/     out: /' "$work/out" | tail -5
    sed 's/^/     err: /' "$work/err" | tail -10
    failures=$((failures + 1))
  fi
}
# expect FILE(out|err) TEXT: the stream contains TEXT
expect() {
  if grep -qF -- "$2" "$work/$1"; then
    echo "ok     $1 has '$2'"
  else
    echo "FAIL   $1 lacks '$2'"
    failures=$((failures + 1))
  fi
}
refuse() {
  if grep -qF -- "$2" "$work/$1"; then
    echo "FAIL   $1 has '$2'"
    failures=$((failures + 1))
  else
    echo "ok     $1 is free of '$2'"
  fi
}

run "glibc hello with arguments" 7 "$user/hello-glibc" 7 "two words" 'odd%chars*'
expect out "hello from static glibc: argc=4"
expect out "[two words] [odd%chars*]"
expect err "hello on stderr"
refuse out "hello on stderr"
refuse out "vdso-kernel: booting"
refuse err "vdso-kernel: booting"

run "static-pie hello" 0 "$user/hello-pie"
expect out "hello from static glibc (static-pie)"
run "musl hello killed by SIGSEGV" 139 "$user/hello-musl" segv
expect err "killed by signal 11 (SIGSEGV)"
run "dynamically linked program" 125 /bin/true
expect err "not a static x86_64 ELF executable (dynamically linked"
run "malformed ELF" 125 "$user/bad/segment-in-kernel-half"
expect err "a segment lies outside user space"
run "missing program" 125 "$work/no-such-program"
run "not a program" 125 "$user/bad/shell-script"
run "bad option" 125 --hz 3 "$user/hello-glibc"
run "--cpus 0" 125 --cpus 0 "$user/hello-glibc"
expect err "--cpus must be 1..16"
run "--cpus 17" 125 --cpus 17 "$user/hello-glibc"
expect err "--cpus must be 1..16"
run "--cpus two" 125 --cpus two "$user/hello-glibc"
expect err "--cpus must be 1..16"
run "--cpus 3: the kernel finds three CPUs" 0 --cpus 3 --verbose "$user/configuration-musl"
expect out "cpus configured=3 online=3"
expect err "smp: 3 CPUs running"
run "hang stopped by --timeout" 124 --timeout 3 "$user/hello-glibc" hang
expect err "did not finish within 3 s"
run "clocks at --hz 250" 0 --hz 250 "$user/clocks-glibc" 250
expect out "clocks: PASS"
run "--verbose counts system calls" 0 --verbose "$user/coarse_only-glibc"
expect err " clock_gettime=1 "
expect err "[kernel] vdso-kernel: booting"

run "stdout is binary-safe" 0 "$user/hello-musl" bytes
for i in $(seq 0 255); do printf "\\$(printf %03o "$i")"; done >"$work/all-bytes"
if cmp -s "$work/out" "$work/all-bytes"; then
  echo "ok     stdout carried all 256 byte values unchanged"
else
  echo "FAIL   stdout changed the bytes: $(od -An -tx1 "$work/out" | head -2)"
  failures=$((failures + 1))
fi

cp "$user/hello-musl" "$work/my prog%"
run "a program name with odd bytes" 0 "$work/my prog%"
expect out "[/my_prog_]"

run "--add: a parent that forks, execs and waits" 0 --add "$user/hello-glibc" \
  "$user/spawn-glibc" /hello-glibc
expect out "spawn: PASS"
run "--add FILE=/PATH: a program at a path of its own, run by another" 0 \
  --add "$user/hello-glibc=/sub/dir/hello" "$user/spawn-glibc" /sub/dir/hello
expect out "spawn: PASS"
run "--add of a missing file" 125 --add "$work/missing" "$user/hello-glibc"
expect err "--add $work/missing: No such file or directory"

# The whole malformed-ELF matrix is refused on the host, before any boot.
for bad in "$user"/bad/*; do
  "$tool" "$bad" >/dev/null 2>"$work/err"
  status=$?
  if [ $status -eq 125 ] && grep -qF "not a static x86_64 ELF executable" "$work/err"; then
    echo "ok   refused on the host: $(basename "$bad")"
  else
    echo "FAIL not refused (status $status): $(basename "$bad")"
    failures=$((failures + 1))
  fi
done

echo "vdso_kernel_run_test: $([ $failures -eq 0 ] && echo PASS || echo "FAILED ($failures)")"
[ $failures -eq 0 ]
