#!/bin/sh
# bench/mem_full.sh — vitals' RSS attached to N idle apps once every ring
# tier is full and the GC logs hold a day of an idle app's scavenges (issue
# 12: <= 16 MB at N = 200), next to another build's vitals in the same run.
#
# A day in ~11 minutes: the ring capacities stay the defaults (raw 300,
# tier1 360 buckets, tier2 288) but the spans shrink (10 s -> 1 s, 5 min ->
# 2 s, as bench/soak.sh does), so at 1 Hz both coarse tiers are full after
# 576 s; each app forces a minor GC every 0.7 s (an idle app with the probe
# scavenges every ~100 s: ~860 a day, which these ~900 stand for).  Both
# vitals run the TUI (200x60, private tmux server), attached to every app,
# for WARMUP s; then their VmRSS and VmHWM are printed, with the load.
# Run it in a private network namespace (TEAM.md), e.g.
#   unshare -n sh -c 'ip link set lo up && exec bench/mem_full.sh build base-build'
#
# Usage: bench/mem_full.sh BUILD_DIR [BASE_BUILD_DIR]   Env: N=200 WARMUP=660 NODE=node
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
BASE=${2:-}
[ -n "$BASE" ] && BASE=$(cd "$BASE" && pwd)
N=${N:-200}
WARMUP=${WARMUP:-660}
NODE=${NODE:-node}
PROBE="$here/../probe/vitals-probe.js"
for t in tmux "$NODE"; do
	command -v "$t" >/dev/null || { echo "mem_full: $t not installed" >&2; exit 1; }
done
T=$(mktemp -d /tmp/vitals-memfull.XXXXXX)
chmod 700 "$T"
mkdir -m 700 "$T/sock"
cat >"$T/config" <<'EOF'
[history]
raw = 300
tier1 = 1s:360
tier2 = 2s:288
EOF
SOCK="vm$$"
nodes=""
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	for p in $nodes; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in $nodes; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
echo "mem_full: starting $N idle apps with the probe..." >&2
i=0
while [ "$i" -lt "$N" ]; do
	VITALS_SOCK_DIR="$T/sock" "$NODE" --expose-gc -r "$PROBE" \
		-e 'setInterval(() => gc({ type: "minor" }), 700)' &
	nodes="$nodes $!"
	i=$((i + 1))
done
end=$(( $(date +%s) + 300 ))
for p in $nodes; do
	until [ -S "$T/sock/$p.sock" ]; do
		[ "$(date +%s)" -lt "$end" ] || { echo "mem_full: app $p has no probe socket" >&2; exit 1; }
		sleep 0.2
	done
done
pids=${nodes# }
tmux -L "$SOCK" -f /dev/null new-session -d -s b -x 200 -y 60 \
	"VITALS_SOCK_DIR='$T/sock' exec '$BUILD/vitals' --config '$T/config' $pids"
[ -n "$BASE" ] && tmux -L "$SOCK" new-window -d -t b:1 \
	"VITALS_SOCK_DIR='$T/sock' exec '$BASE/vitals' --config '$T/config' $pids"
load0=$(cut -d' ' -f1 /proc/loadavg)
echo "mem_full: both attached; waiting ${WARMUP}s for every tier to fill (load $load0)" >&2
sleep "$WARMUP"
load1=$(cut -d' ' -f1 /proc/loadavg)
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
printf 'N=%s, %ss with spans shrunk (every tier full), load %s -> %s\n' "$N" "$WARMUP" "$load0" "$load1"
w=0
for name in vitals base; do
	[ "$name" = base ] && [ -z "$BASE" ] && break
	pid=$(tmux -L "$SOCK" list-panes -t "b:$w" -F '#{pane_pid}' 2>/dev/null || true)
	if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
		# anonymous (heap: the model, ncurses' screens, libproc2's
		# stacks) and file-backed (shared libraries' pages) apart
		printf '  %-6s RSS %6.1f MB  peak %6.1f MB  (anon %.1f, files %.1f)\n' "$name" \
			"$(echo "$(kb "$pid" VmRSS) / 1024" | bc -l)" "$(echo "$(kb "$pid" VmHWM) / 1024" | bc -l)" \
			"$(echo "$(kb "$pid" RssAnon) / 1024" | bc -l)" "$(echo "$(kb "$pid" RssFile) / 1024" | bc -l)"
	else
		printf '  %-6s exited\n' "$name"
	fi
	w=$((w + 1))
done
