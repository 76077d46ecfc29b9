#!/bin/sh
# bench/watch_cost.sh — what watching N idle node apps costs, vitals next to
# htop and btop, in one run (issue 12 item 4).
#
# For each N in NS (1 10 50 200): starts N idle node apps with the probe loaded
# (launch mode: `node -r probe/vitals-probe.js`, sockets in a private
# VITALS_SOCK_DIR), then runs side by side in one private tmux server
# (windows of 200x60), all at a 1 s refresh, for WARMUP + DURATION seconds:
#   vitals, not attached   the TUI given the N PIDs, VITALS_SOCK_DIR empty
#   vitals, attached       the TUI given the N PIDs, connected to every probe
#   vitals --json          headless, attached, stdout to /dev/null
#   htop -d 10             the baseline (all processes, as htop runs)
#   btop                   update_ms=1000 from a private config, if installed
# With BASE=OTHER_BUILD_DIR also "base, attached": another build's vitals
# (e.g. main before a change) in the same window, for before/after figures.
# Each one's CPU % is its utime+stime delta from /proc/PID/stat over the window
# (after the warm-up), its peak RSS VmHWM; ratios are against htop of the same
# window. The 1-minute load average at the start of each window is printed:
# on a shared machine only the ratios compare across runs.
# Run it in a private network namespace (TEAM.md), e.g.
#   unshare -n sh -c 'ip link set lo up && exec bench/watch_cost.sh build'
#
# Usage: bench/watch_cost.sh [BUILD_DIR]   (default: $VITALS_BUILDDIR or .)
# Env: NS="1 10 50 200" DURATION=30 WARMUP=8 NODE=node BASE=
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
NS=${NS:-1 10 50 200}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-8}
NODE=${NODE:-node}
HZ=$(getconf CLK_TCK)
PROBE="$here/../probe/vitals-probe.js"

for t in tmux htop "$NODE"; do
	command -v "$t" >/dev/null || { echo "watch_cost: $t not installed (scripts/install-deps --bench)" >&2; exit 1; }
done
[ -x "$BUILD/vitals" ] || make -C "$BUILD" vitals >/dev/null
BTOP=$(command -v btop || true)
BASE=${BASE:-}
if [ -n "$BASE" ]; then
	BASE=$(cd "$BASE" && pwd)
	[ -x "$BASE/vitals" ] || { echo "watch_cost: no $BASE/vitals" >&2; exit 1; }
fi

T=$(mktemp -d /tmp/vitals-watch.XXXXXX)
chmod 700 "$T"
mkdir -m 700 "$T/sock" "$T/nosock" "$T/cfg" "$T/cfg/btop"
# btop: 1 s like the others; no theme or mouse work beyond its defaults
printf 'update_ms = 1000\n' >"$T/cfg/btop/btop.conf"
SOCK="vw$$"
nodes=""
stop_nodes() {
	for p in $nodes; do kill "$p" 2>/dev/null || true; done
	sleep 0.5	# a node still starting up may miss SIGTERM
	for p in $nodes; do kill -KILL "$p" 2>/dev/null || true; done
	for p in $nodes; do wait "$p" 2>/dev/null || true; done
	nodes=""
}
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	stop_nodes
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
load1() { cut -d' ' -f1 /proc/loadavg; }

