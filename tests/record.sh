#!/bin/sh
# record.sh — vitals record and vitals replay end to end, with real node
# programs (the demo apps in launch mode) and the dashboard in tmux:
#  1. record 20 s: a 0600 file that zcat reads, every demo process in it
#     with probe samples and GC events, the stall alert;
#  2. replay: the same process names and each recorded alert line at its
#     recorded time; space pauses the replay clock, ] plays faster, the end
#     is said; G jumps to a time (back before an alert, forward past it);
#  3. a recording cut short replays up to the damage with one message; a
#     file that is not a recording is refused with one line, exit 2;
#  4. -o - streams a block per tick (what --remote reads).
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need tmux
need zcat
T=$VITALS_SOCK_DIR
rec=$T/rec.vrec

# --- 1. record -------------------------------------------------------------
"$VITALS" record -o "$rec" --demo --duration 20 2>"$T/rec.err" || fail "record: exit $?: $(cat "$T/rec.err")"
[ "$(stat -c %a "$rec")" = 600 ] || fail "recording mode $(stat -c %a "$rec")"
zcat "$rec" >"$T/lines" || fail "zcat cannot read the recording"
head -1 "$T/lines" | grep -q '^{"t":"record","v":1,' || fail "no header: $(head -1 "$T/lines")"
for app in healthy leaky stall; do
	grep -q "\"event\":\"found\".*demo/$app.js" "$T/lines" || fail "$app.js not recorded"
done
grep -q '"t":"sample".*"heap_used":' "$T/lines" || fail "no probe samples recorded"
grep -q '"t":"gc"' "$T/lines" || fail "no GC events recorded"
grep '"t":"alert"' "$T/lines" >"$T/alerts"
grep -q '"rule":"stall".*"state":"firing"' "$T/alerts" || fail "no stall alert in 20 s: $(cat "$T/alerts")"
pass "record: $(stat -c %s "$rec") bytes for 20 s of 3 processes, $(wc -l <"$T/alerts") alert lines"

# --- 2. replay ---------------------------------------------------------------
tmux_start 140 45 "TERM=xterm-256color $VITALS replay '$rec'; echo EXIT=\$?; sleep 60"
tmux_wait_text 10 "stall.js" || fail "replay shows no processes: $(tmux_screen)"
for app in healthy.js leaky.js stall.js; do
	tmux_screen | grep -q "$app" || fail "$app not in the replay: $(tmux_screen)"
done
tmux_screen | grep -m1 "stall.js" | grep -Eq "stall\.js +[RSDTZ] " ||
	fail "no process state in the replay: $(tmux_screen | grep -m1 stall.js)"
# space stops the replay clock (the header's time stands still)
tmux_keys Space
tmux_wait_text 5 "PAUSED" || fail "space did not pause: $(tmux_screen | head -1)"
t1=$(tmux_screen | head -1 | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9] *$')
sleep 1.5
t2=$(tmux_screen | head -1 | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9] *$')
[ -n "$t1" ] && [ "$t1" = "$t2" ] || fail "paused replay moved: '$t1' -> '$t2'"
tmux_keys Space ] ] ]
tmux_wait_text 5 "replay at 8x" || fail "] did not speed up: $(tmux_screen | tail -3)"
tmux_wait_text 15 "end of the recording" || fail "the end was not said: $(tmux_screen | tail -3)"
# every firing alert as the live dashboard listed it: local time, pid, rule
sed -n 's/.*"ts":\([0-9]*\)[0-9][0-9][0-9],"pid":\([0-9]*\),"rule":"\([a-z_]*\)".*"state":"firing".*/\1 \2 \3/p' \
	"$T/alerts" >"$T/firing"
[ -s "$T/firing" ] || fail "could not read the recorded alerts"
while read -r s pid rule; do
	hms=$(date -d "@$s" +%H:%M:%S)
	tmux_screen | grep -Eq "$hms +[A-Z]+ +$pid +$rule" ||
		fail "alert $rule of $pid at $hms not replayed: $(tmux_screen | grep -A5 Alerts)"
done <"$T/firing"
pass "replay: names, $(wc -l <"$T/firing") alert(s) at their times, pause, faster, end"

