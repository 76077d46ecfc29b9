#!/bin/sh
# tests/attach.sh — attach without restart (collectors/inspector.c) against
# real node processes, through tests/attach_main.  Every case that touches
# port 9229 is here, run one after the other: the port is one per machine.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need ss
DRIVER="$VITALS_BUILDDIR/tests/attach_main"
[ -x "$DRIVER" ] || fail "build tests/attach_main first"
: "${VITALS_PROBE:=$VITALS_SRCDIR/probe/vitals-probe.js}"
export VITALS_PROBE
[ -r "$VITALS_PROBE" ] || fail "probe not found at $VITALS_PROBE"

# Other tests that attach (through vitals) take the same lock, so they do not
# fight over 9229 under `make -j check`.
lock_inspector

WORK=$(mktemp -d /tmp/vitals-attach.XXXXXX)
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM

# listening PORT [PID] — someone (PID) listens on PORT.  Checks name the PID
# where they can, so another test's vitals attaching meanwhile cannot fail us.
listening() {
	if [ $# -gt 1 ]; then ss -Hltnp "sport = :$1" | grep -q "pid=$2,"
	else ss -Hltn "sport = :$1" | grep -q .; fi
}
if ! wait_for 15 sh -c "! ss -Hltn 'sport = :9229' | grep -q ."; then
	echo "SKIP: port 9229 is held by another process ($(ss -Hltnp 'sport = :9229' | head -1)); attach tests need it"
	exit 77
fi

# start_node NAME ARGS... — start node in the background with output in
# $WORK/NAME.out/.err; sets $P.  Waits until the fixture says it is ready.
start_node() {
	_n=$1; shift
	"$NODE" "$@" >"$WORK/$_n.out" 2>"$WORK/$_n.err" &
	P=$!
	_pids="$_pids $P"
	wait_for 15 grep -q ready "$WORK/$_n.out" || fail "$_n did not start: $(cat "$WORK/$_n.err")"
}

# hello_pid PID — connect to the probe socket and print the pid of its hello
hello_pid() {
	"$NODE" -e '
		const c = require("net").connect(process.argv[1]);
		let buf = "";
		c.on("data", d => { buf += d; const i = buf.indexOf("\n");
			if (i >= 0) { console.log(JSON.parse(buf.slice(0, i)).pid); c.destroy(); } });
		c.on("error", e => { console.error(e.message); process.exit(1); });
		setTimeout(() => process.exit(1), 5000).unref();
	' "$VITALS_SOCK_DIR/$1.sock"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# attach_ok NAME PID — attach, expect ok, the socket, a matching hello, 9229 closed
attach_ok() {
	out=$("$DRIVER" attach "$2") || fail "$1: attach failed: $out"
	[ "$out" = "$2: ok" ] || fail "$1: unexpected output: $out"
	[ -S "$VITALS_SOCK_DIR/$2.sock" ] || fail "$1: no socket $VITALS_SOCK_DIR/$2.sock"
	hp=$(hello_pid "$2") || fail "$1: probe socket does not answer"
	[ "$hp" = "$2" ] || fail "$1: hello says pid $hp, expected $2"
	! listening 9229 "$2" || fail "$1: port 9229 still open after the attach"
	pass "$1: attached, hello pid $hp, 9229 closed again"
}

# --- CommonJS app
start_node cjs "$FIXTURES/attach_cjs.js"
CJS=$P
attach_ok "CommonJS app" "$CJS"
wait_for 10 grep -q "Debugger ending" "$WORK/cjs.err" || fail "CommonJS app: the inspector session did not end"

# --- already attached: no second SIGUSR1
out=$("$DRIVER" attach "$CJS") || fail "re-attach failed: $out"
n=$(grep -c "Debugger listening" "$WORK/cjs.err")
[ "$n" = 1 ] || fail "re-attach opened the inspector again ($n times)"
pass "re-attach uses the existing probe socket"

# --- ES module app (no require in scope)
start_node esm "$FIXTURES/attach_esm.mjs"
attach_ok "ES-module app" "$P"

# --- two processes queued in one driver: serialised, both attached
start_node q1 "$FIXTURES/attach_cjs.js"
Q1=$P
start_node q2 "$FIXTURES/attach_esm.mjs"
Q2=$P
out=$("$DRIVER" attach "$Q1" "$Q2") || fail "queued attach failed: $out"
echo "$out" | grep -qx "$Q1: ok" || fail "queued attach of $Q1: $out"
echo "$out" | grep -qx "$Q2: ok" || fail "queued attach of $Q2: $out"
[ -S "$VITALS_SOCK_DIR/$Q1.sock" ] && [ -S "$VITALS_SOCK_DIR/$Q2.sock" ] || fail "queued: sockets missing"
! listening 9229 "$Q1" && ! listening 9229 "$Q2" || fail "queued: port 9229 left open"
pass "two attaches back to back, 9229 closed after both"
kill "$Q1" "$Q2" 2>/dev/null

# --- two dashboards attaching at the same moment (two drivers): the loser of
#     the race for 9229 waits and signals again
start_node r1 "$FIXTURES/attach_cjs.js"
R1=$P
start_node r2 "$FIXTURES/attach_cjs.js"
R2=$P
"$DRIVER" attach "$R1" >"$WORK/race1" 2>&1 &
A=$!
"$DRIVER" attach "$R2" >"$WORK/race2" 2>&1 || fail "concurrent attach of $R2: $(cat "$WORK/race2")"
wait "$A" || fail "concurrent attach of $R1: $(cat "$WORK/race1")"
[ -S "$VITALS_SOCK_DIR/$R1.sock" ] && [ -S "$VITALS_SOCK_DIR/$R2.sock" ] || fail "concurrent: sockets missing"
! listening 9229 "$R1" && ! listening 9229 "$R2" || fail "concurrent: port 9229 left open"
pass "two concurrent attaches both succeed"
kill "$R1" "$R2" 2>/dev/null

# --- vitals quits mid-attach (inspector_close): no callback, no leak, and an
#     inspector it opened is still closed again
for ms in 0 25; do
	start_node cancel "$FIXTURES/attach_cjs.js"
	out=$("$DRIVER" cancel "$ms" "$P") || fail "cancel after $ms ms: driver failed: $out"
	[ "$out" = "cancelled 1" ] || [ "$out" = "$P: ok" ] || fail "cancel after $ms ms: unexpected output: $out"
	! listening 9229 "$P" || fail "cancel after $ms ms: port 9229 left open"
	kill "$P"
done
pass "inspector_close mid-attach: callbacks dropped, 9229 closed again"

# --- a probe that fails: the reason is reported and the inspector vitals
#     opened is closed again; one that ignores closeInspector: vitals closes it
for f in refuses throws noclose; do
	start_node "pf$f" "$FIXTURES/attach_cjs.js"
	out=$(VITALS_PROBE="$FIXTURES/attach_probe_$f.js" "$DRIVER" attach "$P")
	rc=$?
	case $f in
	refuses) want="$P: the probe did not start in PID $P: refused for the test"; wrc=1 ;;
	throws) want="$P: the probe failed to start in PID $P: threw: Error: probe exploded for the test"; wrc=1 ;;
	noclose) want="$P: ok"; wrc=0 ;;
	esac
	[ "$out" = "$want" ] && [ "$rc" = "$wrc" ] || fail "probe $f: got ($rc) $out, want ($wrc) $want"
	! listening 9229 "$P" || fail "probe $f: inspector left open"
	kill -0 "$P" || fail "probe $f: the app died"
	kill "$P"
