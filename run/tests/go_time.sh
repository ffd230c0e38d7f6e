# Go's own `go test time` (its timers, tickers, sleeps and deadlines, which
# the runtime waits for with futexes and epoll) under vdso-run --rate 10:
# the same tests pass as on the host, in the same run (Debian's Go lacks
# $GOROOT/lib/time/zoneinfo.zip, so TestLoadLocationFromTZData fails on the
# host as well; -tags=timetzdata embeds the zones the others need).
source "$(dirname "$0")/lib.sh"
if ! command -v go >/dev/null; then
  echo "SKIP: go is not installed (Debian package golang-go)"
  exit 77
fi
build=$(realpath "$PROGRAMS/../../..")
export GOCACHE=$build/go/cache GOPATH=$build/go/path GOFLAGS=-mod=mod GOPROXY=off \
  GOTOOLCHAIN=local
if ! go test -c -tags=timetzdata -o "$SCRATCH/time.test" time >"$SCRATCH/build.log" 2>&1; then
  cat "$SCRATCH/build.log"
  echo "SKIP: cannot build Go's time tests (is golang-src installed?)"
  exit 77
fi
cd "$(go env GOROOT)/src/time" || exit 1

# failures LOG: the tests that failed, one line.
failures() { sed -n 's/^--- FAIL: \([^ ]*\).*/\1/p' "$1" | sort | tr '\n' ' '; }

"$SCRATCH/time.test" -test.count=1 >"$SCRATCH/host.log" 2>&1
start=$(date +%s%N)
timeout 300 "$VDSO_RUN" --rate 10 --stats "$SCRATCH/time.test" -test.count=1 >"$SCRATCH/rate.log" 2>&1
wall_ms=$((($(date +%s%N) - start) / 1000000))
check "go test time under --rate 10 fails what it fails on the host" \
  "$(failures "$SCRATCH/rate.log")" "$(failures "$SCRATCH/host.log")"
check "go test time under --rate 10 ran to the end" \
  "$(grep -cE '^(PASS|FAIL)$' "$SCRATCH/rate.log")" 1
check_contains "go test time under --rate 10: its waits were translated" \
  "$(cat "$SCRATCH/rate.log")" "rate 10.000000, sleeps, timers, waits and file times translated"
echo "go test time: host $(grep -E '^(ok|FAIL|PASS)' "$SCRATCH/host.log" | tr '\n' ' '), --rate 10 ${wall_ms} ms of real time"
finish
