#!/usr/bin/env bash
# Installs the Debian packages the project needs, once: quiet and fast when
# everything is already present. Used by every top-level make target.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev clang-format   # libFuzzer + sanitizers, formatting
  libgtest-dev libgmock-dev libbenchmark-dev
  binutils file
  qemu-system-x86                         # vdso-kernel
  busybox-static                          # vdso-kernel-run --userland busybox (its tests)
  musl-tools golang-go                    # programs bound by other runtimes
  python3 strace util-linux               # vdso-run tests: pty job control, a tracer in the tree
  libpython3.11-testsuite                 # vdso-run tests: CPython's own test_threading under --rate
  groff-base                              # the install test checks the man pages
  faketime                                # vdso-run benchmarks: libfaketime, the peer for virtual time
  linux-source-6.1                        # vdso-kernel: Linux's own timer selftests, run on it
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
  echo "bootstrap: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
