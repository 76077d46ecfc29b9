#!/bin/sh
# record_whole.sh — a recording carries the whole application as the live
# view showed it (issue 13): a group (a parent node process and its child),
# the names a process manager gave them (pm2's fork-mode environment:
# "web#0", "api#1"), the child's HTTP figures and top routes (a real fastify
# app under a client), and its worker threads (a piscina pool and a leaking
# Worker).  The replay in tmux shows the names, the tree, the REQ/S column,
# the worker sub-rows with their own heap and ELU, and the routes in the
# detail view.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need tmux
need zcat
APPS=$VITALS_SRCDIR/tests/apps
[ -d "$APPS/node_modules/piscina" ] && [ -d "$APPS/node_modules/fastify" ] ||
	{ echo "SKIP: tests/apps/node_modules missing (scripts/install-deps)"; exit 77; }
T=$VITALS_SOCK_DIR
rec=$T/whole.vrec
port=$((20000 + $$ % 20000))

# --- record 14 s (x the load factor), with requests to /users/:id and / ---------
# the parent and its child load the probe (NODE_OPTIONS passes on); vitals
# watches the parent's PID, and so its child. The probe counts requests only
# while a dashboard (here the recorder) is connected, and on a loaded machine
# the app can take most of the recording to start and be found: the client
# runs from the app's first listen until the recording ends (at most 60 s).
name=web pm_id=0 HTTP_PORT=$port NODE_OPTIONS="--require $VITALS_SRCDIR/probe/vitals-probe.js" \
	start_bg "$NODE" "$FIXTURES/record_group.js"
app=$!
start_bg "$VITALS" record -o "$rec" --duration $((14 * $(load_factor))) "$app" >"$T/rec.out" 2>"$T/rec.err"
recpid=$!
listening() { "$NODE" -e 'require("net").connect(Number(process.argv[1]), "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))' "$port"; }
wait_for 20 listening || fail "the app never listened: $(cat "$T/rec.err")"
"$NODE" -e '
	const http = require("http");
	const end = Date.now() + 60000;
	const rec = Number(process.argv[2]);
	const recording = () => { try { process.kill(rec, 0); return true; } catch (e) { return false; } };
	let i = 0;
	const one = () => Date.now() < end && recording() && http.get({ host: "127.0.0.1", port: Number(process.argv[1]),
		path: i++ % 3 ? "/users/" + i : "/", agent: false }, (r) => { r.resume(); r.on("end", () => setTimeout(one, 10)); })
		.on("error", () => setTimeout(one, 100));
	for (let k = 0; k < 4; k++) one();' "$port" "$recpid" &
client=$!
wait "$recpid" || fail "record: exit $?: $(cat "$T/rec.err")"
wait "$client"
zcat "$rec" >"$T/lines" || fail "zcat cannot read the recording"
grep '"t":"sample"' "$T/lines" | grep -q '"app":"web#0"' || fail "no app name web#0 recorded"
grep '"t":"sample"' "$T/lines" | grep '"app":"api#1"' | grep -q '"routes":\[' || fail "no routes recorded for api#1"
grep '"t":"sample"' "$T/lines" | grep -q '"workers":\[.*"name":"leaky"' || fail "no worker threads recorded"
pass "record: $(stat -c %s "$rec") bytes, app names, routes and workers in the lines"

# --- replay: stop at the moment the routes were busiest ---------------------------
# the last sample of api#1 with traffic: jump there, paused
ts=$(grep '"app":"api#1"' "$T/lines" | grep '"routes":\[' | tail -1 | sed -n 's/.*"ts":\([0-9]*\)[0-9][0-9][0-9],.*/\1/p')
[ -n "$ts" ] || fail "no time of traffic in the recording"
tmux_start 160 45 "TERM=xterm-256color $VITALS replay '$rec'; echo EXIT=\$?; sleep 60"
tmux_wait_text 10 "web#0" || fail "replay: no pm2 name web#0: $(tmux_screen | head -8)"
tmux_keys Space
tmux_wait_text 5 "PAUSED" || fail "space did not pause: $(tmux_screen | head -1)"
tmux_keys G
tmux_wait_text 5 "jump to (" || fail "G asked nothing: $(tmux_screen | tail -2)"
tmux_keys -l -- "$(date -d "@$ts" +%H:%M:%S)"
tmux_keys Enter
tmux_wait_text 10 "api#1" || fail "replay: no pm2 name api#1: $(tmux_screen | head -8)"
# the tree (F5): api#1 under web#0
tmux_keys F5
tmux_wait_text 5 "└─ api#1" || fail "replay: api#1 not under its parent: $(tmux_screen | head -8)"
# REQ/S: a number on api#1's row
tmux_wait_text 5 "REQ/S" || fail "replay: no REQ/S column: $(tmux_screen | head -3)"
wait_for 5 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep 'api#1' | grep -Eq '[0-9]+% +[1-9][0-9]* '" ||
	fail "replay: no req/s on api#1: $(tmux_screen | grep -e REQ -e 'api#1')"
# worker sub-rows, with their heap and ELU
wait_for 5 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -E '[├└]─ thread [0-9]+ leaky' | grep -Eq '[0-9.]+[KMG]/[0-9.]+[KMG] .* [0-9]+%'" ||
	fail "replay: no worker sub-row with heap and ELU: $(tmux_screen | head -12)"
[ "$(tmux_screen | grep -cE '[├└]─ thread [0-9]+')" -ge 3 ] || fail "replay: not 3 worker rows: $(tmux_screen | head -12)"
pass "replay: $(tmux_screen | grep -E 'web#0|api#1|thread' | tr -s ' ' | tr '\n' '|')"
# the detail view of api#1: its routes
n=$(tmux_screen | grep -E "web#0|api#1|[├└]─ thread" | grep -n "api#1" | cut -d: -f1)
tmux_keys Home
i=1; while [ "$i" -lt "$n" ]; do tmux_keys Down; i=$((i + 1)); done
tmux_keys Enter
tmux_wait_text 10 "Routes" || fail "replay: no routes in the detail view: $(tmux_screen)"
tmux_screen | grep -A3 "Routes" | grep -q "GET .*/users/:id" || fail "replay: /users/:id not among the routes: $(tmux_screen | grep -A3 Routes)"
pass "replay detail: $(tmux_screen | grep -e 'HTTP' -e 'GET ' | tr -s ' ' | head -3 | tr '\n' '|')"
tmux_keys q
