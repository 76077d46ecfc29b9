#!/bin/sh
# prometheus.sh — a real Prometheus scrapes `vitals --no-tui --prometheus`:
#  1. two node apps with the probe (one's process named with a quote, a
#     backslash and a byte that is not UTF-8) are watched by vitals on a free loopback port;
#  2. the exposition passes `promtool check metrics`; OpenMetrics ends in # EOF;
#     a gzip scrape decodes to the same families;
#  3. Prometheus (started here, temp dir, loopback) scrapes it (OpenMetrics, as
#     Prometheus asks): the target is up with no error, and
#     nodejs_heap_size_used_bytes{app="heap.js"} is within 10% of what the app
#     itself reports; the odd name arrives escaped and intact ('?' for the byte);
#  4. vitals_process_info carries the pid; 404 and 405 for other requests;
#  5. doc/prometheus/vitals-alerts.yml passes promtool and evaluates cleanly;
#  6. with --json the metrics are served while JSON lines go to stdout;
#  7. the dashboard (in tmux) serves them as well;
#  8. app names that outlive a pid: package.json's name (two instances under
#     a supervisor: workers 0 and 1), pm2's, a cluster worker's primary's;
#     process_start_time_seconds; a restarted instance keeps its series (the
#     same set on the next scrapes) while vitals_process_info's pid changes.
. "$VITALS_SRCDIR/tests/lib.sh"
need curl
PROMETHEUS=${PROMETHEUS:-prometheus}
PROMTOOL=${PROMTOOL:-promtool}
[ "$PROMETHEUS" != no ] && command -v "$PROMETHEUS" >/dev/null 2>&1 || { echo "SKIP: prometheus not installed (scripts/install-deps)"; exit 77; }
[ "$PROMTOOL" != no ] && command -v "$PROMTOOL" >/dev/null 2>&1 || { echo "SKIP: promtool not installed"; exit 77; }
PROBE="$VITALS_SRCDIR/probe/vitals-probe.js"
work=$(mktemp -d /tmp/vitals-prom.XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT INT TERM

# an app that keeps ~20 MB of heap and writes its own heapUsed every 200 ms
cat >"$work/heap.js" <<'EOF'
const fs = require('fs');
const keep = [];
for (let i = 0; i < 200; i++) keep.push(new Array(12500).fill(i));
setInterval(() => {
	fs.writeFileSync(process.argv[2] + '.tmp', String(process.memoryUsage().heapUsed));
	fs.renameSync(process.argv[2] + '.tmp', process.argv[2]);
}, 200);
EOF
# node under a name with a quote, a backslash and a byte that is not UTF-8
# (the process name, not a script, since node cannot open such a script)
odd="$work/we\"ird\\x$(printf '\377')"
ln -s "$(command -v "$NODE")" "$odd"
printf 'setInterval(() => {}, 1000);\n' >"$work/idle.js"
start_bg "$NODE" -r "$PROBE" "$work/heap.js" "$work/heap.txt"
app=$!
start_bg "$odd" -r "$PROBE" "$work/idle.js"
oddpid=$!
wait_for 10 test -S "$VITALS_SOCK_DIR/$app.sock" || fail "probe socket of the app did not appear"
wait_for 10 test -S "$VITALS_SOCK_DIR/$oddpid.sock" || fail "probe socket of the odd app did not appear"

start_bg "$VITALS" --no-tui --prometheus 127.0.0.1:0 -i 0.5 "$app" "$oddpid" 2>"$work/vitals.err"
vpid=$!
wait_for 10 grep -q "metrics on http://" "$work/vitals.err" || { cat "$work/vitals.err"; fail "vitals did not say where it serves"; }
addr=$(sed -n 's|.*metrics on http://\([^/]*\)/metrics.*|\1|p' "$work/vitals.err")
url="http://$addr/metrics"
wait_for 10 sh -c "curl -sf '$url' | grep -q '^nodejs_heap_size_used_bytes{app=\"heap.js\"'" ||
	{ curl -s "$url" | head -20; fail "no heap metric of the app at $url"; }
pass "vitals serves $url"

# --- 2. the exposition itself ----------------------------------------------
curl -sf "$url" >"$work/text.prom" || fail "scrape failed"
"$PROMTOOL" check metrics <"$work/text.prom" >"$work/promtool.out" 2>&1 ||
	{ cat "$work/promtool.out"; fail "promtool check metrics complained"; }
grep -q '^vitals_process_info{app="we\\"ird\\\\x?",worker="0",pid="'"$oddpid"'",name="we\\"ird\\\\x?",' "$work/text.prom" ||
	{ grep vitals_process_info "$work/text.prom"; fail "odd name not escaped as expected"; }
curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' "$url" >"$work/om.txt" || fail "OpenMetrics scrape failed"
[ "$(tail -n 1 "$work/om.txt")" = "# EOF" ] || fail "OpenMetrics without # EOF"
grep -q '^# TYPE process_cpu_seconds counter$' "$work/om.txt" || fail "OpenMetrics counter family named with _total"
curl -sf -H 'Accept-Encoding: gzip' -D "$work/gz.h" -o "$work/gz.bin" "$url" || fail "gzip scrape failed"
grep -qi '^content-encoding: gzip' "$work/gz.h" || fail "no gzip though asked"
gzip -dc <"$work/gz.bin" | grep -c '^# TYPE' >"$work/gz.n"
[ "$(cat "$work/gz.n")" = "$(grep -c '^# TYPE' "$work/text.prom")" ] || fail "gzip body differs"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/nothing")
[ "$code" = 404 ] || fail "unknown path gave $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
[ "$code" = 405 ] || fail "POST gave $code"
pass "promtool check metrics passes; OpenMetrics, gzip, 404, 405"

# --- 3. a real Prometheus scrapes it, with the shipped rules ----------------
"$PROMTOOL" check rules "$VITALS_SRCDIR/doc/prometheus/vitals-alerts.yml" >"$work/rules.out" 2>&1 ||
	{ cat "$work/rules.out"; fail "the shipped alerting rules do not pass promtool"; }
mkdir -p "$work/data"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - '$VITALS_SRCDIR/doc/prometheus/vitals-alerts.yml'
scrape_configs:
  - job_name: vitals
    static_configs:
      - targets: ['$addr']
EOF
ppid_=
for try in 1 2 3 4 5; do
	pport=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 ))
	"$PROMETHEUS" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
		--web.listen-address="127.0.0.1:$pport" >"$work/prom.log" 2>&1 &
	ppid_=$!
	_pids="$_pids $ppid_"
	if wait_for 20 curl -sf "http://127.0.0.1:$pport/-/ready"; then break; fi
	kill "$ppid_" 2>/dev/null
	ppid_=
