#!/bin/sh
# record_size.sh [SECONDS] — the size of a recording per process-hour: the
# three demo apps (launch mode, probe at 1 Hz, 1 s sampling) recorded for
# SECONDS (default 300), as written (gzip blocks every 10 s), against the
# baseline of the same run: the same lines uncompressed (what --json writes).
# Also the recorder's own CPU time (read from /proc 1 s before the end, so
# the demo apps it launched are not counted).  Target: <= 1 MB per process
# per hour.
set -eu
D=${1:-300}
B=${VITALS_BUILDDIR:-$(pwd)}
T=$(mktemp -d /tmp/vitals-recbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
export VITALS_SOCK_DIR=$T/sock
mkdir -m 700 "$VITALS_SOCK_DIR"
"$B/vitals" record -o "$T/rec.vrec" --demo --duration "$D" 2>/dev/null &
v=$!
sleep $((D - 1))
hz=$(getconf CLK_TCK)
awk -v hz="$hz" '{ printf "%.2f %.2f\n", $14 / hz, $15 / hz }' "/proc/$v/stat" >"$T/time"
wait $v
n=$(zcat "$T/rec.vrec" | grep -c '"event":"found"')
rec=$(stat -c %s "$T/rec.vrec")
raw=$(zcat "$T/rec.vrec" | wc -c)
lines=$(zcat "$T/rec.vrec" | wc -l)
awk -v d="$D" -v n="$n" -v rec="$rec" -v raw="$raw" -v lines="$lines" -v cpu="$(cat "$T/time")" 'BEGIN {
	split(cpu, c, " ")
	printf "%d processes, %d s, %d lines\n", n, d, lines
	printf "recording:            %9d bytes  = %7.0f KB per process-hour\n", rec, rec / n / d * 3600 / 1024
	printf "baseline (JSON lines): %9d bytes  = %7.0f KB per process-hour  (%.1fx larger)\n", raw, raw / n / d * 3600 / 1024, raw / rec
	printf "recorder CPU: %.2f s in %d s = %.2f%% of a core\n", c[1] + c[2], d, (c[1] + c[2]) / d * 100
}'
