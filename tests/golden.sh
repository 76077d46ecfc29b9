#!/bin/sh
# Golden screens: the real binary in tmux, watching a launched fixture
# (tests/fixtures/golden_app.js, probe loaded by launch mode — no inspector
# port), captured at 80x24, 100x30 and 200x50 in the overview and the detail view,
# plus the "too small" screen.  Volatile parts are masked before comparing
# with tests/golden/*.txt: numbers (PIDs, sizes, times, the clock) become '#',
# the fixture's process state letter (R or S, as it happens) becomes '?',
# sparkline / bar / GC-lane glyph runs are dropped (also a long GC pause's
# marker and count: a loaded machine stretches pauses), runs of spaces become one
# and the temporary directory becomes TMP.  What is left is the layout: which
# lines exist, in what order, with which labels, units and messages.
#
# GENERATE=1 tests/golden.sh refreshes the golden files (in the source tree);
# look at them (git diff) before committing.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
need tmux
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT
golden=$VITALS_SRCDIR/tests/golden
export LC_ALL=C.UTF-8

# Run the fixture from the temp dir by a relative name: the command line
# shown in the detail view is then the same on every machine.
cp "$FIXTURES/golden_app.js" "$tmp/golden_app.js"
tmux_start 80 24 "cd $tmp && TERM=xterm-256color $VITALS --theme default --log-file $tmp/app.log -- node golden_app.js; sleep 60"

mask() {
	sed -E \
		-e "s#$tmp#TMP#g" \
		-e 's/(golden_app\.js +)[RSDT] /\1? /' \
		-e 's/[▁▂▃▄▅▆▇█░▒·●◆○─]+//g' \
		-e 's/▲+( |$)/\1/g' \
		-e 's/[0-9]+([.:][0-9]+)*(ms|[BKMGTPsmhd%])?/#/g' \
		-e 's/#+/#/g' \
		-e 's/ +/ /g' \
		-e 's/ # long$//' \
		-e 's/ $//'
}

# Capture until two captures a second apart mask the same (samples keep
# arriving; the layout must have settled), at most $1 seconds.
settled() {
	_end=$(( $(date +%s) + $1 ))
	_prev=$(tmux_screen | mask)
	while :; do
		sleep 1
		_cur=$(tmux_screen | mask)
		[ "$_cur" = "$_prev" ] && { printf '%s\n' "$_cur"; return 0; }
		[ "$(date +%s)" -ge "$_end" ] && { printf '%s\n' "$_cur"; return 1; }
		_prev=$_cur
	done
}

failed=0
check() {	# check NAME — compare the settled screen with tests/golden/NAME.txt
	out=$tmp/$1.txt
	settled 15 >"$out" || echo "note: $1 still changing after 15 s"
	[ -s "$out" ] || fail "$1: nothing captured (mask broken?)"
	if [ "${GENERATE:-}" = 1 ]; then
		mkdir -p "$golden"
		cp "$out" "$golden/$1.txt"
		echo "--- $1, unmasked (look at it):"
		tmux_screen
		pass "$1 (generated)"
	elif diff -u "$golden/$1.txt" "$out"; then
		pass "$1"
	else
		echo "FAIL: $1 differs from tests/golden/$1.txt (GENERATE=1 to refresh); raw screen:" >&2
		tmux_screen >&2
		failed=1
	fi
}

tmux_wait_text 20 "1 attached" || fail "the launched fixture never showed as attached: $(tmux_screen)"
# the probe's first samples, a GC or two, and the log lines
tmux_wait_text 10 "0 firing" || fail "no header: $(tmux_screen)"
sleep 3

# The masks drop glyph runs; make sure there were some to drop.
wait_for 15 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -q '[▁▂▃▄▅▆▇█]'" ||
	fail "no sparkline on the overview: $(tmux_screen)"
check overview-80x24
tmux_keys Enter
tmux_wait_text 5 "Heap spaces" || fail "detail view: $(tmux_screen)"
tmux_screen | grep -q "golden app: a warning on stderr" || fail "log pane: $(tmux_screen)"
check detail-80x24

tmux -L "$_tmux_sock" resize-window -t t -x 100 -y 30
tmux_wait_text 5 "watched" || fail "no redraw at 100x30: $(tmux_screen)"
check detail-100x30

tmux -L "$_tmux_sock" resize-window -t t -x 200 -y 50
tmux_wait_text 5 "PgUp/Dn" || fail "no redraw at 200x50: $(tmux_screen)"
check detail-200x50
tmux_keys Escape
tmux_wait_text 5 "CPU history" || fail "overview at 200x50: $(tmux_screen)"
check overview-200x50
tmux -L "$_tmux_sock" resize-window -t t -x 100 -y 30
tmux_wait_text 5 "1 process " || fail "overview at 100x30: $(tmux_screen)"
check overview-100x30

tmux -L "$_tmux_sock" resize-window -t t -x 50 -y 12
tmux_wait_text 5 "too small" || fail "small terminal: $(tmux_screen)"
check small-50x12

tmux -L "$_tmux_sock" resize-window -t t -x 80 -y 24
tmux_keys q
[ "$failed" = 0 ] || exit 1
