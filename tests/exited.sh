#!/bin/sh
# exited.sh — exited processes leave the model ([history] exited_keep /
# exited_max) in the dashboard: a watched node process that exits shows as
# exited, then its row is gone after exited_keep (4 s here) while a live one
# stays; and in --json mode with exited_max = 0 (gone at once) the exit is
# still reported first.
. "$VITALS_SRCDIR/tests/lib.sh"
need tmux
work=$(mktemp -d /tmp/vitals-exited.XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT INT TERM
# argv[3]: a file that gets the moment of the exit (ms, the wall clock)
printf 'setTimeout(() => { if (process.argv[3]) require("fs").writeFileSync(process.argv[3], String(Date.now())); }, Number(process.argv[2]));\n' >"$work/short.js"
printf '[history]\nexited_keep = 4s\n' >"$work/keep.ini"

start_bg "$NODE" "$work/short.js" 600000
live=$!
start_bg "$NODE" "$work/short.js" 1500 "$work/exit_ms"
short=$!
tmux_start 120 30 "$VITALS --config $work/keep.ini -i 0.2 $live $short"
tmux_wait_text 10 "$short" || { tmux_screen; fail "the short-lived process is not in the table"; }
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep '$short' | grep -q exited" ||
	{ tmux_screen; fail "the process did not show as exited"; }
# How long the row stayed after the exit is at least the time from the exit
# (the process wrote it) to the last screen that still showed it (timed
# before each capture). A loaded machine delays captures (the first screen
# showing "exited" came ~1 s after the exit at load 10), so the keep is 4 s
# and the check asks for half of it.
[ -s "$work/exit_ms" ] || fail "the short-lived process did not record its exit"
exited=$(cat "$work/exit_ms")
# the screen wait_for just captured showed the row: it was there a moment ago
last=$(date +%s%N)
end=$(( $(date +%s) + 15 ))
while :; do
	now=$(date +%s%N)
	tmux_screen | grep -q " $short " || break
	last=$now
	[ "$(date +%s)" -lt "$end" ] || { tmux_screen; fail "the exited process is still in the table"; }
	sleep 0.1
done
ms=$(( last / 1000000 - exited ))
[ "$ms" -ge 2000 ] || fail "the exited row went $ms ms or less after the exit, before exited_keep (4 s)"
tmux_screen | grep -q " $live " || { tmux_screen; fail "the live process went too"; }
pass "an exited row stayed after the exit (seen $ms ms after it; exited_keep 4 s), the live one stays"

printf '[history]\nexited_max = 0\n' >"$work/none.ini"
start_bg "$NODE" "$work/short.js" 1000
short=$!
"$VITALS" --json --config "$work/none.ini" -i 0.2 --duration 3 "$short" >"$work/out.jsonl" ||
	fail "vitals --json failed"
grep -q '"t":"process".*"pid":'"$short"',"event":"exited"' "$work/out.jsonl" ||
	{ cat "$work/out.jsonl"; fail "no exited event when exited processes leave at once"; }
pass "--json with exited_max = 0: the exit is reported before the process leaves"
