#!/bin/sh
# Headless mode end to end: `vitals --json` against real node processes.
#  - RSS reported by vitals agrees with /proc/PID/status at the same moment
#  - a process that exits is reported as exited
#  - an unknown PID / bad argument is a one-line error with exit status 2
#  - --attach: heap used agrees with the process's own process.memoryUsage()
#  - launch mode: the probe is there from the start, the exit is reported
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
need ss
lock_inspector
tmp=$(mktemp -d); _pids="$_pids"; trap 'cleanup; rm -rf "$tmp"' EXIT

# --- errors -----------------------------------------------------------------
out=$("$VITALS" --json 999999 2>&1); rc=$?
[ $rc -eq 2 ] || fail "unknown PID: exit $rc, want 2"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "unknown PID: want one line, got: $out"
echo "$out" | grep -q "no such process: 999999" || fail "unknown PID message: $out"
out=$("$VITALS" --bogus 2>&1); [ $? -eq 2 ] || fail "bad option exit status"
echo "$out" | grep -q "unknown option '--bogus'" || fail "bad option message: $out"
out=$("$VITALS" 12abc 2>&1); [ $? -eq 2 ] || fail "bad PID exit status"
echo "$out" | grep -q "not a PID" || fail "bad PID message: $out"
pass "errors"

# --- RSS vs /proc -------------------------------------------------------------
REPORT_FILE=$tmp/r1 REPORT_LOG=$tmp/r1.log start_bg node "$FIXTURES/app_rss.js"; p1=$!
wait_for 20 test -s "$tmp/r1" || fail "fixture did not start"
"$VITALS" --json --duration 3.5 -i 0.5 "$p1" > "$tmp/out1" 2>"$tmp/err1" || fail "vitals --json failed: $(cat "$tmp/err1")"
vm=$(awk '/^VmRSS/ {print $2*1024}' "/proc/$p1/status")
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const s = lines.filter(l => l.t === "sample" && l.pid === +process.argv[2]);
if (s.length < 5) { console.error("too few samples:", s.length); process.exit(1); }
const rss = s[s.length - 1].rss, want = +process.argv[3];
const err = Math.abs(rss - want) / want;
console.log("rss vitals", rss, "proc", want, "err", (err * 100).toFixed(2) + "%");
if (!(err < 0.05)) process.exit(1);
if (!(s[s.length - 1].threads >= 1 && s[s.length - 1].fds >= 3)) { console.error("threads/fds missing"); process.exit(1); }
' "$tmp/out1" "$p1" "$vm" || fail "RSS disagrees with /proc/$p1/status"
pass "rss agrees with /proc"

# --- a reader that goes away ---------------------------------------------------
# `vitals --json | head -1` ends at the next tick instead of writing into a
# closed pipe for ever; a write error other than EPIPE is said and exit 1.
timeout 15 sh -c '"$1" --json -i 0.2 "$2" | head -1 >/dev/null' _ "$VITALS" "$p1"; rc=$?
[ $rc -eq 0 ] || fail "vitals --json | head -1: exit $rc (124: still running after 15 s)"
if [ -w /dev/full ]; then
	out=$(timeout 15 "$VITALS" --json -i 0.2 "$p1" 2>&1 >/dev/full); rc=$?
	[ $rc -eq 1 ] || fail "--json >/dev/full: exit $rc, want 1"
	echo "$out" | grep -q "writing JSON output: No space left" || fail "--json >/dev/full message: $out"
fi
pass "closed pipe and full disk end the run"

# --- a signal ends the run with 128+n ------------------------------------------
# (the conventional status, so a supervisor or `cmd || ...` sees it was
# stopped rather than that it finished)
for sig in TERM:143 HUP:129 INT:130; do
	: > "$tmp/out_sig"
	"$VITALS" --json -i 0.2 "$p1" > "$tmp/out_sig" 2>&1 & v=$!
	# the first sample is written after the handlers are installed; a signal
	# before that would kill vitals with the same status and prove nothing
	wait_for 10 grep -q '"t":"sample"' "$tmp/out_sig" || fail "vitals --json wrote no sample"
	kill -s "${sig%:*}" "$v"; wait "$v"; rc=$?
	[ $rc -eq "${sig#*:}" ] || fail "SIG${sig%:*}: exit $rc, want ${sig#*:}"
	tail -1 "$tmp/out_sig" | grep -q '}$' || fail "SIG${sig%:*}: last line cut: $(tail -1 "$tmp/out_sig")"
