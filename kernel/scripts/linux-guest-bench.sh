#!/usr/bin/env bash
# The in-guest benchmark (kernel/user/bench.c: VDSO and system-call cost of
# the clocks, gettimeofday and getcpu) on our kernel and on Debian's Linux,
# under the same QEMU, accelerator and CPU model, the same static programs,
# boots alternating: the comparison the README's kernel table quotes.
#
# usage: kernel/scripts/linux-guest-bench.sh [BUILD_DIR] [ROUNDS] [CPU_MODEL...]
#   (defaults: build, 3 rounds, the CPU models qemu64 and max)
# Debian's kernel image is downloaded once into BUILD_DIR/linux-guest (the
# package is unpacked there, not installed). Prints each boot's table, then
# per row the median over the rounds of ours, of Linux's and their ratio.
set -euo pipefail
build=${1:-build}
rounds=${2:-3}
shift $(($# > 2 ? 2 : $#))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(qemu64 max)

guest_dir=$build/linux-guest
vmlinuz=$(ls "$guest_dir"/boot/vmlinuz-* 2>/dev/null | head -1 || true)
if [ -z "$vmlinuz" ]; then
  package=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
  [ -n "$package" ] || { echo "linux-guest-bench: apt-cache names no linux-image-amd64 package" >&2; exit 1; }
  mkdir -p "$guest_dir"
  (cd "$guest_dir" && apt-get download -qq "$package" >/dev/null && dpkg-deb -x linux-image-*.deb . && rm -f linux-image-*.deb)
  vmlinuz=$(ls "$guest_dir"/boot/vmlinuz-* | head -1)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One initramfs per program, the program as /init: Linux runs it as pid 1,
# which ends the machine (panic=-1 reboots, -no-reboot stops QEMU).
for libc in glibc musl; do
  "$build/bin/mkinitramfs" "$work/$libc.cpio" "init=$build/kernel/user/bench-$libc"
done

linux_boot() {  # MODEL LIBC -> the benchmark's table on stdout
  timeout 300 qemu-system-x86_64 -nodefaults -bios /usr/share/qemu/qboot.rom -accel tcg -cpu "$1" \
    -m 256 -display none -no-reboot -serial stdio -kernel "$vmlinuz" -initrd "$work/$2.cpio" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init" 2>/dev/null | tr -d '\r'
}
ours_boot() {
  VDSO_KERNEL_ACCEL=tcg timeout 300 "$build/bin/vdso-kernel-run" --cpu "$1" "$build/kernel/user/bench-$2"
}

results=$work/results  # lines: MODEL LIBC KERNEL ROW VDSO_NS SYSCALL_NS
: >"$results"
record() {  # MODEL LIBC KERNEL < table  (appends to $results)
  awk -v m="$1" -v l="$2" -v k="$3" '
    /^(CLOCK_[A-Z_]+|gettimeofday|getcpu \(sched_getcpu\)) +[0-9]/ {
      row = $1; for (i = 2; i <= NF - 3; ++i) row = row "~" $i
      print m, l, k, row, $(NF - 2), $(NF - 1)
    }' >>"$results"
}

for model in "${models[@]}"; do
  for libc in glibc musl; do
    for round in $(seq "$rounds"); do
      echo "== $model, static $libc, round $round: ours"
      ours_boot "$model" "$libc" | tee "$work/out" | sed -n '/^call/,/^getcpu/p'
      record "$model" "$libc" ours <"$work/out"
      echo "== $model, static $libc, round $round: Linux $(basename "$vmlinuz" | sed 's/vmlinuz-//')"
      linux_boot "$model" "$libc" | tee "$work/out" | sed -n '/^call/,/^getcpu/p'
      record "$model" "$libc" linux <"$work/out"
    done
  done
done

# Instructions per call, exactly: under QEMU's -icount shift=0 the guest's
# clock advances one nanosecond per instruction executed, so the same
# table's "ns" are instructions, the same on every run and every host.
icount_boot() {  # KERNEL MODEL LIBC
  local append="init=/init -- 100" initrd=$work/$3.cpio
  local args=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
  if [ "$1" = linux ]; then
    append="console=ttyS0 quiet panic=-1 rdinit=/init -- 100"
    args=()
  fi
  timeout 300 qemu-system-x86_64 -nodefaults -bios /usr/share/qemu/qboot.rom -accel tcg \
    -icount shift=0 -cpu "$2" -m 256 -display none -no-reboot -serial stdio "${args[@]}" \
    -kernel "$([ "$1" = linux ] && echo "$vmlinuz" || echo "$build/kernel/vdso-kernel")" \
    -initrd "$initrd" -append "$append" 2>/dev/null | tr -d '\r' || true  # QEMU's status is the exit device's
}
icount_results=$work/icount
: >"$icount_results"
for model in "${models[@]}"; do
  for libc in glibc musl; do
    for kernel in ours linux; do
      icount_boot "$kernel" "$model" "$libc" >"$work/out"
      grep -q '^CLOCK_' "$work/out" || { echo "linux-guest-bench: no table from $kernel under -icount" >&2; exit 1; }
      results=$icount_results record "$model" "$libc" "$kernel" <"$work/out"
    done
  done
done

print_table() {  # TITLE FILE
echo
echo "== $1"
printf '%-7s %-6s %-28s %12s %12s %7s %14s %14s %7s\n' model libc call "VDSO ours" "VDSO Linux" ratio \
  "syscall ours" "syscall Linux" ratio
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; ++i) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; --j) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    key = $1 " " $2 " " $4
    if (!(key in seen)) { seen[key] = 1; order[++count] = key }
    vdso[key, $3] = vdso[key, $3] " " $5
    sys[key, $3] = sys[key, $3] " " $6
  }
  END {
    for (i = 1; i <= count; ++i) {
      k = order[i]; split(k, part, " "); gsub("~", " ", part[3])
      vo = median(vdso[k, "ours"]); vl = median(vdso[k, "linux"])
      so = median(sys[k, "ours"]); sl = median(sys[k, "linux"])
      printf "%-7s %-6s %-28s %12.1f %12.1f %6.2fx %14.1f %14.1f %6.2fx\n", part[1], part[2], part[3], \
        vo, vl, (vl > 0 ? vo / vl : 0), so, sl, (sl > 0 ? so / sl : 0)
    }
  }' "$2"
}
print_table "medians over $rounds rounds: ns per call, ours / Linux (below 1: ours is faster)" "$results"
print_table "instructions per call (QEMU -icount shift=0), ours / Linux" "$icount_results"