done
[ -n "$ppid_" ] || { tail -5 "$work/prom.log"; fail "prometheus did not start"; }
papi="http://127.0.0.1:$pport/api/v1"

# q QUERY — the query's result as JSON lines: {"metric":{...},"value":N}
q() {
	curl -sf --get --data-urlencode "query=$1" "$papi/query" | "$NODE" -e '
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			for (const r of JSON.parse(s).data.result)
				console.log(JSON.stringify({ metric: r.metric, value: Number(r.value[1]) }));
		});'
}
wait_for 30 sh -c "curl -sf --get --data-urlencode 'query=nodejs_heap_size_used_bytes{app=\"heap.js\"}' '$papi/query' | grep -q '\"value\"'" ||
	{ curl -s "$papi/targets"; tail -5 "$work/prom.log"; fail "Prometheus has no nodejs_heap_size_used_bytes of the app"; }
curl -sf "$papi/targets" >"$work/targets.json"
"$NODE" -e '
	const t = JSON.parse(require("fs").readFileSync(process.argv[1])).data.activeTargets[0];
	if (t.health !== "up" || t.lastError) { console.error(JSON.stringify(t)); process.exit(1); }' "$work/targets.json" ||
	fail "the vitals target is not healthy in Prometheus"
got=$(q 'nodejs_heap_size_used_bytes{app="heap.js"}' | "$NODE" -e '
	let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s.split("\n")[0]).value));')
own=$(cat "$work/heap.txt")
"$NODE" -e 'const [g, o] = process.argv.slice(1).map(Number);
	if (!(Math.abs(g - o) <= 0.1 * o)) { console.error("prometheus", g, "app", o); process.exit(1); }' "$got" "$own" ||
	fail "heap in Prometheus ($got) is not within 10% of the app's own ($own)"
pass "Prometheus: nodejs_heap_size_used_bytes $got, the app says $own"
rules_ok() {
	curl -sf "$papi/rules" | "$NODE" -e '
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			const r = JSON.parse(s).data.groups.flatMap(g => g.rules);
			const bad = r.filter(x => x.health !== "ok");
			if (r.length < 8 || bad.length) { console.error(JSON.stringify(bad[0] || r.length)); process.exit(1); }
		});'
}
wait_for 15 rules_ok || { rules_ok; fail "the shipped rules do not all evaluate cleanly"; }
pass "the shipped alerting rules load and evaluate in Prometheus"
info=$(q 'vitals_process_info{worker="0"}')
echo "$info" | grep -qF '"app":"we\"ird\\x?"' || { echo "$info"; fail "odd app label did not arrive intact"; }
echo "$info" | grep -qF "\"pid\":\"$app\"" || { echo "$info"; fail "no vitals_process_info with the app's pid"; }
pass "Prometheus: the odd name arrives as we\"ird\\x?; pids in vitals_process_info"

