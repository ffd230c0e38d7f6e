#!/usr/bin/env bash
# Boot figures of two builds side by side, in one run, under TCG: the wall
# time of `vdso-kernel-run` for a static glibc hello (hyperfine, both
# orders), and the first tick after machine reset and after QEMU started
# (kernel-qemu-run, boots alternating). Needs hyperfine (Debian package).
#
# usage: kernel/scripts/boot-bench.sh BASE_BUILD_DIR NEW_BUILD_DIR [BOOTS]
#   e.g. git worktree add /tmp/base 132ac7d && (cd /tmp/base && make build)
#        kernel/scripts/boot-bench.sh /tmp/base/build build
# The base may be a build from before the boot log timed stages from the
# kernel's entry (it printed "first tick N s after machine reset").
set -euo pipefail
base=$1 new=$2 boots=${3:-20}
export VDSO_KERNEL_ACCEL=tcg  # the same accelerator for both, whatever the machine has

echo "== vdso-kernel-run of a static glibc hello: base then new, new then base"
for order in "base new" "new base"; do
  commands=()
  for which in $order; do
    dir=$([ "$which" = base ] && echo "$base" || echo "$new")
    commands+=(-n "$which" "$dir/bin/vdso-kernel-run $dir/kernel/user/hello-glibc")
  done
  hyperfine -N --warmup 3 --runs 30 "${commands[@]}"
done

echo "== first tick after QEMU started (host clock) / after reset (TCG's TSC), $boots boots each"
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
for _ in $(seq "$boots"); do
  for which in base new; do
    dir=$([ "$which" = base ] && echo "$base" || echo "$new")
    out=$("$dir/bin/kernel-qemu-run" --kernel "$dir/kernel/vdso-kernel" \
      --initrd "$dir/kernel/initramfs.cpio" --append "init=/hello-glibc" --timeout 20)
    host=$(sed -n 's/^runner: boot to first tick: \([0-9.]*\) s after QEMU.*/\1/p' <<<"$out")
    if grep -q "after machine reset" <<<"$out"; then
      reset=$(sed -n 's/.*tick: first tick \([0-9.]*\) s after machine reset.*/\1/p' <<<"$out")
    else
      entry_us=$(sed -n 's/.*TSC at kernel entry \([0-9]*\) us.*/\1/p' <<<"$out")
      after=$(sed -n 's/.*tick: first tick \([0-9.]*\) s after kernel entry.*/\1/p' <<<"$out")
      reset=$(awk -v e="$entry_us" -v a="$after" 'BEGIN { printf "%.6f", e / 1e6 + a }')
    fi
    echo "$which $host $reset" >>"$samples"
  done
done
awk '{ host[$1] += $2; reset[$1] += $3; n[$1]++ }
     END { for (w in n) printf "%s: first tick %.3f s after QEMU started, %.3f s after reset (mean of %d)\n",
                               w, host[w] / n[w], reset[w] / n[w], n[w] }' "$samples" | sort
