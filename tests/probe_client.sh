#!/bin/sh
# probe_client.sh — collectors/probe_client against the real probe
# (probe/vitals-probe.js loaded with node -r), through the test driver
# tests/probe_client_main:
#  1. heap used as vitals reports it matches the process's own
#     process.memoryUsage().heapUsed within 5 %; a forced GC is answered
#  2. a heap snapshot lands as a 0600 file that parses as JSON, no .tmp left
#  3. a target killed in the middle of a snapshot leaves no file at all, and
#     the callback says the process exited
#  4. sockets of dead processes are removed (watched or not)
#  5. a probe restarting in the same process is reconnected
#  6. edge cases from a fake probe: 1.5 MiB line, EBUSY, protocol v2, a
#     hello from another pid
#  7. a capture given up on (no answer in time, a chunk that cannot be
#     written) is cancelled in the probe
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
DRIVER="$VITALS_BUILDDIR/tests/probe_client_main"
PROBE="$VITALS_SRCDIR/probe/vitals-probe.js"
[ -x "$DRIVER" ] || { echo "SKIP: $DRIVER not built"; exit 77; }
[ -f "$PROBE" ] || { echo "SKIP: no probe"; exit 77; }
work=$(mktemp -d /tmp/vitals-client.XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT INT TERM

# json_get FILE EV FIELD — FIELD of the last line with "ev":EV
json_get() {
	"$NODE" -e '
		const [f, ev, k] = process.argv.slice(1);
		const ls = require("fs").readFileSync(f, "utf8").split("\n").filter(Boolean).map(JSON.parse);
		const l = ls.filter(x => x.ev === ev).pop();
		process.stdout.write(l && l[k] !== undefined ? String(l[k]) : "");' "$1" "$2" "$3"
}

# --- 1. live values against the process's own view ----------------------
start_bg "$NODE" -r "$PROBE" "$FIXTURES/client_app.js" "$work/mem.json"
app=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$app.sock" || fail "probe socket of $app never appeared"
wait_for 20 test -s "$work/mem.json" || fail "fixture wrote no memory figures"
"$DRIVER" --seconds 30 --samples 4 --hz 2 --rehz 5 --gc "$app" >"$work/live.jsonl" || fail "driver failed"
# The process's own figure from after the driver's last sample (which comes
# right after the forced GC; a report from before it counts the garbage).
end_ms=$("$NODE" -p 'Date.now()')
wait_for 10 "$NODE" -e 'process.exit(JSON.parse(require("fs").readFileSync(process.argv[1])).ts > Number(process.argv[2]) ? 0 : 1)' \
	"$work/mem.json" "$end_ms" || fail "fixture stopped reporting its memory"
cp "$work/mem.json" "$work/mem-after.json"
[ "$(json_get "$work/live.jsonl" final pstate)" = attached ] || { cat "$work/live.jsonl"; fail "not attached"; }
[ "$(json_get "$work/live.jsonl" gc ok)" = true ] || { cat "$work/live.jsonl"; fail "gc not answered"; }
ours=$(json_get "$work/live.jsonl" sample heap_used)
theirs=$("$NODE" -p 'JSON.parse(require("fs").readFileSync(process.argv[1])).heapUsed' "$work/mem-after.json")
"$NODE" -e '
	const [a, b] = process.argv.slice(1).map(Number);
	if (!(a > 0 && b > 0 && Math.abs(a - b) / b <= 0.05)) {
		console.error("heap used: vitals " + a + ", process " + b); process.exit(1);
	}' "$ours" "$theirs" || fail "heap used differs by more than 5%"
[ "$(json_get "$work/live.jsonl" sample nspaces)" -ge 5 ] || fail "heap spaces missing"
[ "$(json_get "$work/live.jsonl" final hz)" = 5 ] || fail "probe_mgr_set_hz(5) not confirmed by the probe"
pass "heap used $ours vs process.memoryUsage() $theirs; gc answered"

kill "$app"

# --- 2. heap snapshot to a file (of a small heap: quick) -------------------
start_bg "$NODE" -r "$PROBE" "$FIXTURES/client_app.js" "$work/mem2.json" 1000
app=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$app.sock" || fail "probe socket of $app never appeared"
mkdir "$work/out"
"$DRIVER" --seconds 50 --out "$work/out" --capture heap_snapshot "$app" >"$work/snap.jsonl" || fail "driver failed"
[ "$(json_get "$work/snap.jsonl" capture ok)" = true ] || { cat "$work/snap.jsonl"; fail "snapshot failed"; }
f=$(json_get "$work/snap.jsonl" capture msg)
case "$f" in "$work/out/node-$app-"*.heapsnapshot) ;; *) fail "unexpected snapshot path '$f'" ;; esac
[ -f "$f" ] || fail "snapshot $f missing"
[ "$(stat -c %a "$f")" = 600 ] || fail "snapshot mode is $(stat -c %a "$f"), want 600"
"$NODE" -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	if (!s.snapshot || !s.nodes.length) process.exit(1);' "$f" || fail "snapshot does not parse"
[ "$(ls -A "$work/out" | wc -l)" = 1 ] || { ls -la "$work/out"; fail "stray files next to the snapshot"; }
[ "$(json_get "$work/snap.jsonl" final captures)" = 1 ] || fail "capture not recorded in the model"
pass "heap snapshot $(basename "$f") is 0600 and parses"
for c in cpu_profile:cpuprofile report:json; do
	"$DRIVER" --seconds 30 --out "$work/out" --capture "${c%%:*}" --profile-seconds 1 "$app" >"$work/c.jsonl" ||
		fail "driver failed"
	[ "$(json_get "$work/c.jsonl" capture ok)" = true ] || { cat "$work/c.jsonl"; fail "${c%%:*} failed"; }
	f=$(json_get "$work/c.jsonl" capture msg)
	case "$f" in "$work/out/node-$app-"*".${c#*:}") ;; *) fail "unexpected ${c%%:*} path '$f'" ;; esac
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode is $(stat -c %a "$f")"
	"$NODE" -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$f" || fail "$f does not parse"
