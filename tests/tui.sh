#!/bin/sh
# The dashboard driven as a person would, in tmux: the table shows the
# fixture's PID, / filters, Enter opens the detail view, ? shows help, a
# attaches, s takes a heap snapshot after confirmation, a small terminal gets a
# one-line message, q exits with status 0 and leaves a sane terminal.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
need tmux
lock_inspector
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT

# A terminal without cursor addressing (TERM=dumb) cannot show the
# dashboard: one line naming it, exit 2 (it used to draw nothing and exit 0).
if command -v script >/dev/null; then
	# script passes its stdin's EOF to the terminal as ^D, which the tty
	# echoes ("^D" and backspaces) when it comes before vitals has started
	term_out() { tr -d '\r' <"$tmp/term" | sed 's/\^D\x08*//g'; }
	for t in dumb unknown; do
		TERM=$t timeout 20 script -qec "$VITALS --duration 2" /dev/null </dev/null >"$tmp/term"; rc=$?
		out=$(term_out)
		[ $rc -eq 2 ] || fail "TERM=$t: exit $rc, want 2 (output: $out)"
		[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "TERM=$t: want one line, got: $out"
	done
	echo "$out" | grep -q "^vitals: .*'unknown'" || fail "TERM=unknown: terminal not named: $out"
	TERM=dumb timeout 20 script -qec "$VITALS --duration 2" /dev/null </dev/null >"$tmp/term"
	out=$(term_out)
	echo "$out" | grep -q "^vitals: terminal 'dumb' cannot move the cursor" || fail "TERM=dumb message: $out"
	pass "TERM=dumb: $out"
fi

REPORT_FILE=$tmp/r start_bg node "$FIXTURES/app_rss.js" tui-fixture; fx=$!
wait_for 20 test -s "$tmp/r" || fail "fixture did not start"

# The shell records vitals' exit status and the terminal modes after it.
tmux_start 120 32 "cd $tmp && TERM=xterm-256color $VITALS --output-dir $tmp $fx; echo EXIT=\$?; stty -a | tr ' ;' '\n\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\n' ' '; echo; sleep 60"
tmux_wait_text 15 "$fx" || fail "PID $fx not on screen: $(tmux_screen)"
tmux_screen | grep -q "not attached" || fail "unattached process not marked: $(tmux_screen)"
pass "table shows the PID"

tmux_keys / n o m a t c h Enter
sleep 0.5
tmux_wait_text 5 "nomatch" || true
if tmux_screen | grep -q " $fx "; then fail "filter 'nomatch' still shows $fx"; fi
tmux_keys Escape
tmux_wait_text 5 "$fx" || fail "Esc did not clear the filter"
tmux_keys / t u i - f i x Enter
tmux_wait_text 5 "$fx" || fail "filter by command line hides the fixture"
pass "filter"

# Line editing as in a shell: F4 opens the filter too; the cursor keys move,
# Backspace, Ctrl-W and UTF-8 text edit at the cursor.
tmux_keys F4 C-u t u i - f i x Left Left Left Q
tmux_wait_text 5 'filter "tui-Qfix"' || fail "insert at the cursor: $(tmux_screen | head -1)"
if tmux_screen | grep -q " $fx "; then fail "filter 'tui-Qfix' still shows $fx"; fi
tmux_keys BSpace C-w
tmux_wait_text 5 'filter "fix"' || fail "Backspace, Ctrl-W: $(tmux_screen | head -1)"
tmux_keys -l "日本"
tmux_wait_text 5 'filter "日本fix"' || fail "UTF-8 in the filter: $(tmux_screen | head -1)"
tmux_keys C-e C-u Escape
tmux_wait_text 5 "$fx" || fail "Esc did not clear the edited filter"
# F3 searches: the selection jumps to a match; none says so
tmux_keys F3 z z z
tmux_wait_text 5 'no process matches "zzz"' || fail "search without a match: $(tmux_screen | tail -2)"
tmux_keys Escape
# F6: the sort menu
tmux_keys F6
tmux_wait_text 5 "Sort by" || fail "no sort menu: $(tmux_screen)"
tmux_keys Down Down Enter
tmux_wait_text 5 "sort by cpu" || fail "sort menu did not sort: $(tmux_screen | tail -2)"
# F9 asks which signal, then asks again; n sends nothing
tmux_keys F9
tmux_wait_text 5 "Send signal" || fail "no signal menu: $(tmux_screen)"
tmux_keys Enter
tmux_wait_text 5 "send SIGTERM to PID $fx" || fail "no signal confirmation: $(tmux_screen | tail -2)"
tmux_keys n
tmux_wait_text 5 "cancelled" || fail "n did not cancel the signal"
kill -0 "$fx" || fail "the fixture got a signal after n"
pass "line editing, search, sort and signal menus"

tmux_keys Enter
tmux_wait_text 5 "press a to attach" || fail "detail view missing: $(tmux_screen)"
tmux_keys Escape
tmux_keys ?
tmux_wait_text 5 "this help" || fail "help missing: $(tmux_screen)"
# 37 keys do not fit in 32 lines: PgDn scrolls the help to its last key
tmux_keys NPage
tmux_wait_text 5 "mouse on/off" || fail "help does not scroll to its last key: $(tmux_screen)"
tmux_keys Escape
pass "detail and help"

tmux_keys a
# the probe's hello comes a moment after the attach: s needs it
tmux_wait_text 15 "attached to $fx" || fail "attach failed: $(tmux_screen)"
tmux_wait_text 15 "· 1 attached" || fail "no probe connection after the attach: $(tmux_screen | head -2)"
# at 80 columns the long question wraps and keeps its y/n on screen
tmux -L "$_tmux_sock" resize-window -t t -x 80 -y 24 2>/dev/null
tmux_wait_text 5 "$fx" || fail "no redraw at 80x24"
tmux_keys s
tmux_wait_text 10 "Take it? y/n" || fail "snapshot question cut at 80 columns: $(tmux_screen | tail -3)"
tmux_keys n
tmux_wait_text 5 "cancelled" || fail "n did not cancel: $(tmux_screen | tail -3)"
ls "$tmp"/*.heapsnapshot 2>/dev/null && fail "snapshot written after n"
tmux -L "$_tmux_sock" resize-window -t t -x 120 -y 32 2>/dev/null
tmux_keys s
tmux_wait_text 10 "Take it? y/n" || fail "no snapshot confirmation: $(tmux_screen)"
tmux_keys y
wait_for 60 sh -c "ls $tmp/*.heapsnapshot" || fail "no heap snapshot written: $(tmux_screen)"
snap=$(ls "$tmp"/*.heapsnapshot | head -1)
[ "$(stat -c %a "$snap")" = 600 ] || fail "snapshot mode $(stat -c %a "$snap"), want 600"
ls -a "$tmp" | grep -q '\.tmp$' && fail "temporary file left behind"
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).snapshot.meta || process.exit(1)' "$snap" \
	|| fail "snapshot does not parse"
tmux_wait_text 10 "saved" || fail "saved path not shown: $(tmux_screen)"
pass "attach and heap snapshot"

tmux_keys g
tmux_wait_text 10 "GC" || fail "no GC status: $(tmux_screen | tail -2)"
tmux_keys r
wait_for 30 sh -c "ls $tmp/*.json" || fail "no diagnostic report written: $(tmux_screen | tail -2)"
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).header.nodejsVersion || process.exit(1)' \
	"$(ls "$tmp"/*.json | head -1)" || fail "report does not parse"
tmux_keys p
tmux_wait_text 5 "seconds [10]" || fail "no CPU profile prompt: $(tmux_screen | tail -2)"
tmux_keys 1 Enter
wait_for 30 sh -c "ls $tmp/*.cpuprofile" || fail "no CPU profile written: $(tmux_screen | tail -2)"
node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!p.nodes.length || !p.samples) process.exit(1)' \
	"$(ls "$tmp"/*.cpuprofile | head -1)" || fail "profile has no nodes/samples"
for f in "$tmp"/*.json "$tmp"/*.cpuprofile; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f"), want 600"
done
pass "gc, report and CPU profile"

tmux_keys t
tmux_wait_text 5 "theme:" || fail "t did not switch theme: $(tmux_screen | tail -2)"
pass "theme cycling"

tmux -L "$_tmux_sock" resize-window -t t -x 30 -y 8 2>/dev/null
tmux_wait_text 5 "too small" || fail "small terminal: $(tmux_screen)"
tmux -L "$_tmux_sock" resize-window -t t -x 120 -y 32 2>/dev/null
tmux_wait_text 5 "$fx" || fail "no redraw after growing back"
pass "resize"

tmux_keys q
tmux_wait_text 10 "EXIT=" || fail "q did not exit: $(tmux_screen)"
tmux_screen | grep -q "EXIT=0" || fail "exit status: $(tmux_screen | grep EXIT)"
tmux_wait_text 5 "icanon" || true	# stty runs after the EXIT= line: wait for it
tmux_screen | grep -q "^icanon echo" || fail "terminal not restored: $(tmux_screen | tail -3)"
kill -0 "$fx" 2>/dev/null || fail "the watched process died"
pass "quit restores the terminal"

# What was chosen in the UI (sort by CPU in the F6 menu, a theme) is saved
# to the config file, 0600, and the next start sorts by it.
conf=$XDG_CONFIG_HOME/vitals/config
wait_for 5 test -s "$conf" || fail "settings not saved to $conf"
grep -qx "sort = cpu" "$conf" || fail "sort not saved: $(cat "$conf")"
grep -q "^theme = " "$conf" || fail "theme not saved: $(cat "$conf")"
[ "$(stat -c %a "$conf")" = 600 ] || fail "config mode $(stat -c %a "$conf"), want 600"
ls "$XDG_CONFIG_HOME/vitals" | grep -v '^config$' && fail "temporary file left next to the config"
pass "settings saved to the config file"

# tmux_restart COLS ROWS CMD — a new tmux server for the next dashboard
tmux_restart() {
	tmux -L "$_tmux_sock" kill-server 2>/dev/null
	wait_for 5 sh -c "! tmux -L '$_tmux_sock' has-session 2>/dev/null" || fail "tmux server did not stop"
	tmux_start "$@"
}

# Config warnings are written before the dashboard takes the screen over:
# the status line says they are there.
printf '[ui]\nbogus = 1\n' > "$tmp/bad.conf"
tmux_restart 100 30 "cd $tmp && TERM=xterm-256color $VITALS --config $tmp/bad.conf $fx 2>$tmp/stderr; sleep 60"
tmux_wait_text 10 "1 warning about the config" || fail "config warning not mentioned: $(tmux_screen | tail -3)"
tmux_keys q
wait_for 10 grep -q "unknown key 'bogus'" "$tmp/stderr" || fail "warning not on stderr: $(cat "$tmp/stderr")"
pass "config warnings are pointed out"
tmux_restart 100 30 "cd $tmp && TERM=xterm-256color $VITALS $fx; sleep 60"
tmux_wait_text 10 "▼CPU%" || fail "saved sort not used at the next start: $(tmux_screen | head -3)"
tmux_keys q
pass "the saved sort is used at the next start"

# F5: a node:cluster primary with its workers under it; - folds them into
# one row of totals, + unfolds.  Given the primary's PID, vitals adds the
# workers it has and the ones it forks later (--no-children: not); JSON
# samples name the group's leader.
REPORT_FILE=$tmp/cl start_bg node "$FIXTURES/cluster_app.js"; cl=$!
wait_for 20 test -s "$tmp/cl" || fail "cluster fixture did not start"
worker() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).workers[process.argv[2]])' "$tmp/cl" "$1"; }
w1=$(worker 0); w2=$(worker 1)
"$VITALS" --json --duration 2.5 -p "$cl" > "$tmp/cl.json" || fail "vitals --json on the cluster"
grep '"t":"sample"' "$tmp/cl.json" | grep "\"pid\":$w1," | grep -q "\"ppid\":$cl,\"group\":$cl," ||
	fail "worker $w1 not added in the group of $cl: $(grep "\"pid\":$w1," "$tmp/cl.json" | head -1)"
"$VITALS" --json --duration 1.5 --no-children -p "$cl" > "$tmp/cl2.json" || fail "vitals --json --no-children"
grep -q "\"pid\":$w1," "$tmp/cl2.json" && fail "--no-children: worker $w1 added anyway"
tmux_restart 120 30 "cd $tmp && TERM=xterm-256color $VITALS -p $cl; sleep 60"
tmux_wait_text 10 "$w2" || fail "cluster not on screen: $(tmux_screen)"
tmux_keys F5
tmux_wait_text 5 "└─ " || fail "no tree: $(tmux_screen | head -6)"
tmux_screen | grep -q "├─ " || fail "no first child: $(tmux_screen | head -6)"
kill -USR2 "$cl"
wait_for 20 sh -c "[ \$(node -e 'console.log(JSON.parse(require(\"fs\").readFileSync(process.argv[1])).workers.length)' $tmp/cl) = 3 ]" ||
	fail "the cluster did not fork a third worker"
w3=$(worker 2)
tmux_wait_text 10 "$w3" || fail "a worker forked later was not added: $(tmux_screen | head -7)"
tmux_keys Home -
tmux_wait_text 5 " +3 " || fail "the group did not fold: $(tmux_screen | head -6)"
if tmux_screen | grep -q " $w1 "; then fail "a folded worker is still shown"; fi
tmux_keys +
tmux_wait_text 5 "$w1" || fail "the group did not unfold: $(tmux_screen | head -6)"
tmux_keys q
kill "$cl"
pass "tree: a cluster under its primary (workers forked later too), folded and unfolded; JSON group"

# F9 sends the signal after y; someone else's process is a clear refusal.
# f9_term CMD: a fresh dashboard (CMD watching sleep $sl) sends SIGTERM to it.
f9_term() {
	tmux_restart 100 30 "$1; sleep 60"
	tmux_wait_text 10 "$sl" || fail "sleep $sl not on screen: $(tmux_screen)"
	tmux_keys F9 Enter
	tmux_wait_text 5 "send SIGTERM to PID $sl" || fail "no signal confirmation: $(tmux_screen | tail -2)"
	tmux_keys y
}
start_bg sleep 300; sl=$!
f9_term "cd $tmp && TERM=xterm-256color $VITALS -p $sl"
tmux_wait_text 5 "sent SIGTERM to PID $sl" || fail "signal not reported sent: $(tmux_screen | tail -2)"
wait_for 5 sh -c "! kill -0 $sl 2>/dev/null" || fail "sleep $sl did not get SIGTERM"
tmux_keys q
pass "F9 sends a signal"
if [ "$(id -u)" = 0 ] && setpriv --reuid=65534 --regid=65534 --clear-groups "$VITALS" --version >/dev/null 2>&1; then
	start_bg sleep 300; sl=$!
	f9_term "cd /tmp && TERM=xterm-256color VITALS_SOCK_DIR=/tmp/vitals-nobody-$$ setpriv --reuid=65534 --regid=65534 --clear-groups $VITALS --output-dir /tmp -p $sl 2>/dev/null"
	tmux_wait_text 5 "not permitted" || fail "no refusal for another user's process: $(tmux_screen | tail -2)"
	kill -0 "$sl" || fail "root's sleep got a signal from nobody"
	tmux_keys q
	kill "$sl"
	rm -rf "/tmp/vitals-nobody-$$"
	pass "F9 on another user's process: not permitted"
else
	echo "note: not root (or setpriv missing): the not-permitted case is not run"
fi
