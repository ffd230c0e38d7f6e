#!/usr/bin/env bash
# What `make install` gives a user, checked from the installed tree alone:
# `cmake --install` into a temporary DESTDIR, then every installed command
# runs (--help, --version), the installed vdso-kernel-run boots the
# installed kernel (not the build's) and runs a static program, also as an
# unprivileged user whose accelerator cache must go to their own cache
# directory, the public header compiles on its own, and the man pages parse
# without a warning and document every option that --help prints.
# usage: installed_tree_test.sh BUILD SOURCE VERSION BINDIR LIBDIR INCLUDEDIR MANDIR STATIC_HELLO
set -uo pipefail
build=$1 source=$2 version=$3 bindir=$4 libdir=$5 includedir=$6 mandir=$7 hello=$8
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=/opt/vdso-test  # not the configured prefix: the tools must not depend on it
root=$stage$prefix

source "$(dirname "$0")/../../testing/check.sh"
# run COMMAND...: stdout, stderr and status in $stage/{out,err,status}
run() {
  timeout 120 "$@" >"$stage/out" 2>"$stage/err"
  echo $? >"$stage/status"
}
err_has() { grep -qF -- "$1" "$stage/err"; }

if ! DESTDIR=$stage cmake --install "$build" --prefix "$prefix" >"$stage/install.log" 2>&1; then
  cat "$stage/install.log"
  echo "FAIL cmake --install"
  exit 1
fi
echo "ok   cmake --install into DESTDIR=$stage, prefix $prefix"

for file in "$bindir/vdso-run" "$bindir/vdso-kernel-run" "$bindir/vdso-check" \
            "$bindir/vdso-sysinfo" "$libdir/vdso/vdso-kernel" "$libdir/vdso/initramfs.cpio" \
            "$includedir/vdso/sysinfo.h" "$includedir/vdso/elf/symbol_lookup.h" \
            "$mandir/man1/vdso-run.1" "$mandir/man1/vdso-kernel-run.1"; do
  check "installed: $file" test -s "$root/$file"
done
check "the probe initramfs holds the probe program" grep -qa hello-musl "$root/$libdir/vdso/initramfs.cpio"

for tool in vdso-run vdso-kernel-run vdso-check; do
  run "$root/$bindir/$tool" --help
  check "$tool --help exits 0 with a usage" bash -c "[ $(cat "$stage/status") -eq 0 ] && grep -qi usage '$stage/out'"
  cp "$stage/out" "$stage/help-$tool"
  run "$root/$bindir/$tool" --version
  check "$tool --version prints $version" bash -c "[ $(cat "$stage/status") -eq 0 ] && grep -qxF '$tool $version' '$stage/out'"
done

# The installed vdso-run serves a program; the installed example of the
# public header finds our VDSO through it.
run "$root/$bindir/vdso-run" "$root/$bindir/vdso-sysinfo"
check "installed vdso-run runs the installed vdso-sysinfo" \
  bash -c "[ $(cat "$stage/status") -eq 0 ] && grep -q '^sysname=Linux' '$stage/out'"

# The public header, from the installed include directory alone.
check "<vdso/sysinfo.h> compiles from the installed tree (C99, -pedantic)" \
  cc -std=c99 -pedantic -Wall -Wextra -Werror -I "$root/$includedir" "$source/run/examples/sysinfo.c" \
     -o "$stage/sysinfo-from-installed-header"
run "$root/$bindir/vdso-run" "$stage/sysinfo-from-installed-header"
check "and the program built with it reads our VDSO" bash -c "[ $(cat "$stage/status") -eq 0 ] && grep -q '^release=' '$stage/out'"

# The installed vdso-kernel-run boots the installed kernel.
installed_kernel="$root/$bindir/../$libdir/vdso/vdso-kernel"
run env -u VDSO_KERNEL "$root/$bindir/vdso-kernel-run" --verbose "$hello"
check "installed vdso-kernel-run runs a static program" bash -c "[ $(cat "$stage/status") -eq 0 ] && grep -qF 'hello from static musl' '$stage/out'"
check "on the installed kernel" err_has " on $installed_kernel ("
check "its decision cached beside the installed kernel (writable here)" \
  test -s "$root/$libdir/vdso/qemu-accel.cache"

# An unprivileged user: the installed directory is read-only to them, so the
# decision goes to their cache directory, and the run still works.
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the unprivileged-user checks: they need root to become nobody"
  skipped=1
else
  user_home="$stage/home"
  mkdir -p "$user_home"
  chmod 755 "$stage"
  chown nobody "$user_home"
  cp "$hello" "$stage/hello" && chmod 755 "$stage/hello"
  rm -f "$root/$libdir/vdso/qemu-accel.cache"
  run env -u VDSO_KERNEL -u XDG_CACHE_HOME HOME="$user_home" TMPDIR="$user_home" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$root/$bindir/vdso-kernel-run" "$stage/hello"
  check "as nobody: the installed vdso-kernel-run runs it" bash -c "[ $(cat "$stage/status") -eq 0 ] && grep -qF 'hello from static musl' '$stage/out'"
  check "as nobody: decision cached in ~/.cache/vdso" test -s "$user_home/.cache/vdso/qemu-accel.cache"
  check "as nobody: for the installed kernel" \
    grep -qxF "kernel=$(realpath "$installed_kernel")" "$user_home/.cache/vdso/qemu-accel.cache"
  check "as nobody: nothing written beside the installed kernel" test ! -e "$root/$libdir/vdso/qemu-accel.cache"
  run env -u VDSO_KERNEL -u XDG_CACHE_HOME HOME="$user_home" TMPDIR="$user_home" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$root/$bindir/vdso-kernel-run" "$stage/hello"
  check "as nobody, again: the cached decision is used (no reason line)" \
    bash -c "[ $(cat "$stage/status") -eq 0 ] && ! grep -qE '^vdso-kernel-run: (KVM|TCG)' '$stage/err'"
fi

# The man pages: parse without a warning, and every option --help prints
# is an entry (a .TP tag) of the page.
for tool in vdso-run vdso-kernel-run; do
  page="$root/$mandir/man1/$tool.1"
  groff -man -Tutf8 -ww -z "$page" 2>"$stage/groff-warnings"
  check "$tool.1 parses without warnings" test ! -s "$stage/groff-warnings"
  cat "$stage/groff-warnings"
  # The tag lines, with roff's escaped hyphens and font requests undone.
  awk 'tag { print; tag = 0 } /^\.TP/ { tag = 1 }' "$page" |
    sed -e 's/\\-/-/g' -e 's/^\.[A-Z][A-Z]* //' -e 's/"//g' >"$stage/tags-$tool"
  # The options --help names: the [--option] of its usage lines, and the
  # first column of its indented option lines ("  --verbose, -v   ...").
  options=$( (grep -oE -- '\[--?[a-zA-Z][a-zA-Z-]*' "$stage/help-$tool" | tr -d '['
              grep -E '^[[:space:]]+-' "$stage/help-$tool" | sed -E 's/^[[:space:]]+//; s/  .*//' |
                grep -oE -- '--?[a-zA-Z][a-zA-Z-]*') | sort -u)
  check "$tool --help lists options" test -n "$options"
  for option in $options; do
    check "$tool.1 documents $option" grep -qE -- "(^|[ ,])$option([ ,]|$)" "$stage/tags-$tool"
  done
done

[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
# A part that could not run makes the test skipped (SKIP_RETURN_CODE), not passed.
[ "${skipped:-0}" -eq 0 ] || { echo "every check that ran passed; some were skipped"; exit 77; }
echo "all installed-tree checks passed"
