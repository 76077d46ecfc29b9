#!/bin/sh
# record_rotate.sh — a recorder with a tiny --max-size (2 KB) rotates: each
# file (FILE.YYYYmmdd-HHMMSS and the new FILE) is 0600, whole gzip blocks
# only, starts with the header and the processes it holds, and replays on
# its own (the alerts firing when it began said again); `vitals replay
# FILE*` plays the set in recorded order (named in any order): every alert
# once at its time, a jump back into the oldest file.
# Rotation at a change of day is tests/test_recfile's (it needs a clock).
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need tmux
need zcat
need gzip
T=$VITALS_SOCK_DIR
mkdir -p "$T/rot"
rec=$T/rot/r.vrec

"$VITALS" record -o "$rec" --max-size 0.002 --demo --duration 21 2>"$T/rec.err" || fail "record: exit $?: $(cat "$T/rec.err")"
set -- "$T"/rot/r.vrec.*
[ -e "$1" ] && [ $# -ge 2 ] || fail "no rotation at 2 KB: $(ls -l "$T/rot")"
nrot=$#
for f in "$@" "$rec"; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f: mode $(stat -c %a "$f")"
	gzip -t "$f" 2>"$T/gz.err" || fail "$f is not whole gzip blocks: $(cat "$T/gz.err")"
	zcat "$f" >"$T/lines1"
	head -1 "$T/lines1" | grep -q '^{"t":"record","v":1,' || fail "$f does not start with the header: $(head -1 "$T/lines1")"
	for app in healthy leaky stall; do
		grep -q "\"event\":\"found\".*demo/$app.js" "$T/lines1" || fail "$f: no found line for $app.js"
	done
done
# each new file says again which alerts were firing when it began (as they were raised)
"$NODE" -e '
	const zlib = require("zlib"), fs = require("fs");
	const files = process.argv.slice(1).map(f => ({ f, lines: zlib.gunzipSync(fs.readFileSync(f)).toString().trim().split("\n").map(l => JSON.parse(l)) }));
	files.sort((a, b) => a.lines[0].ts - b.lines[0].ts);
	const latest = new Map();
	let restated = 0;
	for (const [k, { f, lines }] of files.entries()) {
		if (k > 0)
			for (const a of latest.values())
				if (a.state === "firing") {
					if (!lines.some(l => l.t === "alert" && l.ts === a.ts && l.pid === a.pid && l.rule === a.rule && l.state === "firing")) {
						console.error(f + " does not say that " + a.rule + " of " + a.pid + " fires");
						process.exit(1);
					}
					restated++;
				}
		for (const l of lines)
			if (l.t === "alert" && l.ts <= lines[lines.length - 1].ts) latest.set(l.pid + " " + l.rule, l);
	}
	console.log(restated);' "$@" "$rec" >"$T/restated" || fail "$(cat "$T/restated")"
pass "$nrot rotated files and the new one: 0600, whole blocks, each with its header and processes, $(cat "$T/restated") firing alert(s) said again"

# the newest alone replays
tmux_start 140 45 "TERM=xterm-256color $VITALS replay --speed 64 '$rec'; echo EXIT=\$?; sleep 60"
tmux_wait_text 15 "end of the recording" || fail "the newest file alone: $(tmux_screen | tail -3)"
tmux_screen | grep -q "stall.js" || fail "the newest file alone shows no processes: $(tmux_screen | head -5)"
! tmux_screen | grep -q damaged || fail "the newest file: $(tmux_screen | tail -2)"
tmux_keys q
tmux_wait_text 5 "EXIT=0" || fail "q: $(tmux_screen | tail -2)"
tmux -L "$_tmux_sock" kill-server
pass "the newest file replays on its own"

# the set, named newest first: played in recorded order
cat "$@" "$rec" | zcat >"$T/lines"
sed -n 's/.*"ts":\([0-9]*\)[0-9][0-9][0-9],"pid":\([0-9]*\),"rule":"\([a-z_]*\)".*"state":"firing".*/\1 \2 \3/p' \
	"$T/lines" | sort -u >"$T/firing"
[ -s "$T/firing" ] || fail "no firing alert in 21 s of the demo"
last=$(sed -n 's/.*"ts":\([0-9]*\)[0-9][0-9][0-9],.*/\1/p' "$T/lines" | sort -n | tail -1)
# the first second with a process in it (on a loaded machine the recorder's
# first tick can come more than a second after its header)
first=$(grep -m1 'stall\.js' "$T/lines" | sed -n 's/.*"ts":\([0-9]*\)[0-9][0-9][0-9],.*/\1/p')
files=$(ls -r "$T"/rot/r.vrec* | tr '\n' ' ')
tmux_start 140 45 "TERM=xterm-256color $VITALS replay --speed 64 $files; echo EXIT=\$?; sleep 60"
tmux_wait_text 15 "end of the recording" || fail "the set: $(tmux_screen | tail -3)"
! tmux_screen | grep -q damaged || fail "the set: $(tmux_screen | tail -2)"
while read -r s pid rule; do
	hms=$(date -d "@$s" +%H:%M:%S)
	[ "$(tmux_screen | grep -Ec "$hms +[A-Z]+ +$pid +$rule")" = 1 ] ||
		fail "alert $rule of $pid at $hms not once in the replay of the set: $(tmux_screen | grep -A5 Alerts)"
done <"$T/firing"
end=$(tmux_screen | grep -o 'end of the recording at [0-9-]* [0-9:]*' | grep -o '[0-9:]*$')
[ "$(date -d "$end" +%s)" -ge "$last" ] || fail "the set ended at $end, before its last line ($(date -d "@$last" +%T))"
tmux_keys Space G
tmux_wait_text 5 "jump to (" || fail "G: $(tmux_screen | tail -2)"
want=$(date -d "@$((first + 1))" +%H:%M:%S)
tmux_keys -l -- "$want"
tmux_keys Enter
tmux_wait_text 10 "at $(date -d "@$((first + 1))" '+%Y-%m-%d %H:%M:%S')" || fail "jump into the oldest file: $(tmux_screen | tail -2)"
tmux_screen | head -1 | grep -q "$want *\$" || fail "jumped to $want: $(tmux_screen | head -1)"
tmux_screen | grep -q "stall.js" || fail "no processes at $want: $(tmux_screen | head -5)"
tmux_keys q
tmux_wait_text 5 "EXIT=0" || fail "q: $(tmux_screen | tail -2)"
pass "replay of $((nrot + 1)) files named newest first: $(wc -l <"$T/firing") alert(s) at their times, ends at $end, G back into the oldest"
