#!/usr/bin/env bash
# A busybox userland on the kernel (vdso-kernel-run --userland busybox):
# the commands a user tries first (ls, cat /proc/..., ps, top, free, id,
# time, find, shell redirections into /tmp) print what they print on Linux,
# and the file system's errors read as Linux's. One boot runs them all.
# Skips (77) when the host has no static busybox (Debian: busybox-static).
# usage: busybox_userland_test.sh BUILD/bin/vdso-kernel-run [--cpu MODEL]
set -uo pipefail
tool=$1
shift
busybox=${VDSO_KERNEL_BUSYBOX:-/bin/busybox}
if ! [ -x "$busybox" ] || ! file -L "$busybox" | grep -q "statically linked"; then
  echo "SKIP: no static busybox at $busybox (Debian: apt-get install busybox-static)"
  exit 77
fi
. "$(dirname "$0")/../../../testing/check.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'line one\nline two\n' >"$work/data.txt"

# Each command's output follows a "== NAME" marker line. The script goes
# in as a file (--add): the kernel command line holds 1000 bytes.
# stderr joins stdout inside (they are two serial ports outside, whose
# lines would interleave in any order).
cat >"$work/script.sh" <<'SCRIPT'
exec 2>&1
echo "== ls"; ls / | wc -l; ls -1 /
echo "== ls-la"; ls -la /
echo "== uptime"; cat /proc/uptime
echo "== busybox-size"; cat /bin/busybox | wc -c
echo "== ps"; ps
echo "== top"; top -bn1
echo "== free"; free
echo "== meminfo"; grep MemTotal /proc/meminfo
echo "== id"; id
echo "== time"; time sh -c 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done'
echo "== maps"; grep -c '\[vdso\]' /proc/self/maps; grep -c '\[vvar\]' /proc/self/maps
echo "== find"; find / -name busybox
echo "== by-name"; true && env echo found echo; sh -c 'sleep 0.1' && echo slept
echo "== wait"; sleep 0.1 & wait; echo waited $?; (exit 3) & wait $!; echo status $?
echo "== redirections"
echo a > /tmp/f; echo b >> /tmp/f; cat /tmp/f; wc -l < /tmp/f
sort -r /tmp/f > /tmp/g && mv /tmp/g /tmp/h && rm /tmp/f && ls /tmp && cat /tmp/h
mkdir /tmp/d && cd /tmp/d && pwd && cd /proc && pwd
echo "== touch"; touch /tmp/t && touch -d '2001-02-03 04:05:06' /tmp/t && ls -l /tmp/t; touch /bin/busybox
echo "== chmod"; echo abc > /tmp/s; chmod 640 /tmp/s; sed -i s/b/B/ /tmp/s; ls -l /tmp/s; cat /tmp/s
echo "== df"; df /tmp; echo x > /tmp/x; df /tmp | tail -1; rm /tmp/x
echo "== comm"; cat /proc/self/comm; sh -c 'cat /proc/$$/comm; true'
echo "== devices"; echo gone > /dev/null; cat /dev/null | wc -c; head -c 3 /dev/zero | od -An -tx1
echo "== errors"
echo x > /bin/x; cat /nonexistent; cd /bin/busybox; cat /tmp; mkdir /tmp/d/e; rmdir /tmp/d
echo "== added"; cat /srv/data.txt; cat /usr/bin/yes
echo "== added-tmp"; echo three >> /tmp/in/data.txt; wc -l < /tmp/in/data.txt; rm -r /tmp/in && ls /tmp/in
echo "== end"
SCRIPT
# The last --add replaces an applet's link, as a later initramfs entry
# replaces an earlier one on Linux.
"$tool" --userland busybox --add "$work/data.txt=/srv/data.txt" --add "$work/script.sh=/script.sh" \
  --add "$work/data.txt=/usr/bin/yes" --add "$work/data.txt=/tmp/in/data.txt" \
  "$@" sh /script.sh >"$work/out" 2>&1
