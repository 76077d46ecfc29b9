#!/bin/sh
# Worker threads in the dashboard (tmux, launch mode): a fastify app with a
# real piscina pool (2 threads) and a plain `new Worker` named "leaky" that
# leaks (tests/apps).  Each thread gets a sub-row under its process with its
# own heap and loop figures, the selection can step onto one, and the heap
# leak alert names the leaking thread.  `s` on that thread's row (early, while
# its heap is small) snapshots the thread's own isolate: a 0600 file that
# `vitals heap summary` reads and that holds the worker's script, not the
# main thread's.  piscina parks its idle threads in Atomics.wait, which
# Node's ELU counts as busy: an idle pool must not read busy (ELU, CPU), and
# the same threads must read busy while /pool requests keep them working.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
need tmux
APPS=$VITALS_SRCDIR/tests/apps
[ -d "$APPS/node_modules/piscina" ] && [ -d "$APPS/node_modules/fastify" ] ||
	{ echo "SKIP: tests/apps/node_modules missing (scripts/install-deps)"; exit 77; }
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT
port=$((20000 + $$ % 20000))
# Leak rules that judge in seconds rather than minutes: 5 s buckets over a
# minute, and a leak of 2 MB/s fires after ~10-15 s of steady growth.
cat >"$tmp/fast.conf" <<EOC
[alerts]
leak_window_s = 60
leak_subwindows = 12
leak_fast_s = 10
EOC
tmux_start 160 40 "cd $tmp && HTTP_PORT=$port LEAK_KB_S=2048 TERM=xterm-256color $VITALS --config $tmp/fast.conf --output-dir $tmp -- node $APPS/http_app.js leak; sleep 60"
tmux_wait_text 20 "http_app" || fail "the launched app is not on screen: $(tmux_screen)"
tmux_wait_text 20 "leaky" || fail "no sub-row for the leaking worker: $(tmux_screen | head -8)"
wait_for 10 sh -c "[ \$(tmux -L '$_tmux_sock' capture-pane -p -t t | grep -Ec '[├└]─ thread [0-9]+ *(leaky)? ') = 3 ]" ||
	fail "not 3 worker sub-rows (2 piscina, 1 leaky): $(tmux_screen | head -8)"
tmux_screen | grep -q "ELU" || fail "no ELU column with worker rows: $(tmux_screen | head -3)"
# a thread's lag needs its first full window (1-2 samples): wait for it
worker_row_full() {
	tmux -L "$_tmux_sock" capture-pane -p -t t | grep "thread [0-9]* leaky" |
		grep -Eq "[0-9.]+[KMG]/[0-9.]+[KMG] +[0-9.]+m?s +[0-9]+%"
}
wait_for 15 worker_row_full ||
	fail "the worker row lacks heap/limit, lag or ELU: $(tmux_screen | grep "thread [0-9]* leaky")"
pass "sub-rows: $(tmux_screen | grep -E '[├└]─ thread' | tr -s ' ' | tr '\n' '|')"
# The selection steps onto a worker's row and back.
tmux_keys Home Down
tmux_wait_text 5 "thread" || fail "lost the rows"
tmux_keys Up
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -q 'pid [0-9]* http_app'" ||
	fail "the focus strip is not the process's: $(tmux_screen | grep -- '── pid')"
# s on the leaky thread's row: the rows from the process's down to it
n=$(tmux_screen | grep -E "http_app|[├└]─ thread" | grep -n "thread [0-9]* leaky" | cut -d: -f1)
tmux_keys Home
i=1; while [ "$i" -lt "$n" ]; do tmux_keys Down; i=$((i + 1)); done
tmux_keys s
tmux_wait_text 5 "leaky, heap" ||
	fail "the snapshot question does not name the thread: $(tmux_screen | tail -3)"
tmux_keys y
tmux_wait_text 30 "heap snapshot saved" || fail "no worker snapshot saved: $(tmux_screen | tail -3)"
snap=$(ls "$tmp"/*-t[0-9]*.heapsnapshot 2>/dev/null | head -1)
[ -n "$snap" ] || fail "no snapshot file named for the thread: $(ls "$tmp")"
[ "$(stat -c %a "$snap")" = 600 ] || fail "snapshot mode $(stat -c %a "$snap")"
ls -a "$tmp" | grep -q '\.tmp$' && fail "temporary file left behind"
"$VITALS" heap summary "$snap" > "$tmp/summary" 2>&1 || fail "heap summary: $(head -3 "$tmp/summary")"
grep -q "nodes [0-9]" "$tmp/summary" || fail "summary: $(head -5 "$tmp/summary")"
grep -q "tenth of a second" "$snap" || fail "the snapshot is not the worker's isolate (no leak_worker.js source)"
if grep -q "Counts its own answers per route" "$snap"; then fail "the snapshot holds the main thread's script"; fi
pass "worker snapshot: $(basename "$snap") 0600, $(grep -o 'nodes [0-9]*' "$tmp/summary" | head -1)"
# The leak alert names the thread.
tmux_wait_text 60 "(leaky) heap leak" || fail "no leak alert naming the worker: $(tmux_screen | grep -A4 Alerts)"
if tmux_screen | grep "heap leak" | grep -v "leaky" | grep -q "heap leak"; then
	fail "a heap leak alert that does not name the worker: $(tmux_screen | grep 'heap leak')"
fi
pass "alert: $(tmux_screen | grep '(leaky) heap leak' | tr -s ' ' | head -1)"
# (after the snapshot, taken early while the leaking thread's heap is small)
# The pool's rows: "├─ thread N CPU% heap/limit lag ELU%" (no name).  Both
# read idle (ELU and CPU under 30%) while the pool waits, busy (ELU over 70%)
# while 4 clients keep its 2 threads on ~50 ms tasks.
pool_rows() {
	tmux -L "$_tmux_sock" capture-pane -p -t t | grep -E '[├└]─ thread [0-9]+ +[0-9.]+% ' | grep -v leaky
}
pool_reads() {	# pool_reads idle|busy: both pool rows read so
	pool_rows > "$tmp/pool"
	[ "$(wc -l < "$tmp/pool")" = 2 ] || return 1
	awk -v want="$1" '{
		if ($2 != "thread" || $7 !~ /^[0-9]+%$/) exit 1
		cpu = $4 + 0; elu = $7 + 0
		if (want == "idle" && (elu >= 30 || cpu >= 30)) exit 1
		if (want == "busy" && elu <= 70) exit 1
	}' "$tmp/pool"
}
wait_for 15 pool_reads idle || fail "an idle pool reads busy: $(pool_rows)"
pass "idle pool: $(pool_rows | tr -s ' ' | tr '\n' '|')"
start_bg node -e '
	const http = require("http");
	const end = Date.now() + 20000;
	const one = () => Date.now() < end && http.get({ host: "127.0.0.1", port: Number(process.argv[1]),
		path: "/pool?n=30000000", agent: false }, (r) => { r.resume(); r.on("end", one); }).on("error", () => setTimeout(one, 100));
	for (let i = 0; i < 4; i++) one();' "$port"
client=$!
wait_for 20 pool_reads busy || fail "a busy pool does not read busy: $(pool_rows)"
pass "busy pool: $(pool_rows | tr -s ' ' | tr '\n' '|')"
kill "$client" 2>/dev/null
tmux_keys q