kill "$vpid"
wait "$vpid" 2>/dev/null
pass "vitals stopped"

# --- 6. with --json too: JSON lines on stdout, metrics on the port ----------
start_bg "$VITALS" --json --prometheus 127.0.0.1:0 -i 0.5 "$app" >"$work/json.out" 2>"$work/json.err"
jpid=$!
wait_for 10 grep -q "metrics on http://" "$work/json.err" || { cat "$work/json.err"; fail "--json --prometheus: no address"; }
jurl="http://$(sed -n 's|.*metrics on http://\([^/]*\)/metrics.*|\1|p' "$work/json.err")/metrics"
wait_for 10 sh -c "curl -sf '$jurl' | grep -q '^nodejs_heap_size_used_bytes{app=\"heap.js\"'" || fail "--json --prometheus: no heap metric"
wait_for 5 grep -q '"t":"sample"' "$work/json.out" || fail "--json --prometheus: no JSON samples"
! grep -qv '^{' "$work/json.out" || fail "something else than JSON on stdout"
kill "$jpid"
pass "--json and --prometheus together"

# --- 7. and from the dashboard ----------------------------------------------
if command -v tmux >/dev/null 2>&1; then
	tmux_start 160 40 "$VITALS --prometheus 127.0.0.1:0 -i 0.5 $app"
	tmux_wait_text 10 "metrics on http://" || { tmux_screen; fail "the dashboard does not say where it serves"; }
	turl=$(tmux_screen | sed -n 's|.*metrics on http://\([0-9.:]*\)/metrics.*|\1|p' | head -1)
	wait_for 10 sh -c "curl -sf 'http://$turl/metrics' | grep -q '^nodejs_heap_size_used_bytes{app=\"heap.js\"'" ||
		fail "the dashboard's /metrics has no heap of the app"
	tmux_keys q
	pass "the dashboard serves /metrics too"
fi

# --- 8. app names across restarts -------------------------------------------
mkdir -p "$work/billing/lib"
printf '{"name": "billing-api", "version": "1.0.0"}\n' >"$work/billing/package.json"
printf 'const keep = new Array(100000).fill(1);\nsetInterval(() => keep.length, 200);\n' >"$work/billing/lib/server.js"
# a supervisor keeping two instances (cwd billing/, a relative script), restarting either when it exits
cat >"$work/sup.js" <<'EOF'
const { spawn } = require('child_process');
const fs = require('fs');
const [probe, out] = process.argv.slice(2);
const pids = [0, 0], kids = [];
let stopping = false;
process.on('SIGTERM', () => { stopping = true; kids.forEach(c => c.kill()); process.exit(0); });
function start(i) {
	if (stopping) return;
	const c = spawn(process.execPath, ['-r', probe, 'lib/server.js'], { cwd: __dirname + '/billing', stdio: 'ignore' });
	kids[i] = c;
	pids[i] = c.pid;
	fs.writeFileSync(out + '.tmp', pids.join(' '));
	fs.renameSync(out + '.tmp', out);
	c.on('exit', () => setTimeout(() => start(i), 300));
}
start(0);
start(1);
EOF
cat >"$work/cl.js" <<'EOF'
const cluster = require('cluster');
cluster.setupPrimary({ exec: __dirname + '/w.js' });
cluster.fork();
setInterval(() => {}, 1000);
EOF
printf 'setInterval(() => {}, 1000);\n' >"$work/w.js"
start_bg "$NODE" "$work/sup.js" "$PROBE" "$work/sup.pids"
sup=$!
start_bg env pm_id=7 name=orders-api "$NODE" -r "$PROBE" "$work/idle.js"
orders=$!
start_bg "$NODE" "$work/cl.js"
cl=$!
wait_for 10 test -s "$work/sup.pids" || fail "the supervisor started nothing"
wait_for 10 sh -c "pgrep -P $cl >/dev/null" || fail "the cluster primary forked no worker"
clw=$(pgrep -P "$cl")
start_bg "$VITALS" --no-tui --prometheus 127.0.0.1:0 -i 0.5 "$sup" "$orders" "$cl" 2>"$work/v8.err"
v8=$!
wait_for 10 grep -q "metrics on http://" "$work/v8.err" || { cat "$work/v8.err"; fail "section 8: no address"; }
url8="http://$(sed -n 's|.*metrics on http://\([^/]*\)/metrics.*|\1|p' "$work/v8.err")/metrics"
have_both() {
	curl -sf "$url8" >"$work/s8.prom" &&
		grep -q '^nodejs_heap_size_used_bytes{app="billing-api",worker="0"}' "$work/s8.prom" &&
		grep -q '^nodejs_heap_size_used_bytes{app="billing-api",worker="1"}' "$work/s8.prom"
}
wait_for 20 have_both || { grep -E '^(vitals_process_info|nodejs_heap_size_used_bytes)' "$work/s8.prom"; fail "no billing-api workers 0 and 1 (package.json's name)"; }
grep -q "^vitals_process_info{app=\"orders-api\",worker=\"0\",pid=\"$orders\"" "$work/s8.prom" ||
	{ grep vitals_process_info "$work/s8.prom"; fail "pm2's app name (env name with pm_id) not the app"; }
