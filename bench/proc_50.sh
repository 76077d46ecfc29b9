#!/bin/sh
# bench/proc_50.sh — cost of watching 50 Node processes at 1 Hz, against htop.
#
# Starts N (50) idle node processes, then in one private tmux server (windows
# of 200x60) runs, side by side for DURATION (60) seconds:
#   - vitals' collector: bench/proc_bench (the collector loop on libuv, no UI),
#     or with BENCH_BIN=vitals the real TUI `vitals PID...`;
#   - the baseline: `htop -d 10` (1 s refresh).
# Measures each one's CPU % (utime+stime delta from /proc/PID/stat over the
# window, after a warm-up) and peak RSS (VmHWM), prints a table with the ratio
# vitals/htop and the targets: CPU <= 0.5 x htop, peak RSS < 8 MB.
# With CALLGRIND=1 also counts instructions per sampling tick (valgrind).
# With DISCOVER=1 also runs `proc_bench -d` (no PIDs: discovery of this user's
# Node processes before every tick, what vitals does when given no PID).
#
# Usage: bench/proc_50.sh [BUILD_DIR]   (default: $VITALS_BUILDDIR or .)
# Env: N=50 DURATION=60 WARMUP=3 BENCH_BIN=proc_bench|vitals CALLGRIND=0
set -eu
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
N=${N:-50}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-3}
BENCH_BIN=${BENCH_BIN:-proc_bench}
NODE=${NODE:-node}
HZ=$(getconf CLK_TCK)

command -v tmux >/dev/null || { echo "proc_50: tmux not installed" >&2; exit 1; }
command -v htop >/dev/null || { echo "proc_50: htop not installed" >&2; exit 1; }
command -v "$NODE" >/dev/null || { echo "proc_50: node not installed" >&2; exit 1; }
case $BENCH_BIN in
proc_bench)
	[ -x "$BUILD/bench/proc_bench" ] || make -C "$BUILD" bench/proc_bench >/dev/null
	BIN="$BUILD/bench/proc_bench"; LABEL="vitals collector (proc_bench)";;
vitals)
	[ -x "$BUILD/vitals" ] || make -C "$BUILD" vitals >/dev/null
	BIN="$BUILD/vitals"; LABEL="vitals (TUI)";;
*) echo "proc_50: BENCH_BIN must be proc_bench or vitals" >&2; exit 2;;
esac

T=$(mktemp -d /tmp/vitals-bench.XXXXXX)
SOCK="vb$$"
nodes=""
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	for p in $nodes; do kill "$p" 2>/dev/null || true; done
	sleep 0.5	# a node still starting up may miss SIGTERM: make sure
	for p in $nodes; do kill -KILL "$p" 2>/dev/null || true; done
	for p in $nodes; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# ticks PID — utime+stime of PID in clock ticks (fields 14, 15 after the comm)
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

echo "starting $N idle node processes..."
i=0
while [ "$i" -lt "$N" ]; do
	"$NODE" -e 'setInterval(() => {}, 1000)' &
	nodes="$nodes $!"
	i=$((i + 1))
done
# Ready when every one has its threads up (node starts ~7).
end=$(( $(date +%s) + 120 ))
for p in $nodes; do
	while [ "$(awk '/^Threads:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)" -lt 7 ]; do
		[ "$(date +%s)" -lt "$end" ] || { echo "proc_50: node $p did not start" >&2; exit 1; }
		sleep 0.2
	done
done

# `exec` so that each pane's pid is the program itself.
if [ "$BENCH_BIN" = proc_bench ]; then
	cmd="exec '$BIN' -i 1000 -s '$T/stats' $nodes"
else
	cmd="exec '$BIN' $nodes"
fi
tmux -L "$SOCK" -f /dev/null new-session -d -s b -x 200 -y 60 "$cmd"
tmux -L "$SOCK" new-window -d -t b:1 "exec htop -d 10"
if [ "${DISCOVER:-0}" = 1 ]; then
	[ -x "$BUILD/bench/proc_bench" ] || make -C "$BUILD" bench/proc_bench >/dev/null
	tmux -L "$SOCK" new-window -d -t b:2 "exec '$BUILD/bench/proc_bench' -d -i 1000"
