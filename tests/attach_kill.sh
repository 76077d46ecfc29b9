#!/bin/sh
# attach_kill.sh — vitals killed at random points of an attach never leaves an
# inspector open nor a stale probe socket.  $VITALS_KILL_TRIES tries (20 in
# make check, to stay under a minute; the full run is VITALS_KILL_TRIES=100):
# each starts `vitals --json --attach` on a fresh node process, sends it
# SIGTERM, SIGINT, SIGHUP or SIGKILL ($VITALS_KILL_SIGNALS) after a random
# 0–400 ms (before, during and after the SIGUSR1 → CDP → probe steps; half
# the SIGKILLs the moment 9229 appears), waits for it to exit, then checks
# that nothing listens on 9229 (1 s of grace; 8 s after SIGKILL, which
# leaves the closing to vitals's watchdog) and that every socket in the
# probe directory is listened on.  An app that itself died (Node 20 can
# SIGSEGV when its inspector client is SIGKILLed mid-evaluate) is counted
# and shown, not failed — after SIGKILL only.  Every fourth try, when this machine can, the
# target runs in PID+network+mount namespaces of its own (tests/lib.sh).
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need ss
need nsenter
lock_inspector
TRIES=${VITALS_KILL_TRIES:-20}	# make check (under a minute); 100 for the full run
SIGNALS=${VITALS_KILL_SIGNALS:-TERM INT HUP KILL}
WORK=$(mktemp -d "$VITALS_BUILDDIR/kill-test.XXXXXX")
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM
NS=0
ns_can && NS=1

rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
# stale_sockets DIR — sockets in DIR that refuse a connection (the probe
# binds <pid>.tmp and renames it, so ss(8) does not show the path: connect)
stale_sockets() {
	"$NODE" -e '
const fs = require("fs"), net = require("net"), path = require("path");
let names = [];
try { names = fs.readdirSync(process.argv[1]).filter(n => n.endsWith(".sock")); } catch (e) { /* none */ }
for (const n of names) {
	const p = path.join(process.argv[1], n);
	net.connect(p).on("connect", function () { this.destroy(); }).on("error", () => console.log(p));
}' "$1"
}

