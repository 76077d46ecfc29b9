#!/bin/sh
# bench/attach_ns.sh — attach time across namespaces against the same
# namespace, measured in one run (medians of N, the three kinds interleaved
# so machine load falls on all alike):
#   same      node in vitals's own namespaces
#   container node in fresh PID+network+mount namespaces (tests/lib.sh
#             ns_start): the socket is made on a helper thread after setns,
#             the probe socket reached through /proc/PID/root
#   rootless  node in a user namespace of uid 65534 (+net, pid, mount), the
#             attach run as that user: a forked child joins the user
#             namespace, then the network one
# Each is the wall time of `tests/attach_main attach PID` (SIGUSR1 … probe
# socket … inspector closed again) on a fresh idle process.  Root only; runs
# in a network namespace of its own (tests/netns.sh).
# Usage: VITALS_BUILDDIR=build sh bench/attach_ns.sh   Env: N=10
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
N=${N:-10}
DRIVER="$VITALS_BUILDDIR/tests/attach_main"
[ -x "$DRIVER" ] || fail "build tests/attach_main first (make check builds it)"
ns_can || fail "needs root and unshare/nsenter/ip"
U=65534
AS_USER="setpriv --reuid=$U --regid=$U --clear-groups"
rootless=1
$AS_USER unshare --user --map-root-user --net --pid --mount --fork true 2>/dev/null || rootless=0
WORK=$(mktemp -d "$VITALS_BUILDDIR/attach-ns-bench.XXXXXX")
chown "$U" "$WORK"
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# timed KIND PID [AS...] — one attach, its ms appended to $WORK/KIND
timed() {
	k=$1 p=$2; shift 2
	t0=$(ms)
	out=$("$@" "$DRIVER" attach "$p")
	t1=$(ms)
	[ "$out" = "$p: ok" ] || fail "$k attach: $out"
	echo $((t1 - t0)) >> "$WORK/$k"
}
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	rm -f "$WORK"/*.pid
	start_bg "$NODE" "$FIXTURES/idle.js" "$WORK/same.pid"; S=$!
	ns_start "$NODE" "$FIXTURES/idle.js" "$WORK/ns.pid" || fail "ns_start failed"
	C=$NS_PID; CU=$NS_UNSHARE
	if [ $rootless = 1 ]; then
		$AS_USER unshare --user --map-root-user --net --pid --mount --mount-proc --fork \
			sh -c 'ip link set lo up && exec "$@"' sh "$NODE" "$FIXTURES/idle.js" "$WORK/rl.pid" &
		_pids="$_pids $!"
		wait_for 10 grep -q . "/proc/$!/task/$!/children" || fail "rootless app did not start"
		R=$(tr -d ' ' < "/proc/$!/task/$!/children"); _ns_pids="$_ns_pids $R"
		wait_for 20 test -s "$WORK/rl.pid" || fail "rootless app did not start"
	fi
	wait_for 20 test -s "$WORK/same.pid" && wait_for 20 test -s "$WORK/ns.pid" || fail "apps did not start"
	# rotate the order: no kind always goes first
	case $((i % 3)) in
	0) timed same "$S" env; timed container "$C" env ;;
	1) timed container "$C" env; timed same "$S" env ;;
	*) timed same "$S" env; timed container "$C" env ;;
	esac
	[ $rootless = 1 ] && timed rootless "$R" $AS_USER env VITALS_SOCK_DIR="$WORK/sock-$U"
	kill "$S"; kill -KILL "$C" 2>/dev/null
	[ $rootless = 1 ] && kill -KILL "$R" 2>/dev/null
	wait 2>/dev/null
done
echo "load: $(uptime | sed 's/.*load/load/')"
for k in same container rootless; do
	[ -s "$WORK/$k" ] || continue
	echo "$k: median $(median < "$WORK/$k") ms of $N ($(sort -n "$WORK/$k" | tr '\n' ' '))"
done
