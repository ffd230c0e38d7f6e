# 32-bit programs under vdso-run: the seccomp filter answers x86_64 clock
# calls only, so an i386 program's (numbered differently: its 201 is
# geteuid32, x86_64's time) reach the host kernel, and the program runs.
#
# Many x86_64 kernels cannot run i386 programs at all (IA-32 emulation
# built out, or ia32_emulation=0 at boot): execve gives ENOEXEC even
# outside vdso-run. The host is probed first and the checks are then
# reported as skipped, with the reason, never as passed.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS

stat() { printf '%s\n' "$2" | sed -n "s/.*clock system calls.*$1 \([0-9]*\).*/\1/p"; }

if [ ! -e "$P/clock32" ]; then
  skip "32-bit program under vdso-run" "clock32 was not built (the compiler cannot link i386 code)"
  finish
fi
err=$("$P/clock32" 2>&1 >/dev/null)
status=$?
if [ $status -eq 126 ] && [[ "$err" == *"Exec format error"* ]]; then
  skip "32-bit program under vdso-run" \
    "this kernel cannot run i386 programs (execve of clock32 is ENOEXEC: no IA-32 emulation)"
  finish
fi
check "32-bit program on the host" "$status" 0
out=$("$VDSO_RUN" --stats "$P/clock32" 2>&1)
check "32-bit program under vdso-run: its calls reach the host" "$?" 0
check_contains "32-bit program under vdso-run: warned that it is not served" "$out" "32-bit program"
check "32-bit program under vdso-run: none answered by vdso-run" "$(stat answered "$out")" 0

finish
