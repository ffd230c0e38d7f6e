# Seed step 5 by real libcs: glibc (dynamic, static), musl (dynamic,
# static) and Go bind our image, and its coarse clocks step at --hz.
source "$(dirname "$0")/lib.sh"

for build in glibc-dynamic glibc-static musl-dynamic musl-static; do
  probe=$PROGRAMS/clockprobe-$build
  out=$("$VDSO_RUN" --hz 10 "$probe" --steps 3)
  check "$build: AT_SYSINFO_EHDR is our image" "$(value ours "$out")" yes
  check_contains "$build: mapping" "$(value vdso_mapping "$out")" "memfd:vdso-run"
  check_step "$build: --hz 10 coarse step (ns)" 90000000 110000000 "$VDSO_RUN" --hz 10 "$probe" --steps 3
  check "$build: coarse and fine clocks agree" "$(value coherent "$out")" yes
  # glibc asks the VDSO, musl makes the system call: both are our tick.
  check "$build: clock_getres is our tick" "$(value res_ns "$out")" 100000000
done

# The host's own clock, for contrast: not our image, the host's tick.
out=$("$PROGRAMS/clockprobe-glibc-dynamic" --steps 3)
check "without vdso-run: host vDSO" "$(value ours "$out")" no

out=$("$VDSO_RUN" "$PROGRAMS/clockprobe-glibc-dynamic" --steps 5)
check "default --hz 250: resolution" "$(value res_ns "$out")" 4000000
check_step "default --hz 250: coarse step (ns)" 3600000 4400000 \
  "$VDSO_RUN" "$PROGRAMS/clockprobe-glibc-dynamic" --steps 5

check_step "--hz 1000: coarse step (ns)" 900000 1100000 \
  "$VDSO_RUN" --hz 1000 "$PROGRAMS/clockprobe-musl-static" --steps 9

if [ -x "$PROGRAMS/goprobe" ]; then
  out=$("$VDSO_RUN" "$PROGRAMS/goprobe")
  check "go: the runtime bound our __vdso_clock_gettime" "$(value ours "$out")" yes
  check "go: time.Now through our image advances" "$(value coherent "$out")" yes
else
  skip "go: the runtime binds our image" "goprobe was not built (no go toolchain at configure time)"
fi

finish