done
[ -z "$(ls -A "$work/out" | grep '\.tmp$')" ] || fail "temp files left"
pass "CPU profile and report saved 0600 and parse"
n_before=$(ls -A "$work/out" | wc -l)
"$DRIVER" --seconds 30 --out "$work/out" --capture heap_snapshot --forget "$app" >"$work/forget.jsonl" || fail "driver failed"
[ "$(json_get "$work/forget.jsonl" capture msg)" = "process removed; nothing written" ] ||
	{ cat "$work/forget.jsonl"; fail "forget during a capture"; }
[ "$(ls -A "$work/out" | wc -l)" = "$n_before" ] || { ls -la "$work/out"; fail "forgotten capture left a file"; }
pass "process forgotten during a capture: callback told, nothing written"
kill "$app"

# --- 3. target killed during a snapshot -----------------------------------
start_bg "$NODE" -r "$PROBE" "$FIXTURES/client_bigheap.js" "$work/ready" 120000
big=$!
wait_for 30 test -s "$work/ready" || fail "big-heap fixture did not start"
wait_for 20 test -S "$VITALS_SOCK_DIR/$big.sock" || fail "probe socket of $big never appeared"
mkdir "$work/out2"
"$DRIVER" --seconds 50 --out "$work/out2" --capture heap_snapshot "$big" >"$work/kill.jsonl" &
drv=$!
_pids="$_pids $drv"
# kill once chunks are arriving (the temp file has data)
wait_for 40 sh -c 'for f in "$1"/.*.tmp; do [ -s "$f" ] && exit 0; done; exit 1' _ "$work/out2" ||
	fail "no snapshot data arrived"
