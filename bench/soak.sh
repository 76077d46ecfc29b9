#!/bin/sh
# bench/soak.sh — vitals' memory over a long run: does it stay flat?
#
# A. Churn: BIRTHS (10000) short-lived "node" processes (a copy of sleep(1)
#    named node, so thousands cost seconds, not minutes of CPU), 20 at a time,
#    each living 0.2 s, while `vitals --json -i 0.1` discovers them.  Run twice
#    in the same run: with the defaults ([history] exited_max = 100,
#    exited_keep = 1h) and, as the baseline, with exited processes kept
#    (exited_max = 100000, exited_keep = 720h: what vitals did before).
#    RSS (VmRSS) at start, after WARM (1000) births, and at the end.
# B. A 24-hour-equivalent run: N (30) real node processes with the probe at
#    20 Hz, vitals --json -i 0.1 for DURATION (900) s.  What a day does to
#    memory is fill every ring tier to its capacity and then wrap; the run
#    keeps the default capacities (raw 300, tier1 360 buckets, tier2 288) but
#    shrinks the spans (10 s -> 1 s, 5 min -> 2 s), so the 288 buckets that
#    take 24 h to fill by default are full after 576 s and wrap from then on;
#    the GC log reaches its 4096-event cap within minutes at 20 Hz.  RSS at
#    start, after the warm-up (WARMUP = 600 s: every tier full) and at the
#    end must be flat within 1 MB.  The default-span run of the same length
#    is printed as the baseline (its tiers still filling: the creep a 24 h
#    run would show before it flattens).
# Usage: bench/soak.sh [BUILD_DIR]   Env: BIRTHS=10000 WARM=1000 DURATION=900 WARMUP=600 N=30
#   PART=A or PART=B for one half.  As root it runs in a PID namespace of its
#   own; otherwise run it alone (it discovers every node process of this user).
set -eu
# Discovery sees every node process of this user: as root, run in a PID
# namespace of our own (with its own /proc) so other work on the machine
# does not count.
if [ "$(id -u)" = 0 ] && [ -z "${SOAK_NS:-}" ] && command -v unshare >/dev/null &&
	unshare -pf --mount-proc true 2>/dev/null; then
	SOAK_NS=1 exec unshare -pf --mount-proc sh "$0" "$@"
fi
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIRTHS=${BIRTHS:-10000}
WARM=${WARM:-1000}
DURATION=${DURATION:-900}
WARMUP=${WARMUP:-600}
N=${N:-30}
PART=${PART:-AB}
NODE=${NODE:-node}
[ -x "$BUILD/vitals" ] || make -C "$BUILD" vitals >/dev/null
T=$(mktemp -d /tmp/vitals-soak.XXXXXX)
mkdir -m 700 "$T/sock"
export VITALS_SOCK_DIR="$T/sock"
vpid=""
nodes=""
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null || true
	for p in $nodes; do kill "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# churn CONFIG — prints "start warm end" RSS in kB
churn() {
	"$BUILD/vitals" --json -i 0.1 --config "$1" >/dev/null 2>"$T/churn.err" &
	vpid=$!
	sleep 2
	start=$(rss_kb "$vpid")
	born=0
	warm=""
	while [ "$born" -lt "$BIRTHS" ]; do
		k=0
		batch=""
		while [ "$k" -lt 20 ]; do
			"$T/node" 0.2 &
			batch="$batch $!"
			k=$((k + 1))
		done
		for p in $batch; do wait "$p" 2>/dev/null || true; done
		born=$((born + 20))
		[ -z "$warm" ] && [ "$born" -ge "$WARM" ] && { sleep 0.5; warm=$(rss_kb "$vpid"); }
	done
	sleep 1
	end=$(rss_kb "$vpid")
	kill "$vpid"; wait "$vpid" 2>/dev/null || true; vpid=""
	echo "$start $warm $end"
}

if echo "$PART" | grep -q A; then
	cp "$(command -v sleep)" "$T/node"
	printf '[history]\nexited_max = 100\nexited_keep = 1h\n' >"$T/bounded.ini"
	printf '[history]\nexited_max = 100000\nexited_keep = 720h\n' >"$T/keepall.ini"
	echo "A. $BIRTHS births and deaths, 20 at a time, vitals --json -i 0.1 (discovery)..."
	set -- $(churn "$T/keepall.ini"); b_start=$1; b_warm=$2; b_end=$3
	set -- $(churn "$T/bounded.ini"); s_start=$1; s_warm=$2; s_end=$3
	printf '%-44s %9s %13s %9s %16s\n' "" "start" "after $WARM" "end" "end - warm-up"
	printf '%-44s %6d kB %10d kB %6d kB %+13d kB\n' "exited_max 100 (default)" "$s_start" "$s_warm" "$s_end" $((s_end - s_warm))
	printf '%-44s %6d kB %10d kB %6d kB %+13d kB\n' "baseline: every exited process kept" "$b_start" "$b_warm" "$b_end" $((b_end - b_warm))
fi

if echo "$PART" | grep -q B; then
	cat >"$T/app.js" <<'EOF2'
const keep = [];
setInterval(() => { keep.push(new Array(100).fill(Math.random())); if (keep.length > 2000) keep.length = 0; }, 10);
EOF2
	# the default capacities, spans shrunk so every tier fills and wraps
	printf '[history]\nraw = 300\ntier1 = 1s:360\ntier2 = 2s:288\n' >"$T/day.ini"
	printf '[history]\n' >"$T/default.ini"
	i=0
	while [ "$i" -lt "$N" ]; do
		"$NODE" -r "$SRC/probe/vitals-probe.js" "$T/app.js" &
		nodes="$nodes $!"
		i=$((i + 1))
	done
	sleep 2
	# long CONFIG — prints "start warm end lines" (RSS in kB)
	long() {
		# shellcheck disable=SC2086
		"$BUILD/vitals" --json -i 0.1 --hz 20 --config "$1" $nodes >"$T/long.jsonl" 2>"$T/long.err" &
		vpid=$!
		sleep 5
		start=$(rss_kb "$vpid")
		sleep $((WARMUP - 5))
		warm=$(rss_kb "$vpid")
		sleep $((DURATION - WARMUP))
		end=$(rss_kb "$vpid")
		lines=$(wc -l <"$T/long.jsonl")
		kill "$vpid"; wait "$vpid" 2>/dev/null || true; vpid=""
		grep -v '^$' "$T/long.err" | head -3 >&2 || true
		echo "$start $warm $end $lines"
	}
	echo "B. $N probed node processes at 20 Hz, vitals --json -i 0.1, $DURATION s each run..."
	set -- $(long "$T/day.ini"); d_start=$1; d_warm=$2; d_end=$3; d_lines=$4
	set -- $(long "$T/default.ini"); b_start=$1; b_warm=$2; b_end=$3; b_lines=$4
	printf '%-52s %9s %13s %9s %16s\n' "" "start" "after $WARMUP s" "end" "end - warm-up"
	printf '%-52s %6d kB %10d kB %6d kB %+13d kB\n' "24 h equivalent (tiers 1 s/2 s, $d_lines lines)" "$d_start" "$d_warm" "$d_end" $((d_end - d_warm))
	printf '%-52s %6d kB %10d kB %6d kB %+13d kB\n' "baseline: default spans, tiers filling ($b_lines)" "$b_start" "$b_warm" "$b_end" $((b_end - b_warm))
fi
