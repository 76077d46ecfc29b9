#!/bin/sh
# The dashboard of an HTTP server with a worker thread, in tmux (launch mode):
# the REQ/S column appears and counts the requests a client makes; the detail
# view shows the HTTP line (req/s, 5xx share), the top routes and the worker
# thread by name; --json carries http.routes.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
need tmux
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT
port=$((20000 + $$ % 20000))

tmux_start 130 40 "cd $tmp && HTTP_PORT=$port TERM=xterm-256color $VITALS --output-dir $tmp -- node $FIXTURES/probe_app.js http worker; sleep 60"
tmux_wait_text 20 "probe_app" || fail "the launched app is not on screen: $(tmux_screen)"
# No traffic yet: no REQ/S column.
if tmux_screen | grep -q "REQ/S"; then fail "REQ/S before any request: $(tmux_screen | head -3)"; fi
# A client: 50 requests a second until the checks are done (at most 60 s), a
# fifth of them failing.  (Stopped after 8 s, it was gone before a loaded
# machine's dashboard had shown what it sent.)
start_bg node -e '
	const http = require("http");
	let i = 0;
	const t = setInterval(() => {
		const path = i++ % 5 === 0 ? "/fail" : "/ok";
		http.get({ host: "127.0.0.1", port: Number(process.argv[1]), path, agent: false }, (r) => r.resume())
			.on("error", () => {});
	}, 20);
	setTimeout(() => clearInterval(t), 60000);' "$port"
client=$!
tmux_wait_text 15 "REQ/S" || fail "no REQ/S column under traffic: $(tmux_screen | head -4)"
wait_for 20 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep probe_app | grep -Eq ' (4[0-9]|5[0-9]|6[0-9]) '" ||
	fail "REQ/S is not ~50: $(tmux_screen | grep -e REQ -e probe_app)"
pass "REQ/S column: $(tmux_screen | grep probe_app | head -1)"
tmux_keys Enter
tmux_wait_text 10 "req/s" || fail "no HTTP line in the detail view: $(tmux_screen)"
http_line() { tmux_screen | grep HTTP | grep -Eq -- "$1"; }
routes() { tmux_screen | grep -A2 Routes | grep -Eq -- "$1"; }
wait_for 10 http_line "5xx (1[5-9]|2[0-5])\.[0-9]%" || fail "5xx share is not ~20%: $(tmux_screen | grep HTTP)"
wait_for 10 routes "GET .*/fail" || fail "no top routes in the detail view: $(tmux_screen | grep -A3 HTTP)"
wait_for 10 routes "GET .*/ok" || fail "/ok not among the top routes: $(tmux_screen | grep -A3 Routes)"
tmux_wait_text 10 "helper" || fail "worker thread not in the detail view: $(tmux_screen)"
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep Workers | grep -q heap" ||
	fail "worker line without heap: $(tmux_screen | grep -A1 Workers)"
kill "$client"
pass "detail: $(tmux_screen | grep -e 'HTTP' -e 'Workers' | tr -s ' ' | head -2 | tr '\n' '|')"
tmux_keys q
# --json: http.routes, the requests by route (ids collapsed: /item/7, /item/8)
# (--duration: a bound, not the length of the test: vitals is stopped once
# the routes are seen)
start_bg sh -c "HTTP_PORT=$((port + 1)) exec '$VITALS' --json --duration 40 -- node '$FIXTURES/probe_app.js' http > '$tmp/j.json'"
vj=$!
wait_for 10 grep -q '"t":"sample"' "$tmp/j.json" || fail "no JSON samples"
# requests until the routes are seen (the app may not listen yet)
start_bg node -e '
	const http = require("http"); let i = 0;
	const t = setInterval(() => { http.get({ host: "127.0.0.1", port: Number(process.argv[1]), path: "/item/" + (i++ % 2 + 7), agent: false }, (r) => r.resume()).on("error", () => {}); }, 20);
	setTimeout(() => clearInterval(t), 30000);' "$((port + 1))"
client=$!
wait_for 20 grep -q '"route":"/item/:id"' "$tmp/j.json" || fail "no http.routes with /item/:id in the JSON: $(grep -o '"http":{[^}]*}' "$tmp/j.json" | tail -1)"
kill "$client" "$vj"
pass "JSON: $(grep -o '"routes":\[[^]]*\]' "$tmp/j.json" | tail -1)"
