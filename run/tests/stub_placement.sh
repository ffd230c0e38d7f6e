# Where the stub goes: never over a byte the program maps for anything
# else. Two crafted programs (programs/shared_page.ld) end their entry
# segment inside a page that a second PT_LOAD maps too: one keeps a known
# pattern there, the other code it calls. Each prints "intact" on the host
# and must do so under vdso-run, served, with the trapping stub (a second
# stop) instead of the tail; a program whose tail is free keeps one stop.
source "$(dirname "$0")/lib.sh"
P=$PROGRAMS

for variant in data code; do
  program=$P/shared-page-$variant
  # The premise: the entry segment's last page is another PT_LOAD's first.
  pages=$(readelf -lW "$program" | while read -r type offset vaddr paddr filesz memsz rest; do
    [ "$type" = LOAD ] && printf '%d-%d ' $((vaddr / 4096)) $(((vaddr + memsz - 1) / 4096))
  done)
  check "$variant: two PT_LOADs share a page" "$pages" "1024-1024 1024-1024 "
  check "$variant: on the host" "$("$program")" intact
  out=$(timeout 20 "$VDSO_RUN" --stats "$program" 2>&1)
  status=$?
  check "$variant: under vdso-run, exit status" "$status" 0
  check "$variant: under vdso-run, its neighbour is intact" "$(printf '%s\n' "$out" | head -n 1)" intact
  check_contains "$variant: served with the trapping stub" "$out" "execs served 1 (1 with a second stop)"
  check "$variant: no warning" "$(printf '%s\n' "$out" | grep -c warning)" 0
  out=$(timeout 20 "$VDSO_RUN" --verbose "$program" 2>&1)
  check_contains "$variant: under --verbose" "$out" intact
done

out=$("$VDSO_RUN" --stats "$P/clockprobe-glibc-static" --quiet 2>&1)
check_contains "a free tail: one stop" "$out" "execs served 1 (0 with a second stop)"

finish
