#!/bin/sh
# tests/launch.sh — launch mode (collectors/launch.c) with real node
# processes, through tests/attach_main: output capture and log file, exit
# status, the probe preloaded via NODE_OPTIONS, signal forwarding, and a
# command that does not exist.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
DRIVER="$VITALS_BUILDDIR/tests/attach_main"
[ -x "$DRIVER" ] || fail "build tests/attach_main first"
: "${VITALS_PROBE:=$VITALS_SRCDIR/probe/vitals-probe.js}"
VITALS_PROBE=$(realpath "$VITALS_PROBE")	# launch resolves the path: compare like with like
export VITALS_PROBE
[ -r "$VITALS_PROBE" ] || fail "probe not found at $VITALS_PROBE"

WORK=$(mktemp -d /tmp/vitals-launch.XXXXXX)
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM

# --- output in order, log file 0600, exit status 3
LOG="$WORK/app.log"
"$DRIVER" launch --log "$LOG" -- "$NODE" "$FIXTURES/launch_exit3.js" >"$WORK/out1" 2>&1 ||
	fail "driver failed: $(cat "$WORK/out1")"
grep '^log: ' "$WORK/out1" | sed 's/^log: //' >"$WORK/lines1"
cat >"$WORK/want1" <<'END'
first line on stdout
! second line on stderr
third line on stdout
! fourth line on stderr
red text, a tab and a bell?
no newline at the end
END
diff -u "$WORK/want1" "$WORK/lines1" || fail "captured lines differ (above)"
# the log file keeps the raw bytes; the log pane gets them made harmless
printf '\033[31mred\033[0m text,\ta tab and a bell\007\n' >"$WORK/raw"
sed "5r $WORK/raw" "$WORK/want1" | sed '5d' >"$WORK/want1.log"
grep -qx 'status: launch_exit3.js exited with status 3' "$WORK/out1" || fail "no exit status 3 in: $(cat "$WORK/out1")"
grep -qx 'wait: 768' "$WORK/out1" || fail "wait status is not 3<<8: $(grep wait: "$WORK/out1")"
grep -qx 'model: exit_status=768 state=exited' "$WORK/out1" || fail "model row not updated: $(cat "$WORK/out1")"
grep -q 'not in model' "$WORK/out1" && fail "the child was not added to the model with a start time"
cmp -s "$WORK/want1.log" "$LOG" || { diff -u "$WORK/want1.log" "$LOG" | cat -A; fail "log file differs (above)"; }
mode=$(stat -c %a "$LOG")
[ "$mode" = 600 ] || fail "log file mode is $mode, not 600"
pass "stdout/stderr captured in order, log file 0600, exit status 3"

# --- the probe is preloaded and its socket appears; SIGTERM is forwarded
"$DRIVER" launch -- "$NODE" "$FIXTURES/launch_wait.js" >"$WORK/out2" 2>&1 &
D=$!
_pids="$_pids $D"
wait_for 15 grep -q 'ready pid=' "$WORK/out2" || fail "launched app did not start: $(cat "$WORK/out2")"
CP=$(sed -n 's/^launched \([0-9]*\).*/\1/p' "$WORK/out2")
_pids="$_pids $CP"
grep -q "ready pid=$CP\$" "$WORK/out2" || fail "the child's pid is not the launched pid $CP"
grep -qF "NODE_OPTIONS=--require \"$VITALS_PROBE\"" "$WORK/out2" ||
	fail "NODE_OPTIONS lacks the probe: $(grep NODE_OPTIONS "$WORK/out2")"
grep -qx "log: VITALS_SOCK_DIR=$VITALS_SOCK_DIR" "$WORK/out2" || fail "VITALS_SOCK_DIR not passed on"
wait_for 10 test -S "$VITALS_SOCK_DIR/$CP.sock" || fail "the probe socket $VITALS_SOCK_DIR/$CP.sock did not appear"
pass "child NODE_OPTIONS has the probe, socket $CP.sock appeared"
kill -TERM "$D"
wait_for 10 sh -c "! kill -0 $CP 2>/dev/null" || fail "SIGTERM was not forwarded: child $CP still running"
wait "$D" || fail "driver exited with $?"
grep -qx 'status: launch_wait.js killed by SIGTERM' "$WORK/out2" || fail "no 'killed by SIGTERM': $(tail -3 "$WORK/out2")"
grep -qx 'wait: 15' "$WORK/out2" || fail "wait status is not SIGTERM"
pass "SIGTERM forwarded to the child, reported as killed by SIGTERM"

# --- existing NODE_OPTIONS are kept, the probe appended (a path with a space and a quote)
odd="$WORK/dir with \"quote\""
mkdir -p "$odd"
cp "$VITALS_PROBE" "$odd/probe.js"
NODE_OPTIONS="--max-old-space-size=200" VITALS_PROBE="$odd/probe.js" \
	"$DRIVER" launch -- "$NODE" -e 'console.log("opts=" + process.env.NODE_OPTIONS); console.log("loaded=" + !!globalThis[Symbol.for("vitals.probe")])' \
	>"$WORK/out3" 2>&1 || fail "driver failed: $(cat "$WORK/out3")"
