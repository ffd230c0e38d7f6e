# Nothing gets in: no process of the tree can write the data page, by any
# path we know (the attack program lists them). Run as root, the strongest
# case: root may open /proc/self/map_files and /proc/PID/mem.
source "$(dirname "$0")/lib.sh"

out=$("$VDSO_RUN" "$PROGRAMS/attack" 2>&1)
status=$?
printf '%s\n' "$out" | sed 's/^/  attack: /'
check "attack: every write blocked" "$(printf '%s\n' "$out" | grep -c '^WRITTEN')" 0
check "attack: at least 15 attacks tried" "$(printf '%s\n' "$out" | grep -c '^blocked')" \
  "$(printf '%s\n' "$out" | grep -c '^blocked' | awk '$1 >= 15 {print $1}')"
check_contains "attack: page intact and ticking" "$out" "page intact and ticking"
check "attack: exit status" "$status" 0

# The same from a grandchild whose parent is not vdso-run.
out=$("$VDSO_RUN" sh -c "\"$PROGRAMS/attack\" \$PPID; echo status=\$?" 2>&1)
check "attack from deeper in the tree" "$(printf '%s\n' "$out" | grep -c '^WRITTEN')/$(value status "$out")" "0/0"

# The mappings a program sees: chain page r--p, data page r--s, image r-xs.
out=$("$VDSO_RUN" sh -c 'grep -B1 -A1 "memfd:vdso-run" /proc/self/maps')
check "data page: shared, read-only, not executable" \
  "$(printf '%s\n' "$out" | awk '/memfd:vdso-run/ && $3 == "00000000" {print $2}')" "r--s"
check "image: shared, read+execute, not writable" \
  "$(printf '%s\n' "$out" | awk '/memfd:vdso-run/ && $3 == "00001000" {print $2}')" "r-xs"
check "chain page: private, read-only, right before the data page" \
  "$(printf '%s\n' "$out" | head -n 1 | awk '{print $2}')" "r--p"

finish
