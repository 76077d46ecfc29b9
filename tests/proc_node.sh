#!/bin/sh
# proc_node.sh — collectors/proc against real Node processes.
#  1. RSS of an idle node holding 50 MB agrees with /proc/PID/status VmRSS
#     read just before and just after (within 5%).
#  2. CPU % of a busy-looping node is > 50% and agrees with what the process
#     says of itself (process.cpuUsage()) over the same window.
#  3. Discovery finds node run through `npm exec` and not the npm wrapper.
#  4. A killed node shows as exited, with its history kept.
# The collector's view comes from tests/proc_probe (JSON lines); node parses it.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
PROBE="$VITALS_BUILDDIR/tests/proc_probe"
[ -x "$PROBE" ] || { echo "SKIP: $PROBE not built (make check builds it)"; exit 77; }
T=$(mktemp -d /tmp/vitals-proc.XXXXXX)
_pids=""
trap 'cleanup; rm -rf "$T"' EXIT INT TERM

# js EXPR FILE... — evaluate EXPR with L = the JSON lines of FILE, print it.
js() {
	_e=$1; shift
	"$NODE" -e '
const fs = require("fs");
// a probe killed mid-line leaves a partial last line: skip what does not parse
const L = fs.readFileSync(process.argv[1], "utf8").split("\n").flatMap(l => {
	try { return l ? [JSON.parse(l)] : []; } catch (e) { return []; }
});
const r = (function () { return eval(process.argv[2]); })();
process.stdout.write(String(r));' "$1" "$_e"
}
vmrss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# --- 1. RSS ------------------------------------------------------------------
start_bg "$NODE" "$FIXTURES/idle.js" "$T/idle.pid"
idle_node=$!
wait_for 30 test -s "$T/idle.pid" || fail "idle fixture did not start"
idle=$(cat "$T/idle.pid")
[ "$idle" = "$idle_node" ] || fail "pidfile $idle != \$! $idle_node"
before=$(vmrss "$idle")
"$PROBE" -n 1 "$idle" > "$T/rss.json" || fail "proc_probe failed"
after=$(vmrss "$idle")
rss_kb=$(js 'Math.round(L.find(l => l.t === "sample").rss / 1024)' "$T/rss.json")
echo "rss: collector ${rss_kb} kB, VmRSS ${before}..${after} kB"
[ "$rss_kb" -gt 51200 ] || fail "RSS ${rss_kb} kB, expected > 50 MB for a 50 MB buffer"
lo=$before; hi=$after; [ "$lo" -gt "$hi" ] && { lo=$after; hi=$before; }
[ $((rss_kb * 100)) -ge $((lo * 95)) ] && [ $((rss_kb * 100)) -le $((hi * 105)) ] ||
	fail "RSS ${rss_kb} kB not within 5% of VmRSS ${before}..${after} kB"
state=$(js 'L[0].state + " " + L[0].name + " " + L[0].threads + " " + L[0].fds' "$T/rss.json")
echo "idle: $state"
case $state in "live node "*) ;; *) fail "idle fixture seen as: $state";; esac
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$idle/status")
[ "$(echo "$state" | cut -d' ' -f3)" -eq "$threads" ] || fail "threads: $state vs $threads"
[ "$(echo "$state" | cut -d' ' -f4)" -gt 2 ] || fail "fds: $state"
pass "RSS of node agrees with VmRSS"