grep -qF 'opts=--max-old-space-size=200 --require ' "$WORK/out3" || fail "existing NODE_OPTIONS lost: $(cat "$WORK/out3")"
grep -qx 'log: loaded=true' "$WORK/out3" || fail "probe at a quoted path not loaded: $(cat "$WORK/out3")"
pass "existing NODE_OPTIONS kept, probe path with space and quote loads"

# --- the demo programs (vitals --demo): all three start with probes and log
"$DRIVER" demo "$VITALS_SRCDIR/demo" >"$WORK/out4" 2>&1 &
D=$!
_pids="$_pids $D"
wait_for 10 sh -c "[ \$(grep -c '^launched ' '$WORK/out4') = 3 ]" || fail "demo did not launch 3 programs: $(cat "$WORK/out4")"
DP=$(sed -n 's/^launched \([0-9]*\).*/\1/p' "$WORK/out4")
_pids="$_pids $DP"
for p in $DP; do
	wait_for 15 test -S "$VITALS_SOCK_DIR/$p.sock" || fail "demo PID $p: no probe socket"
done
for t in healthy leaky stall; do
	wait_for 10 grep -q "^log: $t: started\|^log: $t: serving" "$WORK/out4" || fail "demo $t printed nothing: $(cat "$WORK/out4")"
done
kill -TERM "$D"
wait "$D" || fail "demo driver exited with $?"
[ "$(grep -c '^model: exit_status=15 state=exited' "$WORK/out4")" = 3 ] || fail "demo programs not all ended by SIGTERM: $(tail -6 "$WORK/out4")"
pass "demo: healthy, leaky and stall launched with probes, logged, ended by SIGTERM"

# --- vitals itself: quitting leaves neither the child nor its probe socket
# (a probe killed by SIGTERM cannot remove its socket; vitals knows the path)
# sockets_of DIR — the PIDs of the probe sockets in DIR
sockets_of() { ls "$1" | sed -n 's/^\([0-9]*\)\.sock$/\1/p'; }
S5="$WORK/sock5"; mkdir -m 700 "$S5"
VITALS_SOCK_DIR=$S5 XDG_STATE_HOME=$WORK/state5 "$VITALS" --json --duration 5 -- \
	"$NODE" -e 'setInterval(() => {}, 1000)' >"$WORK/out5" 2>&1 &
V=$!; _pids="$_pids $V"
wait_for 15 sh -c "ls '$S5' | grep -q '\.sock\$'" || fail "launched child: no probe socket in $S5"
CP=$(sockets_of "$S5"); _pids="$_pids $CP"
wait "$V"; rc=$?
[ $rc -eq 0 ] || fail "vitals --duration with a launched child: exit $rc: $(tail -3 "$WORK/out5")"
# vitals reaps the child before it exits: no zombie or orphan for init
kill -0 "$CP" 2>/dev/null && fail "child $CP still there after vitals quit"
[ -z "$(ls "$S5")" ] || fail "left behind in the socket dir: $(ls "$S5")"
pass "quit: child ended, its probe socket removed"

# a child that ignores SIGTERM gets SIGKILL after the grace period; what it
# prints while shutting down still reaches the log file
S6="$WORK/sock6"; mkdir -m 700 "$S6"
VITALS_SOCK_DIR=$S6 XDG_STATE_HOME=$WORK/state6 "$VITALS" --json -- "$NODE" -e \
	'process.on("SIGTERM", () => console.log("ignoring SIGTERM")); setInterval(() => {}, 1000)' \
	>"$WORK/out6" 2>&1 &
V=$!; _pids="$_pids $V"
wait_for 15 sh -c "ls '$S6' | grep -q '\.sock\$'" || fail "stubborn child: no probe socket in $S6"
CP=$(sockets_of "$S6"); _pids="$_pids $CP"
t0=$(date +%s%N)
kill -TERM "$V"; wait "$V"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 143 ] || fail "vitals after SIGTERM: exit $rc, want 143"
kill -0 "$CP" 2>/dev/null && fail "child $CP that handles SIGTERM was orphaned (still running)"
[ $ms -ge 2500 ] || fail "SIGKILL after ${ms} ms, before the 3 s grace period"
[ $ms -le 8000 ] || fail "vitals took ${ms} ms to quit"
[ -z "$(ls "$S6")" ] || fail "left behind in the socket dir: $(ls "$S6")"
grep -q "ignoring SIGTERM" "$WORK"/state6/vitals/*.log || fail "shutdown output lost: $(cat "$WORK"/state6/vitals/*.log)"
pass "a child that ignores SIGTERM is killed after ${ms} ms (grace 3 s), socket removed"

# --- a command that does not exist: one line, exit 1
out=$("$DRIVER" launch -- no-such-command-vitals 2>&1) && fail "nonexistent command launched?"
[ "$out" = "error: no-such-command-vitals: command not found" ] || fail "unexpected: $out"
pass "nonexistent command: $out"

# --- a missing probe is an error before anything starts
out=$(VITALS_PROBE="$WORK/missing.js" "$DRIVER" launch -- "$NODE" -e 1 2>&1) && fail "launched without a probe?"
[ "$out" = "error: probe $WORK/missing.js: No such file or directory" ] || fail "missing probe: $out"
pass "missing probe: $out"
exit 0