kill -9 "$big"
wait "$drv" || fail "driver failed"
ok=$(json_get "$work/kill.jsonl" capture ok)
msg=$(json_get "$work/kill.jsonl" capture msg)
[ "$ok" = false ] || { cat "$work/kill.jsonl"; fail "capture of a killed process reported ok"; }
[ "$msg" = "process exited during the heap snapshot; no file written" ] || fail "reason: '$msg'"
[ -z "$(ls -A "$work/out2")" ] || { ls -la "$work/out2"; fail "files left after the killed snapshot"; }
[ "$(json_get "$work/kill.jsonl" final pstate)" = lost ] || fail "killed process not marked lost"
[ ! -e "$VITALS_SOCK_DIR/$big.sock" ] || fail "socket of the killed process left behind"
pass "killed mid-snapshot: '$msg', nothing left"

# --- 4. stale sockets of dead processes -----------------------------------
# dead_sock FILE — leave the socket of a process killed by a signal; its pid in FILE
dead_sock() {
	( "$NODE" -e '
		const s = require("net").createServer();
		s.listen(process.env.VITALS_SOCK_DIR + "/" + process.pid + ".sock", () => {
			require("fs").writeFileSync(process.argv[1], String(process.pid));
			process.kill(process.pid, "SIGKILL");
		});' "$1" ) 2>/dev/null
}
dead_sock "$work/deadpid"
dead_sock "$work/deadpid2"
dead=$(cat "$work/deadpid")
dead2=$(cat "$work/deadpid2")
[ -S "$VITALS_SOCK_DIR/$dead.sock" ] && [ -S "$VITALS_SOCK_DIR/$dead2.sock" ] ||
	fail "could not leave stale sockets behind"
"$DRIVER" --seconds 2 "$dead" >"$work/stale.jsonl" || fail "driver failed"
[ ! -e "$VITALS_SOCK_DIR/$dead.sock" ] || { cat "$work/stale.jsonl"; fail "stale socket of $dead not removed"; }
[ ! -e "$VITALS_SOCK_DIR/$dead2.sock" ] || fail "stale socket of $dead2 (not watched) not removed"
grep -q "removed stale probe socket" "$work/stale.jsonl" || fail "no status about the stale socket"
[ "$(json_get "$work/stale.jsonl" final pstate)" = none ] || fail "dead process not left unattached"
pass "stale sockets of dead pids $dead (watched) and $dead2 (not) removed"

# --- 5. the probe restarts inside the same process: reconnect -------------
start_bg "$NODE" -r "$PROBE" "$FIXTURES/client_restart.js" "$PROBE" "$work/restart"
rs=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$rs.sock" || fail "probe socket of $rs never appeared"
"$DRIVER" --seconds 40 --hz 4 --attaches 2 "$rs" >"$work/restart.jsonl" &
drv=$!
_pids="$_pids $drv"
wait_for 20 grep -q '"pstate":"attached"' "$work/restart.jsonl" || fail "never attached to $rs"
touch "$work/restart"
wait "$drv" || fail "driver failed"
states=$(grep -o '"ev":"state","pid":[0-9]*,"pstate":"[a-z]*"' "$work/restart.jsonl" | sed 's/.*"pstate":"//; s/"$//' | tr '\n' ' ')
case "$states" in
"connecting attached lost connecting attached "*) ;;
*) cat "$work/restart.jsonl"; fail "states on probe restart: $states" ;;
esac
pass "probe restart: $states"

# --- 6. protocol edge cases from a fake probe ----------------------------
start_bg "$NODE" "$FIXTURES/client_fake.js" longline
fk=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$fk.sock" || fail "fake probe socket never appeared"
mkdir "$work/out3"
"$DRIVER" --seconds 30 --samples 1 --out "$work/out3" --capture heap_snapshot "$fk" >"$work/fake.jsonl" ||
	fail "driver failed"
grep -q 'line over the 1 MiB limit dropped' "$work/fake.jsonl" || { cat "$work/fake.jsonl"; fail "long line not reported"; }
[ "$(json_get "$work/fake.jsonl" sample heap_used)" = 1234 ] || fail "sample after the long line lost"
msg=$(json_get "$work/fake.jsonl" capture msg)
case "$msg" in *EBUSY*"no file written") ;; *) fail "EBUSY capture: '$msg'" ;; esac
[ -z "$(ls -A "$work/out3")" ] || fail "files left after a refused capture"
pass "1.5 MiB line dropped and resynchronised; refused capture: '$msg'"

