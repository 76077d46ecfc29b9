#!/bin/sh
# bench/prometheus.sh — size and cost of one /metrics scrape with N (50)
# probed node processes, and what it means for a Prometheus scraping 10,000
# such hosts every 15 s.
#
# Starts N node processes with the probe (each with a few timers and ~5 MB of
# heap), `vitals --no-tui --prometheus 127.0.0.1:0 PID...` at 1 s, waits until
# every one is attached, then measures over the same WINDOW (10) seconds:
#   - baseline: vitals' CPU with no scrape (its sampling alone);
#   - K (200) scrapes back to back with curl (plain text; then gzip, as
#     Prometheus asks): vitals' CPU (utime+stime from /proc) minus the
#     baseline's share, per scrape, and curl's wall time per scrape.
# Prints bytes per scrape (plain, gzip, OpenMetrics), the series count, and
# the 10k-host figures.  Run it in a private network namespace if you like:
#   unshare -n sh -c 'ip link set lo up && bench/prometheus.sh build'
#
# Usage: bench/prometheus.sh [BUILD_DIR]   Env: N=50 K=200 WINDOW=10 NODE=node
set -eu
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-50}
K=${K:-200}
WINDOW=${WINDOW:-10}
NODE=${NODE:-node}
HZ=$(getconf CLK_TCK)
command -v curl >/dev/null || { echo "prometheus bench: curl not installed" >&2; exit 1; }
[ -x "$BUILD/vitals" ] || make -C "$BUILD" vitals >/dev/null

T=$(mktemp -d /tmp/vitals-bench-prom.XXXXXX)
mkdir -m 700 "$T/sock"
export VITALS_SOCK_DIR="$T/sock"
pids=""
vpid=""
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null || true
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

cat >"$T/app.js" <<'EOF'
const keep = [];
for (let i = 0; i < 50; i++) keep.push(new Array(12500).fill(i));
setInterval(() => {}, 1000);
setInterval(() => JSON.stringify(keep.slice(0, 2)), 250);
EOF
echo "starting $N node processes with the probe..."
i=0
while [ "$i" -lt "$N" ]; do
	"$NODE" -r "$SRC/probe/vitals-probe.js" "$T/app.js" &
	pids="$pids $!"
	i=$((i + 1))
done
sleep 2
# shellcheck disable=SC2086
"$BUILD/vitals" --no-tui --prometheus 127.0.0.1:0 -i 1 $pids 2>"$T/vitals.err" &
vpid=$!
end=$(( $(date +%s) + 60 ))
while ! grep -q "metrics on http://" "$T/vitals.err"; do
	[ "$(date +%s)" -lt "$end" ] || { cat "$T/vitals.err"; exit 1; }
	sleep 0.2
done
url="http://$(sed -n 's|.*metrics on http://\([^/]*\)/metrics.*|\1|p' "$T/vitals.err")/metrics"
echo "waiting until all $N are attached ($url)..."
while [ "$(curl -s "$url" | grep -c '^nodejs_heap_size_used_bytes{')" -lt "$N" ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "only $(curl -s "$url" | grep -c '^nodejs_heap_size_used_bytes{') attached" >&2; exit 1; }
	sleep 0.5
done
sleep 2

curl -s "$url" >"$T/plain.txt"
curl -s -H 'Accept-Encoding: gzip' "$url" >"$T/plain.gz"
curl -s -H 'Accept: application/openmetrics-text; version=1.0.0' "$url" >"$T/om.txt"
plain=$(wc -c <"$T/plain.txt")
gz=$(wc -c <"$T/plain.gz")
om=$(wc -c <"$T/om.txt")
series=$(grep -vc '^#' "$T/plain.txt")

t0=$(ticks "$vpid"); sleep "$WINDOW"; t1=$(ticks "$vpid")
idle=$((t1 - t0))

# scrape_loop ENCODING — K scrapes; prints curl's mean wall ms and vitals' ticks
scrape_loop() {
	a=$(ticks "$vpid"); s=$(date +%s%N)
	j=0
	while [ "$j" -lt "$K" ]; do
		curl -s -H "Accept-Encoding: $1" -o /dev/null "$url"
		j=$((j + 1))
	done
	e=$(date +%s%N); b=$(ticks "$vpid")
	echo "$(( (e - s) / K / 1000 )) $((b - a)) $(( (e - s) / 1000000 ))"
}
set -- $(scrape_loop identity); wall_plain_us=$1; tk_plain=$2; ms_plain=$3
set -- $(scrape_loop gzip); wall_gz_us=$1; tk_gz=$2; ms_gz=$3

awk -v n="$N" -v k="$K" -v hz="$HZ" -v win="$WINDOW" -v idle="$idle" \
    -v plain="$plain" -v gz="$gz" -v om="$om" -v series="$series" \
    -v tkp="$tk_plain" -v msp="$ms_plain" -v wp="$wall_plain_us" \
    -v tkg="$tk_gz" -v msg="$ms_gz" -v wg="$wall_gz_us" 'BEGIN {
	idle_ms_per_s = idle * 1000 / hz / win
	cp = (tkp * 1000 / hz - idle_ms_per_s * msp / 1000) / k
	cg = (tkg * 1000 / hz - idle_ms_per_s * msg / 1000) / k
	printf "\n%d probed processes, %d scrapes each way\n", n, k
	printf "%-40s %12s\n", "", "per scrape"
	printf "%-40s %12d\n", "series (samples)", series
	printf "%-40s %10.1f KB\n", "text format, plain", plain / 1024
	printf "%-40s %10.1f KB\n", "text format, gzip (what Prometheus asks)", gz / 1024
	printf "%-40s %10.1f KB\n", "OpenMetrics, plain", om / 1024
	printf "%-40s %10.2f ms\n", "vitals CPU per scrape, plain", cp
	printf "%-40s %10.2f ms\n", "vitals CPU per scrape, gzip", cg
	printf "%-40s %10.2f ms\n", "curl wall time per scrape, plain", wp / 1000
	printf "%-40s %10.2f ms\n", "curl wall time per scrape, gzip", wg / 1000
	printf "%-40s %10.2f ms/s (%.2f%% of a core)\n", "baseline: vitals sampling, no scrapes", idle_ms_per_s, idle_ms_per_s / 10
	printf "%-40s %10.3f%% of a core\n", "scraped every 15 s (gzip)", cg / 15000 * 100
	printf "\n10,000 such hosts scraped every 15 s:\n"
	printf "  %.0f series in Prometheus, %.0f samples/s ingested\n", series * 10000, series * 10000 / 15
	printf "  %.1f MB per scrape round, %.1f MB/s (gzip; %.1f MB/s uncompressed)\n",
		gz * 10000 / 1e6, gz * 10000 / 15 / 1e6, plain * 10000 / 15 / 1e6
}'