: >"$T/rows"
for N in $NS; do
	echo "N=$N: starting $N idle node apps with the probe..." >&2
	i=0
	while [ "$i" -lt "$N" ]; do
		VITALS_SOCK_DIR="$T/sock" "$NODE" -r "$PROBE" -e 'setInterval(() => {}, 1000)' &
		nodes="$nodes $!"
		i=$((i + 1))
	done
	end=$(( $(date +%s) + 300 ))
	for p in $nodes; do	# ready: its probe socket is there
		until [ -S "$T/sock/$p.sock" ]; do
			[ "$(date +%s)" -lt "$end" ] || { echo "watch_cost: app $p has no probe socket" >&2; exit 1; }
			sleep 0.2
		done
	done
	pids=${nodes# }
	v=$BUILD/vitals
	tmux -L "$SOCK" -f /dev/null new-session -d -s b -x 200 -y 60 \
		"VITALS_SOCK_DIR='$T/nosock' exec '$v' $pids"
	tmux -L "$SOCK" new-window -d -t b:1 "VITALS_SOCK_DIR='$T/sock' exec '$v' $pids"
	tmux -L "$SOCK" new-window -d -t b:2 "VITALS_SOCK_DIR='$T/sock' exec '$v' --json $pids >/dev/null"
	tmux -L "$SOCK" new-window -d -t b:3 "exec htop -d 10"
	[ -n "$BTOP" ] && tmux -L "$SOCK" new-window -d -t b:4 "XDG_CONFIG_HOME='$T/cfg' exec '$BTOP'"
	[ -n "$BASE" ] && tmux -L "$SOCK" new-window -d -t b:5 "VITALS_SOCK_DIR='$T/sock' exec '$BASE/vitals' $pids"
	sleep "$WARMUP"	# first sight of every process and every attach are not steady state
	names="vitals_not_attached vitals_attached vitals_json htop btop base_attached"
	set --
	w=0
	for name in $names; do
		pid=$(tmux -L "$SOCK" list-panes -t "b:$w" -F '#{pane_pid}' 2>/dev/null || true)
		[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || pid=0
		set -- "$@" "$name:$pid:$( [ "$pid" -gt 0 ] && ticks "$pid" || echo 0)"
		w=$((w + 1))
	done
	load=$(load1); t0=$(date +%s.%N)
	sleep "$DURATION"
	t1=$(date +%s.%N)
	for e in "$@"; do
		name=${e%%:*}; rest=${e#*:}; pid=${rest%%:*}; c0=${rest#*:}
		if [ "$pid" -gt 0 ] && [ -r "/proc/$pid/stat" ]; then
			c1=$(ticks "$pid"); m=$(hwm_kb "$pid")
			echo "$N $name $c0 $c1 $m $t0 $t1 $load" >>"$T/rows"
		else
			echo "$N $name - - - $t0 $t1 $load" >>"$T/rows"
		fi
	done
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	stop_nodes
done

awk -v hz="$HZ" -v has_base="$( [ -n "$BASE" ] && echo 1 || echo 0)" '
$3 == "-" { cpu[$1, $2] = -1; next }
{
	cpu[$1, $2] = ($4 - $3) / hz / ($7 - $6) * 100
	mb[$1, $2] = $5 / 1024
	load[$1] = $8
	if (!($1 in seen)) { seen[$1] = 1; ns[++nn] = $1 }
}
END {
	nt = split("vitals_not_attached vitals_attached vitals_json htop btop base_attached", tool, " ")
	label["vitals_not_attached"] = "vitals, not attached"
	label["vitals_attached"] = "vitals, all attached"
	label["vitals_json"] = "vitals --json, attached"
	label["htop"] = "htop -d 10"
	label["btop"] = "btop (1 s)"
	label["base_attached"] = "BASE vitals, attached"
	printf "\nCPU %% of one core / peak RSS MB, 1 s refresh; (x htop) = ratio to htop in the same window\n"
	printf "%-24s", ""
	for (j = 1; j <= nn; j++) printf " | %-26s", "N=" ns[j] " (load " load[ns[j]] ")"
	printf "\n"
	for (k = 1; k <= nt; k++) {
		t = tool[k]
		if (t == "base_attached" && !has_base) continue
		printf "%-24s", label[t]
		for (j = 1; j <= nn; j++) {
			n = ns[j]
			if (!((n, t) in cpu) || cpu[n, t] < 0) { printf " | %-26s", "n/a"; continue }
			h = cpu[n, "htop"]; hm = mb[n, "htop"]
			cell = sprintf("%.2f%% / %.1f MB", cpu[n, t], mb[n, t])
			if (t != "htop" && h > 0 && hm > 0)
				cell = cell sprintf(" (%.2fx/%.1fx)", cpu[n, t] / h, mb[n, t] / hm)
			printf " | %-26s", cell
		}
		printf "\n"
	}
	printf "targets (issue 12): attached at N=50 <= 0.5x htop CPU, at N=200 <= 1x htop; RSS at N=200 attached <= 16 MB\n"
}' "$T/rows"