status=$?
check "the shell exits 0 (status $status)" [ "$status" -eq 0 ]

# section NAME: the lines after "== NAME" up to the next marker.
section() {
  awk -v name="== $1" '$0 == name {on = 1; next} /^== / {on = 0} on' "$work/out"
}
has() {  # has NAME TEXT: the section holds TEXT
  check "$1: '$2'" grep -qF -- "$2" <(section "$1")
}
matches() {  # matches NAME REGEX: a line of the section matches REGEX
  check "$1: /$2/" grep -qE -- "$2" <(section "$1")
}

entries=$(section ls | tail -n +2 | wc -l)
check "ls / | wc -l counts what ls / lists ($entries)" [ "$(section ls | head -1)" -eq "$entries" ]
for name in bin etc proc root sbin tmp usr; do
  has ls "$name"
done
matches ls-la '^drwxrwxrwt .* tmp$'
matches ls-la '^dr-xr-xr-x .* proc$'
matches ls-la '^lrwxrwxrwx .* linuxrc -> /bin/busybox$'
matches uptime '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$'
has busybox-size "$(stat -L -c %s "$busybox")"
matches ps '^PID +USER +COMMAND'
matches ps '^ +1 root +/bin/sh /script.sh$'
matches top '^Mem: [0-9]+K used, [0-9]+K free'
matches top '^CPU: .*idle'
matches top '^Load average: [0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+ [0-9]+'
# busybox re-execs itself through /proc/self/exe and names the applet with
# prctl(PR_SET_NAME): top shows the command, not "{exe} top -bn1".
matches top '^ +[0-9]+ +1 root +R .* top -bn1$'
check "top: no {exe}" [ "$(section top | grep -cF '{exe}')" -eq 0 ]
total_kb=$(section meminfo | awk '{print $2}')
matches free "^Mem: +$total_kb "
has id "uid=0(root) gid=0(root) groups=0(root)"
matches time '^user	0m 0\.([1-9][0-9]|0[1-9])s'
check "maps: one [vdso] and one [vvar] line" [ "$(section maps | tr '\n' ' ')" = "1 1 " ]
has find /bin/busybox
has by-name "found echo"
has by-name slept
check "wait: for all, then for one job's status" [ "$(section wait | tr '\n' ' ')" = "waited 0 status 3 " ]
check "redirections: >, >>, <, sort, mv, rm, mkdir, cd" \
  [ "$(section redirections | tr -s '\n ' ' ')" = "a b 2 h in b a /tmp/d /proc " ]
check "devices: /dev/null swallows, /dev/zero gives zeros" \
  [ "$(section devices | tr -s ' \n' ' ')" = "0 00 00 00 " ]
has errors "can't create /bin/x: Read-only file system"
has errors "can't open '/nonexistent': No such file or directory"
has errors "can't cd to /bin/busybox: Not a directory"
has errors "cat: read error: Is a directory"
has errors "rmdir: '/tmp/d': Directory not empty"
check "added-tmp: a file --add put in /tmp is the RAM file system's" \
  [ "$(section added-tmp | tr '\n' ' ')" = "3 ls: /tmp/in: No such file or directory " ]
check "added: /srv/data.txt, and over the yes applet's link" \
  [ "$(section added | grep -c 'line two')" -eq 2 ]
matches touch '^-rw-r--r-- +1 root +root +0 Feb  3  2001 /tmp/t$'
has touch "touch: /bin/busybox: Read-only file system"
matches chmod '^-rw-r----- +1 root +root +4 .* /tmp/s$'
has chmod aBc
matches df '^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$'
matches df '^tmpfs +16384 +[0-9]+ +[0-9]+ +[0-9]+% /tmp$'
check "comm: cat, then sh (the applet's name, as on Linux)" \
  [ "$(section comm | tr '\n' ' ')" = "cat sh " ]
check "the script ran to its end" grep -qx "== end" "$work/out"
if [ "$failures" -ne 0 ]; then
  sed 's/^/     /' "$work/out"
fi
[ "$failures" -eq 0 ]