# --- 2. CPU ------------------------------------------------------------------
# stdout to a file: writes are synchronous, the busy loop never yields.
start_bg "$NODE" "$FIXTURES/spin.js" >"$T/spin.out"
spin=$!
wait_for 30 test -s "$T/spin.out" || fail "spin fixture did not start"
"$PROBE" -n 5 -i 500 "$spin" > "$T/cpu.json" || fail "proc_probe failed"
sleep 0.3	# let spin.js print past the last sample
# collector: mean CPU over ticks 1..4; the process: cpuUsage over the same span
res=$("$NODE" -e '
const fs = require("fs");
const L = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const own = fs.readFileSync(process.argv[2], "utf8").trim().split("\n")
	.map(l => l.split(" ").map(Number)).filter(a => a.length === 2 && !isNaN(a[1]));
const s = L.filter(l => l.t === "sample" && l.cpu !== null);
const mean = s.reduce((a, l) => a + l.cpu, 0) / s.length;
const t0 = L.filter(l => l.t === "sample")[0].ms, t1 = s[s.length - 1].ms;
const near = t => own.reduce((b, a) => Math.abs(a[0] - t) < Math.abs(b[0] - t) ? a : b);
const a = near(t0), b = near(t1);
const self = (b[1] - a[1]) / 1000 / (b[0] - a[0]) * 100;
console.log(s.length, mean.toFixed(1), self.toFixed(1));' "$T/cpu.json" "$T/spin.out")
set -- $res
echo "cpu: collector mean ${2}% over $1 ticks, process.cpuUsage ${3}%"
[ "$1" -eq 4 ] || fail "expected 4 CPU readings, got $1"
"$NODE" -e 'process.exit(Math.abs(process.argv[1] - process.argv[2]) <= 15 ? 0 : 1)' "$2" "$3" ||
	fail "collector CPU $2% vs the process's own $3%"
if "$NODE" -e 'process.exit(process.argv[1] > 60 ? 0 : 1)' "$3"; then
	"$NODE" -e 'process.exit(process.argv[1] > 50 ? 0 : 1)' "$2" || fail "busy loop at $2% CPU"
	pass "busy node > 50% CPU, agrees with process.cpuUsage"
else
	echo "note: machine overloaded, spin.js itself got only $3% — checked agreement only"
	pass "CPU agrees with process.cpuUsage"
fi
kill "$spin"

# --- 3. discovery through a wrapper -----------------------------------------
if command -v npm >/dev/null 2>&1; then
	(cd "$T" && exec env npm_config_update_notifier=false npm_config_cache="$T/npm-cache" \
		npm_config_fund=false npm exec --yes=false -- node "$FIXTURES/idle.js" "$T/child.pid" \
		>"$T/npm.log" 2>&1) &
	npm_pid=$!; _pids="$_pids $npm_pid"
	if wait_for 45 test -s "$T/child.pid"; then
		child=$(cat "$T/child.pid")
		_pids="$_pids $child"
		[ "$(readlink "/proc/$npm_pid/exe")" = "$(readlink "/proc/$child/exe")" ] ||
			fail "npm ($npm_pid) is not a node process: cannot test the wrapper rule"
		"$PROBE" -n 0 -d "$(id -u)" > "$T/disc.json" || fail "proc_probe -d failed"
		found=$(js 'L[0].procs.map(p => p.pid).join(" ")' "$T/disc.json")
		echo "discovered: $found (npm $npm_pid, its node $child, idle $idle)"
		echo " $found " | grep -q " $child " || fail "node under npm exec ($child) not discovered"
		echo " $found " | grep -q " $idle " || fail "idle node ($idle) not discovered"
		echo " $found " | grep -q " $npm_pid " && fail "npm wrapper ($npm_pid) was discovered"
		pass "discovery: node child of npm exec found, npm wrapper not"
		kill "$child" "$npm_pid" 2>/dev/null
	else
		cat "$T/npm.log" >&2
		fail "npm exec did not start the fixture (offline?)"
	fi
else
	echo "note: npm not installed, wrapper rule not exercised here"
	"$PROBE" -n 0 -d "$(id -u)" > "$T/disc.json" || fail "proc_probe -d failed"
	echo " $(js 'L[0].procs.map(p => p.pid).join(" ")' "$T/disc.json") " | grep -q " $idle " ||
		fail "idle node ($idle) not discovered"
	pass "discovery finds a node process"
fi

# --- 3b. a shell that execs node is found once it is node -------------------
# (pid and start time stay the same across execve: discovery must not keep
# its first "not node" verdict)
start_bg sh -c "sleep 2; exec '$NODE' '$FIXTURES/idle.js' '$T/exec.pid'"
execd=$!
"$PROBE" -n 150 -i 300 -d "$(id -u)" > "$T/exec.json" &
probe=$!; _pids="$_pids $probe"
wait_for 30 test -s "$T/exec.pid" || fail "exec'd fixture did not start"
wait_for 40 grep -q "\"pid\":$execd," "$T/exec.json" ||
	fail "node exec'd by sh ($execd) never discovered"
kill "$probe"
first=$(js 'L.filter(l => l.t === "discover")[0].procs.some(p => p.pid === '"$execd"')' "$T/exec.json")
[ "$first" = false ] || echo "note: machine slow, sh had exec'd node before the first discovery"
pass "node exec'd by a shell is discovered"
kill "$execd"

# --- 3c. a versioned executable (node20) is Node: discovered, and the one
# rule of collectors/procfs says so to the attach path too ------------------
NODEBIN=$(readlink -f "$(command -v "$NODE")")
ln "$NODEBIN" "$T/node20" 2>/dev/null || cp "$NODEBIN" "$T/node20"
start_bg "$T/node20" "$FIXTURES/idle.js" "$T/n20.pid"
n20=$!
wait_for 30 test -s "$T/n20.pid" || fail "node20 fixture did not start"
[ "$(basename "$(readlink "/proc/$n20/exe")")" = node20 ] || fail "node20 runs as $(readlink "/proc/$n20/exe")"
"$PROBE" -n 0 -d "$(id -u)" > "$T/n20.json" || fail "proc_probe -d failed"
echo " $(js 'L[0].procs.map(p => p.pid).join(" ")' "$T/n20.json") " | grep -q " $n20 " ||
	fail "a node20 executable ($n20) was not discovered"
pass "a node20 executable is discovered"
kill "$n20"

# --- 4. a killed process shows as exited ------------------------------------
"$PROBE" -n 80 -i 250 -x "$idle" > "$T/exit.json" &
probe=$!; _pids="$_pids $probe"
wait_for 20 test -s "$T/exit.json" || fail "proc_probe printed nothing"
kill "$idle"
wait_for 25 grep -q '"state":"exited"' "$T/exit.json" || fail "proc_probe did not see the exit"
wait "$probe"
last=$(js 'const l = L[L.length - 1]; [l.state, l.hist, l.exited_ms > 0].join(" ")' "$T/exit.json")
echo "after kill: $last"
case $last in "exited "*" true") ;; *) fail "killed node seen as: $last";; esac
[ "$(echo "$last" | cut -d' ' -f2)" -ge 1 ] || fail "history lost: $last"
pass "killed node is exited, history kept"