grep -q "^vitals_process_info{app=\"cl.js\",worker=\"1\",pid=\"$clw\"" "$work/s8.prom" ||
	{ grep vitals_process_info "$work/s8.prom"; fail "the cluster worker $clw (w.js) is not in its primary's app cl.js"; }
read -r old other <"$work/sup.pids"
w=$(sed -n "s/^vitals_process_info{app=\"billing-api\",worker=\"\([01]\)\",pid=\"$old\".*/\1/p" "$work/s8.prom")
[ -n "$w" ] || { grep vitals_process_info "$work/s8.prom"; fail "no info line for instance $old"; }
st=$(sed -n "s/^process_start_time_seconds{app=\"billing-api\",worker=\"$w\"} //p" "$work/s8.prom")
want=$(( $(date +%s) - $(ps -o etimes= -p "$old" | tr -d ' ') ))
"$NODE" -e 'const [a, b] = process.argv.slice(1).map(Number); process.exit(Math.abs(a - b) <= 2 ? 0 : 1)' "$st" "$want" ||
	fail "process_start_time_seconds of $old is $st, ps says $want"
"$PROMTOOL" check metrics <"$work/s8.prom" >"$work/promtool8.out" 2>&1 || { cat "$work/promtool8.out"; fail "promtool (section 8)"; }
pass "app labels: billing-api workers 0 and 1 (package.json), orders-api (pm2), cl.js for its worker; start time $st"

# the series of billing-api (families every instance has at once: no GC
# kinds or handle types that come and go), without the values
series() {
	grep '^[a-z_]*{app="billing-api"' "$1" |
		grep -Ev '^(vitals_process_info|nodejs_gc_duration_seconds|nodejs_active_handles|vitals_alert_firing)' |
		sed 's/} .*/}/' | sort
}
series "$work/s8.prom" >"$work/before.series"
kill "$old"
wait_for 10 sh -c "read -r a b <'$work/sup.pids'; [ \"\$a\" != $old ]" || fail "the supervisor did not restart $old"
read -r new other <"$work/sup.pids"
same_again() {
	curl -sf "$url8" >"$work/s8b.prom" && series "$work/s8b.prom" >"$work/after.series" &&
		grep -q "^vitals_process_info{app=\"billing-api\",worker=\"$w\",pid=\"$new\"" "$work/s8b.prom" &&
		cmp -s "$work/before.series" "$work/after.series"
}
wait_for 20 same_again || { diff "$work/before.series" "$work/after.series"; grep vitals_process_info "$work/s8b.prom"; fail "after the restart of $old as $new the series differ"; }
sleep 1
curl -sf "$url8" >"$work/s8c.prom" && series "$work/s8c.prom" >"$work/again.series"
cmp -s "$work/before.series" "$work/again.series" || { diff "$work/before.series" "$work/again.series"; fail "the next scrape differs"; }
! grep -q "pid=\"$old\"" "$work/s8c.prom" || fail "the old pid $old is still exported"
st2=$(sed -n "s/^process_start_time_seconds{app=\"billing-api\",worker=\"$w\"} //p" "$work/s8c.prom")
"$NODE" -e 'const [a, b] = process.argv.slice(1).map(Number); process.exit(b > a ? 0 : 1)' "$st" "$st2" ||
	fail "process_start_time_seconds did not move on: $st then $st2"
"$PROMTOOL" check metrics <"$work/s8c.prom" >"$work/promtool8.out" 2>&1 || { cat "$work/promtool8.out"; fail "promtool after the restart"; }
pass "restart of $old as $new (worker $w): the same $(wc -l <"$work/before.series") series twice, info pid and start time moved on"
kill "$v8"
# the supervisor takes its instances with it (SIGTERM, as cleanup sends)
read -r a b <"$work/sup.pids"
kill "$sup"
wait_for 10 sh -c "! kill -0 $a 2>/dev/null && ! kill -0 $b 2>/dev/null" || fail "instances $a $b outlived their supervisor"