fi
sleep 0.5
vpid=$(tmux -L "$SOCK" list-panes -t b:0 -F '#{pane_pid}')
hpid=$(tmux -L "$SOCK" list-panes -t b:1 -F '#{pane_pid}')
dpid=""
[ "${DISCOVER:-0}" = 1 ] && dpid=$(tmux -L "$SOCK" list-panes -t b:2 -F '#{pane_pid}')
for p in "$vpid" "$hpid"; do
	[ -r "/proc/$p/stat" ] || { echo "proc_50: a program under test did not start" >&2;
		tmux -L "$SOCK" capture-pane -p -t b:0 >&2; exit 1; }
done
sleep "$WARMUP"		# first sight of every process (cmdline, cgroup) is not steady state
v0=$(ticks "$vpid"); h0=$(ticks "$hpid"); t0=$(date +%s.%N)
[ -n "$dpid" ] && d0=$(ticks "$dpid")
echo "measuring for ${DURATION}s: $LABEL (pid $vpid) and htop -d 10 (pid $hpid)..."
sleep "$DURATION"
v1=$(ticks "$vpid"); h1=$(ticks "$hpid"); t1=$(date +%s.%N)
vhwm=$(hwm_kb "$vpid"); hhwm=$(hwm_kb "$hpid")
dline=""
if [ -n "$dpid" ]; then
	d1=$(ticks "$dpid")
	dline=$(awk -v d="$((d1 - d0))" -v t0="$t0" -v t1="$t1" -v hz="$HZ" -v m="$(hwm_kb "$dpid")" \
		'BEGIN { printf "%-32s %10.2f %14.2f", "proc_bench -d (discovery mode)", d / hz / (t1 - t0) * 100, m / 1024 }')
fi
if [ "$BENCH_BIN" = proc_bench ]; then
	kill -TERM "$vpid"
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/stats" ] && break; sleep 0.2; done
fi

awk -v v="$((v1 - v0))" -v h="$((h1 - h0))" -v t0="$t0" -v t1="$t1" -v hz="$HZ" \
    -v vm="$vhwm" -v hm="$hhwm" -v label="$LABEL" -v n="$N" -v dline="$dline" '
BEGIN {
	secs = t1 - t0
	vc = v / hz / secs * 100; hc = h / hz / secs * 100
	printf "\n%d node processes, 1 s interval, %.1f s window\n", n, secs
	printf "%-32s %10s %14s\n", "", "CPU %", "peak RSS (MB)"
	printf "%-32s %10.2f %14.2f\n", label, vc, vm / 1024
	printf "%-32s %10.2f %14.2f\n", "htop -d 10", hc, hm / 1024
	if (dline != "") print dline
	if (hc > 0) r = sprintf("%.2f", vc / hc); else r = "n/a"
	printf "%-32s %10s %14.2f\n", "ratio vitals/htop", r, hm ? vm / hm : 0
	printf "target CPU <= 0.5 x htop: %s    target peak RSS < 8 MB: %s\n",
		(hc > 0 && vc <= 0.5 * hc) ? "MET" : "NOT MET", (vm < 8192) ? "MET" : "NOT MET"
}'
[ -s "$T/stats" ] && echo "collector self-timing: $(cat "$T/stats")"

if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
	# Steady-state instructions per tick: (11 ticks - 1 tick) / 10, so the
	# first sight of every process is not counted.
	ir() {
		valgrind --tool=callgrind --callgrind-out-file="$T/cg.$1" \
			--toggle-collect=proc_collector_sample "$BUILD/bench/proc_bench" -i 0 -n "$1" \
			$nodes >/dev/null 2>&1
		awk '/^summary:/ { print $2 }' "$T/cg.$1"
	}
	[ -x "$BUILD/bench/proc_bench" ] || make -C "$BUILD" bench/proc_bench >/dev/null
	i1=$(ir 1); i11=$(ir 11)
	echo "callgrind: first tick $i1 instructions; steady tick $(( (i11 - i1) / 10 )) instructions for $N processes"
fi