done
pass "failing probes reported, inspector closed in every case"

# --- --inspect=127.0.0.1:0: use that inspector and leave it open
start_node insp0 --inspect=127.0.0.1:0 "$FIXTURES/attach_cjs.js"
I0=$P
wait_for 10 grep -q "Debugger listening" "$WORK/insp0.err" || fail "--inspect=0 did not start its inspector"
port=$(sed -n 's|.*ws://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/insp0.err" | head -1)
out=$("$DRIVER" attach "$I0") || fail "--inspect=0: attach failed: $out"
[ -S "$VITALS_SOCK_DIR/$I0.sock" ] || fail "--inspect=0: no socket"
listening "$port" || fail "--inspect=0: its inspector on port $port was closed"
! listening 9229 "$I0" || fail "--inspect=0: port 9229 opened"
pass "--inspect=127.0.0.1:0 app attached through port $port, left open"
kill "$I0"

# --- --inspect (9229): attached, left open; meanwhile 9229 is taken for others
"$NODE" --inspect "$FIXTURES/attach_cjs.js" >"$WORK/insp.out" 2>"$WORK/insp.err" &
IP=$!
_pids="$_pids $IP"
wait_for 15 grep -q ready "$WORK/insp.out" || fail "--inspect app did not start"
wait_for 10 listening 9229 "$IP" || fail "--inspect app did not open 9229"
out=$("$DRIVER" attach "$IP") || fail "--inspect: attach failed: $out"
listening 9229 "$IP" || fail "--inspect: the app's own inspector was closed"
pass "--inspect app attached, its inspector left open"
# (started with --inspect too: its inspector fails to start, 9229 being taken,
# so vitals asks its HTTP port, finds no inspector and falls back to SIGUSR1)
start_node other --inspect "$FIXTURES/attach_cjs.js"
OTHER=$P
wait_for 10 grep -q "address already in use" "$WORK/other.err" || fail "second --inspect app: $(cat "$WORK/other.err")"
out=$("$DRIVER" attach "$OTHER") && fail "attach while 9229 is held by another process succeeded: $out"
echo "$out" | grep -q "can't attach: port 9229 is held by PID $IP (node); stop it, or start the app with \`vitals -- node …\` or \`node -r .*vitals-probe.js …\`" ||
	fail "port held: unexpected message: $out"
pass "port held by another process: $out"
kill "$IP"
wait_for 10 sh -c "! ss -Hltn 'sport = :9229' | grep -q ." || fail "9229 still open after killing the --inspect app"
attach_ok "attach once 9229 is free again" "$OTHER"

# --- an app that handles SIGUSR1 itself: clear error within 3 s, app survives
#     (the driver itself runs on until the attach deadline, watching for a
#     late inspector: see the next case)
start_node usr1 "$FIXTURES/attach_sigusr1.js"
U=$P
t0=$(now_ms)
"$DRIVER" attach "$U" >"$WORK/usr1.attach" 2>&1 &
A=$!
wait_for 10 grep -q "PID $U" "$WORK/usr1.attach" || fail "SIGUSR1 handler: no answer within 10 s"
dt=$(( $(now_ms) - t0 ))
wait "$A" && fail "SIGUSR1 handler: attach succeeded?"
out=$(cat "$WORK/usr1.attach")
echo "$out" | grep -q "PID $U did not open its inspector after SIGUSR1 (it may handle SIGUSR1 itself); start it with \`vitals -- node …\` or \`node -r .*vitals-probe.js …\`" ||
	fail "SIGUSR1 handler: unexpected message: $out"
[ "$dt" -lt 3000 ] || fail "SIGUSR1 handler: error took $dt ms (limit 3000)"
kill -0 "$U" 2>/dev/null || fail "SIGUSR1 handler: the app died"
wait_for 5 grep -q "got SIGUSR1" "$WORK/usr1.out" || fail "SIGUSR1 handler: app never saw the signal"
pass "own SIGUSR1 handler: error after $dt ms, app still running"

# --- an app with more listening sockets than one read of /proc/net/tcp
#     keeps: the inspector's port is still found
start_node many "$FIXTURES/attach_many.js" 600
attach_ok "app with 600 listening sockets" "$P"
kill "$P"

# --- an app busy in native code when SIGUSR1 comes opens its inspector only
#     once the call returns, after vitals gave up waiting for it: that
#     inspector must be closed again all the same
start_node busy "$FIXTURES/attach_busy.js" 4
B=$P
kill -USR2 "$B"
wait_for 10 grep -q blocking "$WORK/busy.out" || fail "busy app did not start blocking"
out=$("$DRIVER" attach "$B")
wait_for 10 grep -q unblocked "$WORK/busy.out" || fail "busy app did not unblock"
wait_for 5 grep -q "Debugger listening" "$WORK/busy.err" || fail "busy app: SIGUSR1 never opened the inspector ($out)"
! listening 9229 "$B" || fail "busy app: inspector opened late was left open ($out)"
kill -0 "$B" 2>/dev/null || fail "busy app died"
pass "inspector opened late by a busy app closed again ($out)"
kill "$B"

# --- an app busy in JavaScript when SIGUSR1 comes (loading its modules, say):
#     Node starts the inspector from a V8 interrupt, vitals attaches through
#     it, and the signal's second start, once the loop runs, opens it again
#     (it stayed open for good: pm2 members attached as they started); that
#     one must be closed too, and stay closed
start_node busyjs "$FIXTURES/attach_busy.js" 3 js
B=$P
kill -USR2 "$B"
wait_for 10 grep -q blocking "$WORK/busyjs.out" || fail "busy JS app did not start blocking"
out=$("$DRIVER" attach "$B")
[ "$out" = "$B: ok" ] || fail "busy JS app: attach: $out"
wait_for 15 grep -q unblocked "$WORK/busyjs.out" || fail "busy JS app did not unblock"
wait_for 15 sh -c "! ss -Hltnp 'sport = :9229' | grep -q 'pid=$B,'" ||
	fail "busy JS app: the inspector reopened after the attach is left open: $(cat "$WORK/busyjs.err")"
sleep 3
! listening 9229 "$B" || fail "busy JS app: the inspector opened again: $(cat "$WORK/busyjs.err")"
kill -0 "$B" 2>/dev/null || fail "busy JS app died"
pass "an app busy in JavaScript: attached, and its inspector closed each time it opened ($(grep -c 'Debugger listening' "$WORK/busyjs.err") starts)"
kill "$B"

# --- an inspector vitals opened but cannot talk to (no /json/list with
#     --inspect-publish-uid=stderr): the attach fails and says the port is
#     still open rather than leaving that unsaid
start_node nolist --inspect-publish-uid=stderr "$FIXTURES/attach_cjs.js"
out=$("$DRIVER" attach "$P") && fail "publish-uid=stderr: attach succeeded?"
echo "$out" | grep -q "is not a Node inspector (HTTP 404) (and its inspector port 9229 stays open)" ||
	fail "publish-uid=stderr: unexpected message: $out"
pass "inspector that cannot be reached: $out"
kill "$P"
wait_for 10 sh -c "! ss -Hltn 'sport = :9229' | grep -q ." || fail "9229 still open after killing the publish-uid app"

# --- not a node process: refused, not signalled
sleep 60 &
S=$!
_pids="$_pids $S"
wait_for 5 grep -qx sleep "/proc/$S/comm" || fail "sleep did not start"
out=$("$DRIVER" attach "$S") && fail "sleep: attach succeeded?"
[ "$out" = "$S: PID $S is not a Node.js process (sleep)" ] || fail "sleep: unexpected message: $out"
sleep 0.2
kill -0 "$S" 2>/dev/null || fail "sleep was killed (signalled?)"
pass "non-node process refused and left alone"

# --- no such process
gone=$("$NODE" -e 'console.log(process.pid)')
out=$("$DRIVER" attach "$gone") && fail "dead pid: attach succeeded?"
[ "$out" = "$gone: no such process: PID $gone" ] || fail "dead pid: unexpected message: $out"
pass "nonexistent PID: $out"

kill "$CJS" 2>/dev/null
exit 0