done
pass "SIGTERM/SIGHUP/SIGINT: exit 143/129/130"

# --- a command line that is not UTF-8 ------------------------------------------
start_bg bash -c 'exec -a "$(printf "\377\376bad")" sleep 30'; sp=$!
# wait for the exec: /proc/PID/comm is the executable's name (sleep) only
# after it, whereas bash's own command line already contains "bad"
wait_for 5 grep -qx sleep "/proc/$sp/comm" || fail "renamed sleep did not start"
"$VITALS" --json --duration 0.3 "$sp" > "$tmp/out_utf" 2>&1 || fail "vitals --json on $sp: $(cat "$tmp/out_utf")"
grep '"event":"found"' "$tmp/out_utf" | grep -q '"cmdline":"??bad' \
	|| fail "cmdline with invalid UTF-8 dropped or garbled: $(head -1 "$tmp/out_utf")"
kill "$sp" 2>/dev/null
pass "invalid UTF-8 in a command line becomes ?"

# --- exit is reported ---------------------------------------------------------
# (--duration is a bound: a loaded machine starved the app past a 4 s run
# before it got to its exit; vitals is stopped once the exit is reported)
EXIT_AFTER_MS=1500 start_bg node "$FIXTURES/app_rss.js"; p2=$!
"$VITALS" --json --duration 40 -i 0.5 "$p2" > "$tmp/out2" 2>&1 & v2=$!; _pids="$_pids $v2"
wait_for 40 grep -q "\"event\":\"exited\"" "$tmp/out2" || fail "exited event missing: $(tail -3 "$tmp/out2")"
wait_for 10 sh -c "grep '\"pid\":$p2' '$tmp/out2' | grep -q '\"state\":\"exited\"'" || fail "no sample with state exited"
kill "$v2"; wait "$v2"
pass "exit reported"

# --- attach: heap used vs the process's own view ------------------------------
"$VITALS" --json --attach --duration 6 "$p1" > "$tmp/out3" 2>"$tmp/err3"
grep -q '"probe_attached"' "$tmp/out3" || fail "attach failed: $(cat "$tmp/err3"; grep attach "$tmp/out3")"
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const s = lines.filter(l => l.t === "sample" && l.heap_used > 0);
if (!s.length) { console.error("no heap samples"); process.exit(1); }
// The app own readings within 1 s of when the probe measured (heap_used
// moves with garbage between GCs, so one reading at another moment is no
// reference): vitals must lie within 5 % of their range.
const last = s[s.length - 1], t = last.probe_ts || last.ts;
const own = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").map(JSON.parse)
	.filter(o => Math.abs(o.ts - t) <= 1000).map(o => o.heapUsed);
if (!own.length) { console.error("no own reading near", t); process.exit(1); }
const lo = Math.min(...own), hi = Math.max(...own), v = last.heap_used;
console.log("heap vitals", v, "own", lo, "..", hi, "(" + own.length + " readings)");
if (!(v >= lo * 0.95 && v <= hi * 1.05)) process.exit(1);
if (!(s[s.length - 1].heap_limit > v)) process.exit(1);
' "$tmp/out3" "$tmp/r1.log" || fail "heap used disagrees with process.memoryUsage()"
ss -Hltn "sport = :9229" | grep -q . && fail "inspector port 9229 left open after attach"
pass "attach heap agrees"

