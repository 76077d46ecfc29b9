#!/bin/sh
# heap_tui.sh — the heap explorer inside the dashboard, in tmux at 80x24,
# on a real node app (tests/fixtures/heap_tui_app.js, launched with the
# probe): s takes a snapshot, e opens it and the app's own class is there,
# Esc returns to the dashboard; a second snapshot and e open the diff with
# the same navigation: the class grew, it expands into its new objects and
# r shows what holds one.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need tmux
T=$VITALS_SOCK_DIR
mkdir -p "$T/out"
tmux_start 80 24 "cd '$T' && $VITALS --output-dir '$T/out' --log-file '$T/app.log' -- '$NODE' '$FIXTURES/heap_tui_app.js'; echo EXITED \$?; sleep 60"
tmux_wait_text 20 "launched" || fail "vitals did not start: $(tmux_screen)"
has() { tmux_screen | grep -qE -- "$1"; }
snapshot() {
	tmux_keys s
	tmux_wait_text 20 "Take it? y/n" || fail "no snapshot question: $(tmux_screen | tail -3)"
	tmux_keys y
	tmux_wait_text 60 "e explores it" || fail "snapshot not saved: $(tmux_screen | tail -3)"
}
# the probe connects a moment after the launch
wait_for 20 sh -c "tmux -L '$_tmux_sock' send-keys -t t s; sleep 0.3; tmux -L '$_tmux_sock' capture-pane -p -t t | grep -q 'Take it'" \
	|| fail "no probe: $(tmux_screen | tail -3)"
tmux_keys n
snapshot
[ "$(ls "$T/out"/*.heapsnapshot | wc -l)" -eq 1 ] || fail "want one snapshot: $(ls "$T/out")"

tmux_keys e
tmux_wait_text 30 "Constructor / object" || fail "e did not open the explorer: $(tmux_screen)"
has '^ DevTools view — expand: containment — sort: retained' || fail "title: $(tmux_screen | head -1)"
tmux_keys / O r d e r L e d g e r Enter
wait_for 10 has '^▸ OrderLedgerEntry +[0-9]+ ' || fail "the app's class is not listed: $(tmux_screen)"
tmux_screen | sed -n 24p | grep -q 'Esc/q dashboard' || fail "key line: $(tmux_screen | sed -n 24p)"
pass "s, then e: the snapshot in the explorer, the app's OrderLedgerEntry listed"

tmux_keys Escape
wait_for 10 sh -c "! tmux -L '$_tmux_sock' capture-pane -p -t t | grep -q 'Constructor / object'" ||
	fail "the explorer is still drawn"
tmux_wait_text 5 "PID" || fail "Esc did not return to the dashboard: $(tmux_screen)"
has 'heap_tui_app|node' || fail "the dashboard lost the app: $(tmux_screen)"
pass "Esc back to the dashboard"

sleep 2	# the app adds 200 entries a second
snapshot
tmux_wait_text 5 "(what changed since the one before)" || fail "second snapshot: $(tmux_screen | tail -2)"
tmux_keys e
tmux_wait_text 30 "Constructor / new object" || fail "e did not open the diff: $(tmux_screen)"
has '^ diff, DevTools view' || fail "diff title: $(tmux_screen | head -1)"
has '# New +# Deleted +Size Δ +Retained' || fail "diff columns: $(tmux_screen | sed -n 2p)"
tmux_keys / O r d e r L e d g e r Enter
wait_for 10 has '^▸ OrderLedgerEntry ' || fail "the class is not in the diff: $(tmux_screen)"
line=$(tmux_screen | grep '^▸ OrderLedgerEntry ')
# (# Deleted is not always 0: in a busy heap V8 gives some surviving objects
# new ids, doc/HEAP.md)
echo "$line" | grep -qE '^▸ OrderLedgerEntry +\+[1-9][0-9]+ +-[0-9]+ +\+[1-9][0-9]+ ' || fail "the class did not grow: $line"
tmux_keys Enter
wait_for 10 has '^  ▸ OrderLedgerEntry @[0-9]+ +\+[0-9]+ +[0-9]+$' || fail "no new object: $(tmux_screen)"
tmux_keys Down r
tmux_wait_text 5 "expand: retainers" || fail "r did not switch to retainers"
has '^    ▸ .* in .*@[0-9]+' || fail "no holder of the new object: $(tmux_screen)"
pass "second snapshot, e: the diff, the class grew, a new object and what holds it"

tmux_keys q
tmux_wait_text 5 "PID" || fail "q did not return to the dashboard: $(tmux_screen)"
has 'EXITED' && fail "q in the explorer quit vitals"
tmux_keys q
tmux_wait_text 10 "EXITED 0" || fail "vitals did not quit: $(tmux_screen | tail -3)"
pass "q leaves the explorer, then quits the dashboard"
