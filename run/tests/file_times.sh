# File times on the tree's clock (--file-times, file_times.h): a file the
# tree touches "now" reads back as the tree's now (statx through coreutils,
# newfstatat through Python, fstat through a static musl or glibc program
# is the same code path in the tracer), a time it sets explicitly reads back
# as set while the host keeps its own, and make under --offset -1d warns of
# no clock skew (which it does without the option).
source "$(dirname "$0")/lib.sh"
AT=2147483647 # 2038-01-19T03:14:07Z
cd "$SCRATCH" || exit 1

out=$("$VDSO_RUN" --at @$AT --file-times sh -c \
  'touch now; stat -c %Y now; touch -d @2000000000 set; stat -c %Y set
   python3 -c "import os; print(int(os.stat(\"now\").st_mtime))" 2>/dev/null || echo none')
read -r now set python_now <<<"$(echo $out)"
check_range "--at 2038 --file-times: a file touched now reads the tree's now (stat, s)" \
  "$now" $AT $((AT + 30))
check "--at 2038 --file-times: a time set reads back as set (touch -d, stat)" "$set" 2000000000
if [ "$python_now" != none ]; then
  check_range "--at 2038 --file-times: os.stat reads the tree's now too (s)" \
    "$python_now" $AT $((AT + 30))
fi
host_now=$(date +%s)
check_range "--at 2038 --file-times: the host sees its own time on that file (s)" \
  "$(stat -c %Y now)" $((host_now - 30)) "$host_now"
check "--at 2038 --file-times: the host sees the time set, in its own clock" \
  "$([ "$(stat -c %Y set)" -lt 2000000000 ] && echo earlier || echo same)" earlier
# Without the option, file times stay the host's.
"$VDSO_RUN" --at @$AT touch plain
check_range "--at 2038 alone: file times stay real (s)" \
  "$("$VDSO_RUN" --at @$AT stat -c %Y plain)" $((host_now - 30)) $((host_now + 30))

# make under --offset -1d: every file it sees was written "tomorrow"
# unless file times are the tree's.
printf 'out: in\n\tcp in out\n' >Makefile
echo x >in
# The touch waits a second: the kernel stamps files from its coarse clock,
# so a touch within the tick of make's cp gives `in` the same time as
# `out`, and make rightly rebuilds nothing (an idle machine got there).
out=$("$VDSO_RUN" --offset -1d --file-times sh -c 'make; sleep 1; touch in; make' 2>&1)
check "--offset -1d --file-times: make rebuilt after the touch" "$(count "cp in out" "$out")" 2
check "--offset -1d --file-times: make warns of no clock skew" \
  "$(printf '%s\n' "$out" | grep -ci 'skew\|in the future')" 0
rm -f out
out=$("$VDSO_RUN" --offset -1d make 2>&1)
check_contains "--offset -1d without --file-times: make sees the skew (what the option mends)" \
  "$out" "Clock skew detected"
finish