# --- an idle attached app: coalesced samples, never stale ------------------------
# Its probe samples every 10 s (each announcing the next: next_ms); the lines
# of the seconds between repeat the last reading with its probe_ts, and
# nothing calls the probe stale while its next sample is not overdue.
start_bg node "$FIXTURES/idle.js" "$tmp/idlepid"; pi=$!
wait_for 20 test -s "$tmp/idlepid" || fail "idle fixture did not start"
"$VITALS" --json --attach --duration 16 -i 1 "$pi" > "$tmp/out_idle" 2>"$tmp/err_idle"
grep -q '"probe_attached"' "$tmp/out_idle" || fail "idle attach failed: $(cat "$tmp/err_idle")"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const s = lines.filter(l => l.t === "sample" && l.pid === +process.argv[2] && l.probe_ts);
const gaps = [];
for (let i = 1; i < s.length; i++) if (s[i].probe_ts !== s[i - 1].probe_ts) gaps.push(s[i].probe_ts - s[i - 1].probe_ts);
const seen = JSON.stringify(s.map(l => [l.ts, l.probe_ts, l.probe_stale ? "STALE" : l.heap_used]));
console.log("probe readings", gaps.length + 1, "gaps (ms)", gaps.join(" "));
if (s.length < 8) { console.error("too few lines with probe numbers:", seen); process.exit(1); }
if (s.some(l => l.probe_stale)) { console.error("called stale:", seen); process.exit(1); }
if (!gaps.some(g => g >= 4000)) { console.error("no coalesced gap:", seen); process.exit(1); }
if (s.some(l => !(l.heap_used > 0))) { console.error("a line without heap_used:", seen); process.exit(1); }
' "$tmp/out_idle" "$pi" || fail "idle attached app: coalesced samples or staleness wrong"
kill "$pi" 2>/dev/null
pass "idle attached app: coalesced probe samples, not stale"

# --- --attach and the one Node rule ------------------------------------------
# A versioned node executable is Node: attached without a warning.  Something
# that is not Node is watched, said once, and never sent to the inspector.
NODEBIN=$(readlink -f "$(command -v node)")
ln "$NODEBIN" "$tmp/node20" 2>/dev/null || cp "$NODEBIN" "$tmp/node20"
REPORT_FILE=$tmp/r20 start_bg "$tmp/node20" "$FIXTURES/app_rss.js"; p20=$!
wait_for 20 test -s "$tmp/r20" || fail "node20 fixture did not start"
start_bg sleep 30; sl=$!
"$VITALS" --json --attach --duration 4 "$p20" "$sl" > "$tmp/out20" 2>"$tmp/err20"
grep -q "not a Node.js process" "$tmp/err20" && grep -q "PID $p20" "$tmp/err20" &&
	fail "node20 called not Node: $(cat "$tmp/err20")"
grep -q "PID $sl (sleep) is not a Node.js process; watching without a probe" "$tmp/err20" ||
	fail "sleep: no warning: $(cat "$tmp/err20")"
grep '"probe_attached"' "$tmp/out20" | grep -q "\"pid\":$p20" || fail "node20 not attached: $(grep attach "$tmp/out20")"
grep "\"pid\":$sl" "$tmp/out20" | grep -q attach_failed && fail "sleep was sent to the inspector anyway"
kill "$p20" "$sl" 2>/dev/null
pass "--attach: node20 attached, sleep warned once and left alone"

# --- --attach retries a failed attach, backing off ------------------------------
# 9229 held by another process (this test's network namespace: tests/netns.sh)
# makes the first attach fail; once it is free a retry attaches.
if [ -n "${VITALS_IN_NETNS:-}" ]; then
	REPORT_FILE=$tmp/rr start_bg node "$FIXTURES/app_rss.js"; pr=$!
	wait_for 20 test -s "$tmp/rr" || fail "retry fixture did not start"
	start_bg node -e 'require("net").createServer().listen(9229, "127.0.0.1", () => console.log("held"))' >"$tmp/held"
	holder=$!
	wait_for 10 grep -q held "$tmp/held" || fail "could not hold 9229"
	"$VITALS" --json --attach --duration 9 -i 0.5 "$pr" > "$tmp/outr" 2>"$tmp/errr" &
	vr=$!
	wait_for 8 grep -q attach_failed "$tmp/outr" || fail "no attach_failed while 9229 was held: $(cat "$tmp/outr" "$tmp/errr" | grep -v sample)"
	grep attach_failed "$tmp/outr" | grep -q "held by PID $holder (node).*(trying again in 1 s)" ||
		fail "attach_failed does not name the holder or the retry: $(grep attach_failed "$tmp/outr")"
	kill "$holder"
	wait "$vr"
	grep -q '"probe_attached"' "$tmp/outr" || fail "not attached after 9229 was freed: $(grep -v sample "$tmp/outr")"
	ss -Hltn "sport = :9229" | grep -q . && fail "9229 left open after the retried attach"
	kill "$pr"
	pass "--attach retries after a failure (9229 held), and attaches once it is free"
