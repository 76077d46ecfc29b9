#!/bin/sh
# The CPU profile screen, driven in tmux at 80x24: p on a real node app that
# burns its CPU in burnLedger (tests/fixtures/cpu_burner.js) records a
# profile; when the capture completes the dashboard shows the table of
# `vitals profile summary` (the same rows: burnLedger first by self time,
# with file:line), < > sort by total time, the rows scroll under a fixed
# head, Esc goes back to the overview.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
need tmux
lock_inspector
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT

# burnLedger is hot long before p: its loop was compiled on the stack (OSR),
# code a profiler started later does not know, booking its samples to the
# caller (listOnTimeout) unless the probe deoptimises as the profile starts
REPORT_FILE=$tmp/r start_bg node "$FIXTURES/cpu_burner.js"; fx=$!
wait_for 20 test -s "$tmp/r" || fail "fixture did not start"

tmux_start 80 24 "cd $tmp && TERM=xterm-256color $VITALS --output-dir $tmp $fx; echo EXIT=\$?; sleep 60"
tmux_wait_text 15 "$fx" || fail "PID $fx not on screen: $(tmux_screen)"
tmux_keys a
tmux_wait_text 20 "attached to $fx" || fail "attach failed: $(tmux_screen)"
# p needs the probe connected: the header counts it then (tests/tui.sh)
tmux_wait_text 15 "· 1 attached" || fail "the probe of $fx does not answer: $(tmux_screen | head -3)"
tmux_keys p
tmux_wait_text 5 "seconds [10]" || fail "no CPU profile prompt: $(tmux_screen | tail -2)"
tmux_keys 2 Enter
tmux_wait_text 30 "CPU profile by self time" || fail "no profile screen after the capture: $(tmux_screen)"
prof=$(ls "$tmp"/*.cpuprofile) || fail "no profile file"
tmux_screen > "$tmp/screen"
cat "$tmp/screen"

# The first JavaScript function under the headings (V8's own rows, (idle),
# (program), (garbage collector), skipped) is the app's hot function, with
# its file:line, as `vitals profile summary` ranks it.
first=$(sed -n '/Self ms/,$p' "$tmp/screen" | awk 'NR > 1 && $5 !~ /^\((idle|program|garbage|root)/ { print; exit }')
case $first in
*" burnLedger "*cpu_burner.js:12*) pass "burnLedger first, with cpu_burner.js:12, at 80x24" ;;
*) fail "first row is not burnLedger at cpu_burner.js:12: '$first'" ;;
esac
"$VITALS" profile summary "$prof" | awk 'NR > 4 && $5 !~ /^\((idle|program|garbage|root)/ { print; exit }' | grep -q " burnLedger " || fail "summary disagrees: $("$VITALS" profile summary "$prof")"
awk 'length > 80 { bad = 1 } END { exit bad }' "$tmp/screen" || fail "a line wider than 80 columns"

# < > : by total time, then back
tmux_keys '>'
tmux_wait_text 5 "CPU profile by total time" || fail "> did not sort by total: $(tmux_screen | head -2)"
tmux_keys '<'
tmux_wait_text 5 "CPU profile by self time" || fail "< did not sort by self again: $(tmux_screen | head -2)"

# The rows scroll under the head: at 80x15 (the smallest screen) the table
# holds 9 rows, fewer than the profile has; ↓ moves the first row, the
# headings stay.
nfn=$("$VITALS" profile summary --json --top 1000000 "$prof" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).function_count))')
[ "$nfn" -gt 10 ] || fail "only $nfn functions in the profile: nothing to scroll"
tmux -L "$_tmux_sock" resize-window -t t -x 80 -y 15 2>/dev/null
# redrawn at 15 rows: the title on top again (the shrunk pane keeps the old
# screen's bottom rows until then)
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | head -2 | grep -q 'CPU profile by self time'" ||
	fail "no redraw at 80x15: $(tmux_screen)"
row1() { tmux_screen | grep -A1 "Self ms" | sed -n 2p; }
before=$(row1)
tmux_keys Down
wait_for 5 sh -c "[ \"\$(tmux -L '$_tmux_sock' capture-pane -p -t t | grep -A1 'Self ms' | sed -n 2p)\" != '$before' ]" ||
	fail "Down did not scroll the rows: $(tmux_screen)"
tmux_screen | grep -q "Self ms" || fail "the headings scrolled away"
tmux_keys NPage
tmux_wait_text 5 "$(basename "$prof")" || fail "PgDn lost the head: $(tmux_screen)"
pass "sort by total/self, rows scroll under the head"

tmux -L "$_tmux_sock" resize-window -t t -x 80 -y 24 2>/dev/null
tmux_keys Escape
wait_for 5 sh -c "! tmux -L '$_tmux_sock' capture-pane -p -t t | grep -q 'CPU profile by'" ||
	fail "profile screen still shown after Esc: $(tmux_screen)"
tmux_wait_text 5 "1 attached" || fail "Esc did not go back to the overview: $(tmux_screen)"
tmux_keys q
tmux_wait_text 10 "EXIT=0" || fail "q: $(tmux_screen | tail -3)"
pass "Esc back to the overview, q exits 0"