# next_app — start the node process for the next same-namespace try
next_app() {
	"$NODE" -e 'require("fs").writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)' \
		"$WORK/next.pid" 2>"$WORK/next.err" &
	NEXT=$!; _pids="$_pids $NEXT"
}
next_app
bad=0; early=0; attached=0; mid=0; crashes=0; t_start=$(date +%s)
i=0
while [ $i -lt "$TRIES" ]; do
	i=$((i + 1))
	inns=0
	if [ $NS = 1 ] && [ $((i % 4)) = 0 ]; then
		rm -f "$WORK/ns.pid"
		ns_start "$NODE" "$FIXTURES/idle.js" "$WORK/ns.pid" || fail "ns_start failed"
		P=$NS_PID; inns=1
		# its /tmp is its own: the pid file is written inside, read it there
		wait_for 20 test -s "/proc/$P/root$WORK/ns.pid" -o -s "$WORK/ns.pid" || fail "namespaced app did not start"
	else
		rm -f "$WORK/app.pid"
		# started during the previous try: node takes a while to start
		P=$NEXT; mv "$WORK/next.err" "$WORK/app.err"
		wait_for 20 test -s "$WORK/next.pid" || fail "app did not start"
		rm -f "$WORK/next.pid"
	fi
	set -- $SIGNALS
	shift $(( $(rand) % $# ))
	sig=$1
	delay=$(( $(rand) % 400 ))
	"$VITALS" --json --attach -i 0.2 "$P" > "$WORK/v.out" 2>"$WORK/v.err" &
	V=$!
	# from its first line on (signal handlers are in place; a signal before
	# that is the shell's business: SIGINT is ignored in background jobs)
	wait_for 10 grep -q '"found"' "$WORK/v.out" || fail "try $i: vitals printed nothing: $(cat "$WORK/v.err")"
	if [ "$sig" = KILL ] && [ $(( $(rand) % 2 )) = 0 ]; then
		# the worst moment: the inspector SIGUSR1 opened has just appeared
		delay=port
		# (or the attach ended first: the window was missed)
		wait_for 5 sh -c "nsenter -t $P -n ss -Hltn 'sport = :9229' | grep -q . ||
			grep -q '\"probe_attached\"\|\"attach_failed\"' '$WORK/v.out'" ||
			delay="port (not seen)"
		grep -q '"probe_attached"\|"attach_failed"' "$WORK/v.out" && delay="port (missed)"
	else
		sleep "$(printf '0.%03d' "$delay")"
	fi
	kill -s "$sig" "$V" 2>/dev/null
	[ $inns = 1 ] || next_app
	t0=$(date +%s%N)
	wait_for 20 sh -c "! kill -0 $V 2>/dev/null" ||
		fail "try $i: vitals still running 20 s after SIG$sig ($delay ms in): $(cat "$WORK/v.err"; tail -3 "$WORK/v.out")"
	took=$(( ($(date +%s%N) - t0) / 1000000 ))
	wait "$V" 2>/dev/null
	[ -n "${VITALS_KILL_VERBOSE:-}" ] && echo "try $i: SIG$sig at $delay ms, vitals exited in $took ms"
	if grep -q probe_attached "$WORK/v.out"; then attached=$((attached + 1))
	elif grep -q '"probe":"attaching"' "$WORK/v.out"; then mid=$((mid + 1))
	else early=$((early + 1)); fi
	# SIGKILL: vitals cannot close it; its watchdog does (collectors/watchdog.c)
	grace=1; [ "$sig" = KILL ] && grace=8
	if ! wait_for $grace sh -c "! { nsenter -t $P -n ss -Hltn 'sport = :9229' | grep -q .; }"; then
		echo "try $i: SIG$sig after ${delay} ms (namespaced: $inns; vitals exited in $took ms) left 9229 open: $(cat "$WORK/v.err" "$WORK/app.err" 2>/dev/null | tr '\n' ' ')"
		bad=$((bad + 1))
	fi
	# Node 20 itself may die (SIGSEGV) when its inspector client is killed
	# while Runtime.evaluate of the probe runs (cf. nodejs/node#18761): only
	# SIGKILL can do that to a client, and a dead app's socket is its own
	crashed=0
	if [ $inns = 0 ] && ! kill -0 "$P" 2>/dev/null; then
		wait "$P" 2>/dev/null; rc=$?
		crashed=1; crashes=$((crashes + 1))
		echo "try $i: SIG$sig after ${delay} ms: the app died (exit status $rc): $(tr '\n' ' ' < "$WORK/app.err")"
		[ "$sig" = KILL ] || { echo "try $i: only a SIGKILLed vitals may leave the app so"; bad=$((bad + 1)); }
		rm -f "$VITALS_SOCK_DIR/$P.sock"
	fi
	st=$(stale_sockets "$VITALS_SOCK_DIR")
	[ $inns = 1 ] && st="$st$(stale_sockets "/proc/$P/root/tmp/vitals-$(id -u)")"
	if [ -n "$st" ]; then
		echo "try $i: SIG$sig after ${delay} ms left stale sockets: $st; $(ls -la "$VITALS_SOCK_DIR"; cat "$WORK/v.err" "$WORK/app.err" 2>/dev/null | tr '\n' ' ')"
		bad=$((bad + 1))
	fi
	if [ $inns = 1 ]; then ns_stop; elif [ $crashed = 0 ]; then kill "$P"; wait "$P" 2>/dev/null; fi
done
echo "$TRIES tries in $(( $(date +%s) - t_start )) s: killed before any attach output $early, mid-attach $mid, after attaching $attached; failures $bad; apps that died of a SIGKILLed client $crashes"
[ $bad = 0 ] || fail "$bad of $TRIES tries left an inspector open or a stale socket"
pass "vitals killed at random points of $TRIES attaches left no inspector open and no stale socket"