fi

# --- attaches still queued when the run ends get an outcome ---------------------
# The busy app's attach holds the queue (its main thread is in native code, so
# its inspector opens only after vitals stopped waiting, and the job stays to
# close it), so with --duration 2 the two apps queued behind it never get
# their turn: each must still end in attach_failed (they used to end in
# nothing, as the attaches a bench run lost), and the late inspector closed.
if [ -n "${VITALS_IN_NETNS:-}" ]; then
	start_bg node "$FIXTURES/attach_busy.js" 5 >"$tmp/busy.out" 2>"$tmp/busy.err"; pb=$!
	start_bg node "$FIXTURES/attach_cjs.js" >"$tmp/q1.out"; q1=$!
	start_bg node "$FIXTURES/attach_cjs.js" >"$tmp/q2.out"; q2=$!
	for f in busy q1 q2; do wait_for 20 grep -q ready "$tmp/$f.out" || fail "queue fixture $f did not start"; done
	kill -USR2 "$pb"
	wait_for 10 grep -q blocking "$tmp/busy.out" || fail "busy app did not block"
	"$VITALS" --json --attach --duration 2 "$pb" "$q1" "$q2" > "$tmp/outq" 2>"$tmp/errq"
	for q in "$q1" "$q2"; do
		grep '"attach_failed"' "$tmp/outq" | grep "\"pid\":$q," | grep -q "stopped before the attach finished" ||
			fail "the queued attach of $q ended without an outcome: $(grep -v '"sample"' "$tmp/outq")"
	done
	wait_for 15 grep -q unblocked "$tmp/busy.out" || fail "busy app did not unblock"
	wait_for 15 sh -c "! ss -Hltn 'sport = :9229' | grep -q ." || fail "the busy app's late inspector was left open"
	kill "$pb" "$q1" "$q2"
	pass "attaches still queued when --duration ends each get attach_failed; the late inspector closed"
fi

# --- a cluster worker that opens its inspector after the primary's attach -------
# Attaching the primary alone (--no-children): Node SIGUSR1s its workers as its
# inspector opens, and this worker, busy, takes 9229 once the primary's is
# closed.  vitals caused it, so vitals must close it.
if [ -n "${VITALS_IN_NETNS:-}" ]; then
	start_bg node "$FIXTURES/attach_cluster.js" >"$tmp/clu.out" 2>"$tmp/clu.err"; pc=$!
	wait_for 20 grep -q "cluster ready" "$tmp/clu.out" || fail "cluster fixture did not start"
	"$VITALS" --json --attach --no-children --duration 5 "$pc" > "$tmp/outc" 2>"$tmp/errc"
	grep '"probe_attached"' "$tmp/outc" | grep -q "\"pid\":$pc," || fail "cluster primary not attached: $(grep -v '"sample"' "$tmp/outc")"
	grep -q "Debugger listening" "$tmp/clu.err" || fail "the primary's inspector never opened"
	wait_for 10 sh -c "! ss -Hltn 'sport = :9229' | grep -q ." ||
		fail "9229 left open after attaching a cluster primary: $(ss -Hltnp 'sport = :9229'; cat "$tmp/clu.err")"
	kill "$pc"
	pass "a cluster worker's inspector opened by the primary's attach is closed again"
fi

# --- launch mode ---------------------------------------------------------------
XDG_STATE_HOME=$tmp/state "$VITALS" --json --output-dir "$tmp" -- node -e 'setTimeout(()=>process.exit(3), 2500); console.log("hello from child")' > "$tmp/out4" 2>&1
grep -q '"probe_attached"' "$tmp/out4" || fail "launched program got no probe: $(head -5 "$tmp/out4")"
grep '"event":"exited"' "$tmp/out4" | grep -q '"exit_status":3' || fail "exit status 3 not reported: $(grep exited "$tmp/out4")"
log=$(ls "$tmp"/state/vitals/node-*.log 2>/dev/null | head -1)
[ -n "$log" ] && grep -q "hello from child" "$log" || fail "launch log file missing or empty"
[ "$(stat -c %a "$log")" = 600 ] || fail "log file mode $(stat -c %a "$log"), want 600"
pass "launch mode"
