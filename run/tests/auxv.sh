# The kernel's copy of the auxiliary vector (/proc/self/auxv) names our
# image too, where the program may rewrite it: the stub calls
# PR_SET_MM_AUXV, which needs CAP_SYS_RESOURCE. Without it (this
# development machine's root lacks it) the check is reported skipped.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS

out=$("$P/auxvprobe")
check "auxv: the host's copy agrees with the stack" "$(value memory "$out")" "$(value proc "$out")"
if [ $((0x$(sed -n 's/^CapEff:\t//p' /proc/self/status) >> 24 & 1)) = 1 ]; then
  out=$("$VDSO_RUN" --verbose "$P/auxvprobe" 2>&1)
  ours=$(printf '%s\n' "$out" | sed -n 's/.*our VDSO at 0x\([0-9a-f]*\).*/\1/p')
  check "auxv: the program sees our image" "$(value memory "$out")" "$ours"
  check "auxv: /proc/self/auxv names our image (CAP_SYS_RESOURCE)" "$(value proc "$out")" "$ours"
else
  skip "/proc/self/auxv names our image" "no CAP_SYS_RESOURCE here, which PR_SET_MM_AUXV needs"
fi

finish
