#!/bin/sh
# heap_explore.sh — `vitals heap explore` driven in tmux at 80x24 on a real
# snapshot (tests/fixtures/heap_leaky.js: 10,000 Leaky objects in an array of
# a LeakHolder on the global): open, search, expand, retainers, Esc back,
# jump to an id, sort, resize, quit; plus the errors without a terminal or
# with a bad file.  First the screen before the retained sizes are in (held
# back 4 s or more, by the load, with VITALS_TEST_RETAINED_DELAY_MS): counts
# and self sizes, "…" for retained, search works, Enter on the top row waits
# for them and then opens that class, wherever the new order puts it.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need tmux
T=$VITALS_SOCK_DIR
"$NODE" "$FIXTURES/heap_leaky.js" "$T" >/dev/null || fail "fixture did not write snapshots"
A=$T/after.heapsnapshot

# a line wider than the terminal would wrap and scroll: the title must stay
# on the first row and the keys on the last
fits() { tmux_screen | sed -n 1p | grep -q '^ DevTools view' && tmux_screen | sed -n 24p | grep -q '^↑↓ move'; }
gone() { ! tmux_screen | grep -qE -- "$1"; }
has() { tmux_screen | grep -qE -- "$1"; }

tmux_start 80 24 "VITALS_TEST_RETAINED_DELAY_MS=$(( 4000 * $(load_factor) )) $VITALS heap explore '$A'; echo EXITED \$?; sleep 60"
tmux_wait_text 20 "Constructor / object" || fail "explorer did not open: $(tmux_screen)"
has 'DevTools view — expand: containment — sort: self' || fail "title before retained: $(tmux_screen | head -1)"
has '^▸ Leaky +10000 +400000 +…$' || fail "no pending Leaky row: $(tmux_screen)"
tmux_screen | sed -n 24p | grep -q '^computing retained sizes… ' || fail "status: $(tmux_screen | sed -n 24p)"
tmux_keys / L e a k y Enter
wait_for 5 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -q '^▸ Leaky.*…\$'" || fail "search: $(tmux_screen)"
# Enter on the top row (by self size) waits, and opens that class once the
# rows are sorted by retained size, wherever it is then
tmux_keys Home
top=$(tmux_screen | sed -n '3s/^▸ \(.*[^ ]\)  *[0-9][0-9]*  *[0-9][0-9]*  *…$/\1/p')
[ -n "$top" ] || fail "no top row: $(tmux_screen | sed -n 3p)"
tmux_keys Enter
tmux_wait_text 5 "it opens when they are in" || fail "Enter did not wait: $(tmux_screen)"
tmux_screen | grep -qF "▾ $top" && fail "$top opened before the retained sizes: $(tmux_screen)"
wait_for 20 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -qF '▾ $top'" ||
	fail "$top did not open once they were in: $(tmux_screen)"
has 'sort: retained' || fail "not sorted by retained once in: $(tmux_screen | head -1)"
has '…' && fail "a retained size still pending: $(tmux_screen)"
tmux_keys q
tmux_wait_text 5 "EXITED 0" || fail "q did not quit: $(tmux_screen)"
tmux -L "$_tmux_sock" kill-session -t t
pass "first frame before the retained sizes; Enter waits for them"

tmux_start 80 24 "$VITALS heap explore '$A'; echo EXITED \$?; sleep 60"
tmux_wait_text 20 "sort: retained" || fail "explorer did not open: $(tmux_screen)"
has 'DevTools view — expand: containment — sort: retained' || fail "title: $(tmux_screen | head -1)"
has '^▸ Leaky +10000 +400000 +400000$' || fail "no Leaky row: $(tmux_screen)"
fits || fail "the screen does not fit 80x24: $(tmux_screen)"
pass "opens at 80x24 with DevTools' Summary rows"

# the search prompt edits as the dashboard's: cursor keys, Ctrl-A/E/U, UTF-8
tmux_keys / x L e a k y
tmux_wait_text 5 "search constructor: xLeaky" || fail "search prompt: $(tmux_screen | sed -n 24p)"
tmux_keys C-a DC
tmux_wait_text 5 "search constructor: Leaky" || fail "Ctrl-A, Delete: $(tmux_screen | sed -n 24p)"
tmux_keys -l "日本"
tmux_wait_text 5 "search constructor: 日本Leaky" || fail "UTF-8 at the cursor: $(tmux_screen | sed -n 24p)"
tmux_keys Left DC BSpace
wait_for 5 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | sed -n 24p | grep -q '^search constructor: Leaky *\$'" ||
	fail "Left, Delete, Backspace over wide characters: $(tmux_screen | sed -n 24p)"
tmux_keys C-e C-u
wait_for 5 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | sed -n 24p | grep -q '^search constructor: *\$'" ||
	fail "Ctrl-E, Ctrl-U: $(tmux_screen | sed -n 24p)"
