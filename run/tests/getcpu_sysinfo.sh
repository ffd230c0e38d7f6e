# getcpu and the system's configuration under vdso-run: glibc's and musl's
# sched_getcpu bind our __vdso_getcpu and answer like getcpu(2) on every
# CPU, without the system call; the configuration our VDSO serves equals
# what uname, sysconf and sysinfo report.
source "$(dirname "$0")/lib.sh"
SYSINFO=$(dirname "$VDSO_RUN")/vdso-sysinfo

for build in glibc-dynamic glibc-static musl-dynamic musl-static; do
  out=$("$VDSO_RUN" "$PROGRAMS/getcpuprobe-$build")
  cpus=$(value cpus "$out")
  check_range "$build: the probe ran on at least one CPU" "$cpus" 1 4096
  check "$build: getcpu(2) is forbidden by the probe's seccomp filter" \
    "$(value syscall_forbidden "$out")" yes
  check "$build: every CPU checked, pinned" "$(value checked "$out")" "$cpus"
  check "$build: sched_getcpu equals getcpu(2) on every CPU" "$(value mismatches "$out")" 0
  check "$build: sched_getcpu answers with getcpu(2) forbidden (our VDSO, no system call)" \
    "$(value answered_without_syscall "$out")" "$cpus"
done

# Our image reads the CPU itself, not through the host's vDSO: RDPID where
# the CPU has it, else LSL on Linux's cpu-and-node segment (x86_64's GDT has
# it since Linux 4.18), as the supervisor's --stats says.
if grep -qw rdpid /proc/cpuinfo; then want=RDPID; else want=LSL; fi
err=$("$VDSO_RUN" --stats true 2>&1 >/dev/null)
check_contains "getcpu: our image reads the CPU with $want" "$err" "getcpu $want,"

out=$("$VDSO_RUN" --hz 100 "$SYSINFO")
check "sysinfo: sysname is uname -s" "$(value sysname "$out")" "$(uname -s)"
check "sysinfo: release is uname -r" "$(value release "$out")" "$(uname -r)"
check "sysinfo: version is uname -v" "$(value version "$out")" "$(uname -v)"
check "sysinfo: machine is uname -m" "$(value machine "$out")" "$(uname -m)"
check "sysinfo: CPUs configured" "$(value cpus_configured "$out")" "$(getconf _NPROCESSORS_CONF)"
check "sysinfo: CPUs online" "$(value cpus_online "$out")" "$(getconf _NPROCESSORS_ONLN)"
check "sysinfo: page size" "$(value page_size "$out")" "$(getconf PAGESIZE)"
check "sysinfo: tick rate is --hz" "$(value tick_hz "$out")" 100
# sysinfo(2)'s totalram is MemTotal, in bytes.
mem_kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
check "sysinfo: physical memory is sysinfo(2)'s total" "$(value physical_memory "$out")" \
  "$((mem_kib * 1024))"
btime=$(sed -n 's/^btime //p' /proc/stat)
boot=$(value boot_time "$out")
check_range "sysinfo: boot time is /proc/stat's btime (s)" "${boot%.*}" $((btime - 1)) $((btime + 1))

# Without vdso-run the host's vDSO has no configuration: a clear message.
if "$SYSINFO" >/dev/null 2>"$SCRATCH/err"; then
  fail "sysinfo without vdso-run: exit 1 expected"
else
  check_contains "sysinfo without vdso-run: message" "$(cat "$SCRATCH/err")" "not ours"
fi

finish