start_bg "$NODE" "$FIXTURES/client_fake.js" v2 "$work/v2count"
v2=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$v2.sock" || fail "fake probe socket never appeared"
"$DRIVER" --seconds 2 "$v2" >"$work/v2.jsonl" || fail "driver failed"
[ "$(json_get "$work/v2.jsonl" final pstate)" = failed ] || { cat "$work/v2.jsonl"; fail "v2 probe not refused"; }
[ "$(json_get "$work/v2.jsonl" final err)" = "probe protocol v2 not supported" ] || fail "v2 reason"
[ "$(wc -l <"$work/v2count")" = 1 ] || fail "reconnected $(wc -l <"$work/v2count") times to a v2 probe"
pass "protocol v2 refused once, not retried"

start_bg "$NODE" "$FIXTURES/client_fake.js" wrongpid "$work/wpcount"
wp=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$wp.sock" || fail "fake probe socket never appeared"
"$DRIVER" --seconds 2 "$wp" >"$work/wp.jsonl" || fail "driver failed"
[ "$(json_get "$work/wp.jsonl" final pstate)" = failed ] || { cat "$work/wp.jsonl"; fail "foreign hello not refused"; }
[ "$(json_get "$work/wp.jsonl" final err)" = "hello from pid $((wp + 1)) on the socket of pid $wp" ] ||
	fail "foreign hello reason: $(json_get "$work/wp.jsonl" final err)"
[ "$(wc -l <"$work/wpcount")" = 1 ] || fail "reconnected to a socket that gave a foreign hello"
pass "hello from another pid refused, not retried"

# --- 7. a capture given up on is cancelled in the probe ---------------------
# a probe that never answers: the capture times out, the probe is sent cancel
start_bg "$NODE" "$FIXTURES/client_fake.js" silent "$work/silent.cmds"
sl=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$sl.sock" || fail "fake probe socket never appeared"
mkdir "$work/out4"
"$DRIVER" --seconds 20 --out "$work/out4" --capture report --capture-timeout 1000 "$sl" >"$work/silent.jsonl" ||
	fail "driver failed"
msg=$(json_get "$work/silent.jsonl" capture msg)
[ "$msg" = "report of $sl: no answer from the probe for 1 s; cancelled, no file written" ] ||
	{ cat "$work/silent.jsonl"; fail "silent probe: '$msg'"; }
rid=$(sed -n 's/.*{"id":\([0-9]*\),"cmd":"report"}.*/\1/p' "$work/silent.cmds")
grep -q "\"cmd\":\"cancel\",\"target\":$rid}" "$work/silent.cmds" || fail "no cancel of $rid: $(cat "$work/silent.cmds")"
[ -z "$(ls -A "$work/out4")" ] || fail "files left after a timed-out capture"
pass "capture with no answer: '$msg', cancel sent"

# a chunk that cannot be written (here: over the file size limit) ends the
# capture and cancels it in the probe, so trying again is not EBUSY
start_bg "$NODE" -r "$PROBE" "$FIXTURES/client_app.js" "$work/mem5.json" 1000
app=$!
wait_for 20 test -S "$VITALS_SOCK_DIR/$app.sock" || fail "probe socket of $app never appeared"
mkdir "$work/out5"
(ulimit -f 64 && exec "$DRIVER" --seconds 60 --out "$work/out5" --capture heap_snapshot --retry "$app") |
	cat >"$work/full.jsonl"
n=$(grep -c '"ev":"capture"' "$work/full.jsonl")
[ "$n" = 2 ] || { cat "$work/full.jsonl"; fail "want 2 capture results (a retry), got $n"; }
grep '"ev":"capture"' "$work/full.jsonl" | while read -r l; do
	case "$l" in
	*'"ok":false'*"cannot write"*"File too large"*) ;;
	*) fail "capture over the size limit: $l" ;;
	esac
done || exit 1
[ -z "$(ls -A "$work/out5")" ] || fail "files left after failed writes: $(ls -A "$work/out5")"
pass "write failure: capture cancelled in the probe, the retry was not EBUSY"
