#!/bin/sh
# bench/attach_many.sh — attach throughput and the first sample's latency of
# the real binary (issue 12 item 3).
#
# Throughput: for each N in NS (50 200), N idle node apps without the probe
# (bench/fixtures/idle_app.js), then `vitals --json --attach PIDS`; each
# process's "probe_attached" line is written with its first probe sample,
# its "ts" the moment it was written.  Prints when the first, the median and
# the last of the N were attached, counted from vitals' start (targets: 50
# in < 5 s, 200 in < 20 s), and how many failed — among them those still
# queued when the run's --duration ended (they used to be reported as
# nothing at all: "lost").
#
# First sample: K (5) times one fresh app attached alone: the time from
# vitals' start to the first line carrying heap_used, next to the inspector
# route alone (tests/attach_main attach PID, same run, fresh apps): the
# difference is what the first number waits for after the attach (target
# <= 300 ms; the 1 s tick used to add up to a second).
#
# Attaches use port 9229: run it in a private network namespace (TEAM.md):
#   unshare -n sh -c 'ip link set lo up && exec bench/attach_many.sh build'
# Usage: bench/attach_many.sh [BUILD_DIR]   Env: NS="50 200" K=5 NODE=node
# BASE=DIR: the same with another build's vitals (fresh apps), after each N
# KEEP=DIR (a copy of the work dir: the apps' output, vitals' JSON and stderr)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
NS=${NS:-50 200}
K=${K:-5}
NODE=${NODE:-node}
APP="$here/fixtures/idle_app.js"
[ -x "$BUILD/vitals" ] || make -C "$BUILD" vitals >/dev/null
[ -x "$BUILD/tests/attach_main" ] || make -C "$BUILD" tests/attach_main >/dev/null
if ss -Hltn 'sport = :9229' | grep -q .; then
	echo "attach_many: port 9229 is taken (run it in a private network namespace)" >&2
	exit 1
fi
T=$(mktemp -d /tmp/vitals-attach-many.XXXXXX)
chmod 700 "$T"
mkdir -m 700 "$T/sock"
export VITALS_SOCK_DIR="$T/sock"
apps=""
stop_apps() {
	for p in $apps; do kill "$p" 2>/dev/null || true; done
	for p in $apps; do wait "$p" 2>/dev/null || true; done
	apps=""
}
trap 'stop_apps; [ -n "${KEEP:-}" ] && cp -r "$T" "$KEEP"; rm -rf "$T"' EXIT INT TERM
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
start_apps() { # N: idle apps, ready once each printed its line
	i=0
	while [ "$i" -lt "$1" ]; do
		"$NODE" "$APP" >"$T/app.$i" 2>/dev/null &
		apps="$apps $!"
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$1" ]; do
		until [ -s "$T/app.$i" ]; do sleep 0.05; done
		i=$((i + 1))
	done
	sleep 1
}

echo "attach bench (vitals --json --attach), load $(cut -d' ' -f1 /proc/loadavg)"
for N in $NS; do
for B in "$BUILD" ${BASE:-}; do
	start_apps "$N"
	pids=${apps# }
	t0=$(now_ms)
	# and vitals' CPU time once every attach has ended: per attach, one that
	# grows with N is the product's (a scan per event), a flat one while the
	# wall time per attach grows is the machine's load
	"$B/vitals" --json --attach --duration $((N / 4 + 15)) $pids >"$T/out" 2>"$T/err" &
	vp=$!
	cpu=0
	while kill -0 "$vp" 2>/dev/null; do
		if [ "$(grep -c '"event":"probe_attached"\|"event":"attach_failed"' "$T/out")" -ge "$N" ]; then
			cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$vp/stat" 2>/dev/null || echo 0)
			break
		fi
		sleep 0.1
	done
	kill "$vp" 2>/dev/null || true	# the rest of --duration adds nothing
	wait "$vp" || true
	ok=$(grep -c '"event":"probe_attached"' "$T/out" || true)
	bad=$(grep -c '"event":"attach_failed"' "$T/out" || true)
	late=$(grep '"event":"attach_failed"' "$T/out" | grep -c 'stopped before the attach finished' || true)
	grep '"event":"probe_attached"' "$T/out" | sed 's/.*"ts":\([0-9]*\).*/\1/' |
		awk -v t0="$t0" '{ print ($1 - t0) / 1000 }' | sort -n >"$T/times"
	awk -v n="$N" -v ok="$ok" -v bad="$bad" -v late="$late" -v cpu="$cpu" -v b="$( [ "$B" = "$BUILD" ] && echo this || echo base)" -v load="$(cut -d' ' -f1 /proc/loadavg)" '{ v[NR] = $1 }
		END { printf "  %s N=%-4d attached %d/%d (%d failed, %d of them still queued at the end): first %.2f s, median %.2f s, all %s  (%.0f ms per attach; vitals CPU %.0f ms per attach; load %s)\n",
			b, n, ok, n, bad, late, v[1], v[int((NR + 1) / 2)], ok == n ? sprintf("%.2f s", v[NR]) : "never",
			NR ? v[NR] * 1000 / NR : 0, n ? cpu * 1000 / n : 0, load }' "$T/times"
	stop_apps
done
done

: >"$T/first"; : >"$T/route"
k=0
while [ "$k" -lt "$K" ]; do
	k=$((k + 1))
	start_apps 2
	set -- $apps
	t0=$(now_ms)
	"$BUILD/vitals" --json --attach --duration 3 "$1" >"$T/out" 2>/dev/null || true
	ts=$(grep -m1 '"heap_used"' "$T/out" | sed 's/.*"ts":\([0-9]*\).*/\1/')
	[ -n "$ts" ] && echo $((ts - t0)) >>"$T/first"
	t0=$(now_ms)
	"$BUILD/tests/attach_main" attach "$2" >/dev/null 2>&1 && echo $(( $(now_ms) - t0 )) >>"$T/route"
	stop_apps
done
median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'; }
f=$(median <"$T/first"); r=$(median <"$T/route")
printf '  first heap sample after vitals starts   %5s ms (median of %d: %s)\n' "$f" "$K" "$(tr '\n' ' ' <"$T/first")"
printf '  the attach alone (tests/attach_main)   %5s ms (median of %d: %s)\n' "$r" "$K" "$(tr '\n' ' ' <"$T/route")"
printf '  first sample after the attach          %5s ms (difference; target <= 300 ms)\n' \
	"$( [ "$f" != - ] && [ "$r" != - ] && echo $((f - r)) || echo -)"
