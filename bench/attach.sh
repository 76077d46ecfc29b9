#!/bin/sh
# bench/attach.sh — how long an attach without restart takes, and how long
# it holds up the target's event loop, against the baseline it replaces:
# restarting the app with the probe (`node -r vitals-probe.js`, measured as
# the time until such a process has its probe socket).
#
# For each of N (7) fresh idle node processes (bench/fixtures/attach_target.js):
#   attach  — wall time of `tests/attach_main attach PID` (SIGUSR1, HTTP,
#             WebSocket, pid check, injection, socket, inspector closed again)
#   stall   — the target's largest event-loop gap around the attach (it ticks
#             every 2 ms; the idle gap is measured first and reported too)
#   restart — time from spawning `node -r probe attach_target.js` to its socket
# Prints the medians and the ratio attach/restart.
#
# Usage: bench/attach.sh [BUILD_DIR]   (default: $VITALS_BUILDDIR or .)
# Needs port 9229 free.  Env: N=7 NODE=node
set -eu
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-7}
NODE=${NODE:-node}
DRIVER="$BUILD/tests/attach_main"
[ -x "$DRIVER" ] || make -C "$BUILD" tests/attach_main >/dev/null
PROBE=${VITALS_PROBE:-$SRC/probe/vitals-probe.js}
export VITALS_PROBE="$PROBE"
VITALS_SOCK_DIR=$(mktemp -d /tmp/vitals-bench.XXXXXX)
chmod 700 "$VITALS_SOCK_DIR"
export VITALS_SOCK_DIR
WORK=$(mktemp -d /tmp/vitals-bench-work.XXXXXX)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$VITALS_SOCK_DIR" "$WORK"' EXIT INT TERM
exec 9>/tmp/vitals-test-9229.lock	# the lock tests/attach.sh takes
flock -w 120 9 || { echo "attach bench: tests hold 9229 (lock)" >&2; exit 1; }
if ss -Hltn 'sport = :9229' | grep -q .; then echo "attach bench: port 9229 is taken" >&2; exit 1; fi

now_us() { echo $(( $(date +%s%N) / 1000 )); }
wait_file() { # FILE PATTERN — up to 10 s
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 1000 ] && { echo "timeout waiting for $2 in $1" >&2; exit 1; }
		sleep 0.01
	done
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$WORK/attach"; : >"$WORK/stall"; : >"$WORK/idle"; : >"$WORK/restart"
k=0
while [ $k -lt "$N" ]; do
	k=$((k + 1))
	out="$WORK/t$k.out"
	"$NODE" "$SRC/bench/fixtures/attach_target.js" >"$out" 2>/dev/null &
	p=$!; pids="$pids $p"
	wait_file "$out" ready
	sleep 0.5
	kill -USR2 "$p"; wait_file "$out" "gap"	# reset; the idle gap follows
	sleep 0.5
	kill -USR2 "$p"
	until [ "$(grep -c gap "$out")" -ge 2 ]; do sleep 0.01; done
	grep gap "$out" | sed -n 2p | awk '{ print $2 }' >>"$WORK/idle"
	t0=$(now_us)
	res=$("$DRIVER" attach "$p")
	t1=$(now_us)
	[ "$res" = "$p: ok" ] || { echo "attach failed: $res" >&2; exit 1; }
	echo $(( (t1 - t0) / 1000 )) >>"$WORK/attach"
	sleep 0.2
	kill -USR2 "$p"
	until [ "$(grep -c gap "$out")" -ge 3 ]; do sleep 0.01; done
	grep gap "$out" | sed -n 3p | awk '{ print $2 }' >>"$WORK/stall"
	kill "$p"

	# baseline: a restart with the probe preloaded, until its socket exists
	t0=$(now_us)
	"$NODE" -r "$PROBE" "$SRC/bench/fixtures/attach_target.js" >/dev/null 2>&1 &
	r=$!; pids="$pids $r"
	while [ ! -S "$VITALS_SOCK_DIR/$r.sock" ]; do sleep 0.002; done
	t1=$(now_us)
	echo $(( (t1 - t0) / 1000 )) >>"$WORK/restart"
	kill "$r"
done
a=$(median <"$WORK/attach"); r=$(median <"$WORK/restart")
s=$(median <"$WORK/stall"); i=$(median <"$WORK/idle")
echo "attach bench, N=$N (medians), load $(cut -d' ' -f1 /proc/loadavg)"
printf '  attach without restart   %6s ms   (all: %s)\n' "$a" "$(tr '\n' ' ' <"$WORK/attach")"
printf '  restart with -r probe    %6s ms   (all: %s)\n' "$r" "$(tr '\n' ' ' <"$WORK/restart")"
printf '  ratio attach/restart     %6s\n' "$(awk -v a="$a" -v r="$r" 'BEGIN { printf "%.2f", a / r }')"
printf '  target loop stall        %6s ms   (idle gap %s ms)\n' "$s" "$i"