# --- 2b. jump to a time (G) ----------------------------------------------------
# back to 2 s before the first firing alert: the clock shows that second and
# the alert is not (yet) in the pane; 3 s on it is; before the start is the
# start; a time that is not one is one line
read -r s pid rule <"$T/firing"
start=$(head -1 "$T/lines" | sed -n 's/.*"ts":\([0-9]*\)[0-9][0-9][0-9],.*/\1/p')
[ $((s - start)) -ge 3 ] || fail "the first alert came $((s - start)) s after the start: too early to jump before it"
alert_re() { echo "$(date -d "@$s" +%H:%M:%S) +[A-Z]+ +$pid +$rule"; }
clock() { tmux_screen | head -1 | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9] *$' | tr -d ' '; }
jump() {
	tmux_keys G
	tmux_wait_text 5 "jump to (" || fail "G asked nothing: $(tmux_screen | tail -2)"
	tmux_keys -l -- "$1"
	tmux_keys Enter
}
tmux_keys Space
tmux_wait_text 5 "PAUSED" || fail "space did not pause at the end: $(tmux_screen | head -1)"
back=$(date -d "@$((s - 2))" +%H:%M:%S)
jump "$back"
tmux_wait_text 10 "at $(date -d "@$((s - 2))" '+%Y-%m-%d %H:%M:%S')" || fail "no jump to $back: $(tmux_screen | tail -2)"
[ "$(clock)" = "$back" ] || fail "jumped to $back, the clock shows $(clock)"
! tmux_screen | grep -Eq "$(alert_re)" || fail "after the jump to $back the alert of $(date -d "@$s" +%T) shows: $(tmux_screen | grep -A5 Alerts)"
tmux_screen | grep -q "stall.js" || fail "no processes after the jump back: $(tmux_screen)"
jump +3s
want=$(date -d "@$((s + 1))" +%H:%M:%S)
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | head -1 | grep -q '$want *\$'" ||
	fail "+3s: the clock shows $(clock), not $want"
tmux_screen | grep -Eq "$(alert_re)" || fail "+3s to $want: the alert of $(date -d "@$s" +%T) is missing: $(tmux_screen | grep -A5 Alerts)"
jump -1h
want=$(date -d "@$start" +%H:%M:%S)
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | head -1 | grep -q '$want *\$'" ||
	fail "-1h: the clock shows $(clock), not the start $want"
! tmux_screen | grep -Eq "$(alert_re)" || fail "at the start the alert of $(date -d "@$s" +%T) shows"
jump "25:99"
tmux_wait_text 5 "give a time as 14:05" || fail "a bad time: $(tmux_screen | tail -2)"
[ "$(clock)" = "$want" ] || fail "a bad time moved the clock to $(clock)"
pass "jump: back to $back before the alert, +3s past it, -1h to the start, a bad time refused"
tmux_keys q
tmux_wait_text 5 "EXIT=0" || fail "q did not quit cleanly: $(tmux_screen | tail -2)"
tmux -L "$_tmux_sock" kill-server

# --- 3. damage ---------------------------------------------------------------
head -c $(( $(stat -c %s "$rec") * 2 / 3 )) "$rec" >"$T/cut.vrec"
tmux_start 140 45 "TERM=xterm-256color $VITALS replay --speed 64 '$T/cut.vrec'; echo EXIT=\$?; sleep 60"
tmux_wait_text 15 "damaged at byte" || fail "no damage message: $(tmux_screen | tail -3)"
tmux_screen | grep -q "cut.vrec: damaged at byte [0-9]* (cut short in a block); replayed up to" ||
	fail "damage message: $(tmux_screen | tail -3)"
tmux_screen | grep -q "stall.js" || fail "nothing before the damage replayed"
tmux_keys q
tmux_wait_text 5 "EXIT=0" || fail "q after damage: $(tmux_screen | tail -2)"
pass "a cut recording replays up to the damage"
tmux -L "$_tmux_sock" kill-server
printf 'not a recording\n' >"$T/junk"
"$VITALS" replay "$T/junk" 2>"$T/junk.err"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$T/junk.err")" -eq 1 ] && grep -q "not a vitals recording" "$T/junk.err" ||
	fail "junk file: exit $rc: $(cat "$T/junk.err")"
pass "$(cat "$T/junk.err")"

# --- 4. the stream -----------------------------------------------------------
timeout 20 "$VITALS" record -o - -i 0.5 --duration 3 -- "$NODE" -e 'setInterval(() => {}, 100)' \
	2>"$T/stream.err" >"$T/stream.gz" || fail "record -o -: $(cat "$T/stream.err")"
n=$(zcat "$T/stream.gz" | grep -c '"t":"sample"')
members=$(grep -c "$(printf '\037\213')" "$T/stream.gz" || true)
[ "$n" -ge 4 ] && [ "$members" -ge 4 ] || fail "stream: $n samples in $members blocks"
pass "record -o -: $n samples in $members blocks"