tmux_keys Escape
tmux_wait_text 5 "↑↓ move" || fail "Esc did not leave the prompt: $(tmux_screen | sed -n 24p)"
pass "the search prompt's line editing (cursor keys, Ctrl-A/E/U, UTF-8)"

# search, expand: instances sorted by retained size
tmux_keys / L e a k y Enter
tmux_keys Enter
tmux_wait_text 5 "▾ Leaky" || fail "Leaky did not expand: $(tmux_screen)"
has '^  ▸ Leaky @[0-9]+ +40 +40$' || fail "no Leaky instance: $(tmux_screen)"
pass "search and expand"

# retainers of the first instance: the Array element, then its LeakHolder
tmux_keys Down r
tmux_wait_text 5 "expand: retainers" || fail "mode did not change"
has '^    ▸ \[[0-9]+\] in Array @[0-9]+ ' || fail "the Array is not a retainer: $(tmux_screen)"
tmux_keys Down Enter
tmux_wait_text 5 "items in LeakHolder @" || fail "LeakHolder does not hold the Array: $(tmux_screen)"
pass "retainers: Leaky <- [i] in Array <- items in LeakHolder"

# Esc goes back one level at a time
tmux_keys Escape
wait_for 10 gone 'items in LeakHolder' || fail "Esc did not close the Array's retainers"
tmux_keys Escape
wait_for 10 gone 'in Array @' || fail "second Esc did not close the instance"
has '^▾ Leaky' || fail "the class closed too"
pass "Esc back"

# jump to the LeakHolder by id; sort by count; a narrow terminal; quit
id=$(tmux_screen | sed -n 's/^  ▸ Leaky @\([0-9]*\).*/\1/p' | head -1)
[ -n "$id" ] || fail "no id on screen"
tmux_keys '#' $(echo "$id" | sed 's/./& /g') Enter
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | sed -n 3p | grep -qE '^▸ Leaky @$id '" ||
	fail "jump to @$id: $(tmux_screen | sed -n 3p)"
tmux_keys '#' 9 9 9 9 9 9 9 9 Enter
tmux_wait_text 5 "no object @99999999" || fail "a bad id is not reported"
tmux_keys s
tmux_wait_text 5 "sort: count" || fail "sort did not change"
has '^▸ \(string\) ' || fail "(string) is not first by count: $(tmux_screen | sed -n 3p)"
tmux resize-window -t t -x 40 -y 12 2>/dev/null || tmux -L "$_tmux_sock" resize-window -t t -x 40 -y 12
tmux_wait_text 10 "Retained" || fail "nothing drawn at 40x12: $(tmux_screen)"
tmux_keys q
tmux_wait_text 5 "EXITED 0" || fail "q did not quit with status 0: $(tmux_screen)"
pass "jump to an id, sort, resize, quit"

# two files: the diff, with the same navigation (the 10,000 Leaky made
# between the snapshots are new; `heap diff` agrees)
tmux -L "$_tmux_sock" kill-session -t t
tmux_start 80 24 "$VITALS heap explore '$T/before.heapsnapshot' '$A'; echo EXITED \$?; sleep 60"
tmux_wait_text 20 "Constructor / new object" || fail "diff explorer did not open: $(tmux_screen)"
has '^ diff, DevTools view — expand: containment — sort: size delta' || fail "diff title: $(tmux_screen | head -1)"
wait_for 10 has '^▸ Leaky +\+10000 +-0 +\+400000 +400000$' || fail "no Leaky growth row: $(tmux_screen)"
"$VITALS" heap diff --json "$T/before.heapsnapshot" "$A" | "$NODE" -e '
	const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
	const r = d.classes.find(c => c.name === "Leaky");
	process.exit(r && r.new === 10000 && r.deleted === 0 && r.size_delta === 400000 ? 0 : 1)' \
	|| fail "heap diff disagrees"
tmux_keys Enter
tmux_wait_text 5 "▾ Leaky" || fail "Leaky did not expand: $(tmux_screen)"
has '^  ▸ Leaky @[0-9]+ +\+40 +40$' || fail "no new Leaky: $(tmux_screen)"
tmux_keys Down r Down Enter
tmux_wait_text 5 "items in LeakHolder @" || fail "the new Leaky's holder: $(tmux_screen)"
tmux_keys q
tmux_wait_text 5 "EXITED 0" || fail "q did not quit the diff: $(tmux_screen)"
pass "two files: the diff explorer, new objects, their holder"

# without a terminal, and with a bad file: one line, no curses
"$VITALS" heap explore "$A" </dev/null >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "needs a terminal" "$T/err" || fail "without a terminal: $(cat "$T/err")"
tmux -L "$_tmux_sock" kill-session -t t
tmux_start 80 24 "$VITALS heap explore /nonexistent.heapsnapshot; echo EXITED \$?; sleep 60"
tmux_wait_text 10 "EXITED 1" || fail "a bad file: $(tmux_screen)"
has "vitals: heap: /nonexistent.heapsnapshot: cannot open" || fail "a bad file: $(tmux_screen)"
pass "errors: no terminal, bad file"
