#!/bin/sh
# on_alert.sh — `--on-alert CMD` against real alerts (process warnings from a
# node app with the probe):
#  1. the alert reaches the command only in VITALS_* variables: a message
#     full of $(...), backquotes and quotes is data, never run;
#  2. an action that sleeps 60 s blocks nothing: samples keep coming every
#     interval, five alerts of one rule meanwhile give one running action and
#     one waiting (the newest), each stopped at the timeout (2 s) with its
#     process group, and the log says so;
#  3. an action that prints 10 MB leaves vitals' memory as it was (peak RSS
#     grows < 2 MB) and only its first lines in the alert log.
. "$VITALS_SRCDIR/tests/lib.sh"
PROBE="$VITALS_SRCDIR/probe/vitals-probe.js"
work=$(mktemp -d /tmp/vitals-onalert.XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT INT TERM	# vitals stops its actions when it quits

# app.js WHEN_MS COUNT MESSAGE: COUNT warnings 100 ms apart from WHEN_MS
# after vitals connected to its probe.  (The probe sends a warning only to
# the dashboards connected when it comes: counted from the app's start, a
# loaded machine where node and vitals start slowly missed it, and with it
# the alert the test waits for.)
cat >"$work/app.js" <<'EOF'
const [when, n, msg] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const probe = globalThis[Symbol.for('vitals.probe')];
const connected = setInterval(() => {
	if (!probe || probe.conns.size === 0) return;
	clearInterval(connected);
	setTimeout(() => {
		for (let i = 0; i < n; i++)
			setTimeout(() => process.emitWarning(`${msg} #${i}`, 'TestWarning'), i * 100);
	}, when);
}, 50);
setInterval(() => {}, 1000);
EOF
cat >"$work/config" <<EOF
[log]
alert_log = $work/alerts.log
[actions]
timeout = 2s
EOF

# run_app WHEN COUNT MESSAGE — start the app with the probe; its pid in $app
run_app() {
	start_bg "$NODE" -r "$PROBE" "$work/app.js" "$@"
	app=$!
	wait_for 30 test -S "$VITALS_SOCK_DIR/$app.sock" || fail "probe socket did not appear in 30 s"
}

# --- 1. environment only ----------------------------------------------------
evil='boom $(touch '"$work"'/PWNED) `touch '"$work"'/PWNED2` "dq" '"'sq'"' ; echo x'
run_app 1500 1 "$evil"
# the command is the user's own text; the alert is only in the environment
start_bg "$VITALS" --no-tui --config "$work/config" -i 0.2 \
	--on-alert 'printf "%s\n" "$VITALS_RULE" "$VITALS_STATE" "$VITALS_SEVERITY" "$VITALS_PID" "$VITALS_NAME" "$VITALS_TIME" "$VITALS_MESSAGE" >"'"$work"'/env.tmp" && mv "'"$work"'/env.tmp" "'"$work"'/env.out"' \
	"$app" 2>"$work/v1.err"
v1=$!
wait_for 15 test -s "$work/env.out" || { cat "$work/v1.err" "$work/alerts.log"; fail "the action did not run"; }
[ "$(sed -n 1p "$work/env.out")" = warning ] || fail "VITALS_RULE: $(sed -n 1p "$work/env.out")"
[ "$(sed -n 2p "$work/env.out")" = firing ] || fail "VITALS_STATE: $(sed -n 2p "$work/env.out")"
[ "$(sed -n 3p "$work/env.out")" = info ] || fail "VITALS_SEVERITY: $(sed -n 3p "$work/env.out")"
[ "$(sed -n 4p "$work/env.out")" = "$app" ] || fail "VITALS_PID: $(sed -n 4p "$work/env.out")"
[ "$(sed -n 5p "$work/env.out")" = app.js ] || fail "VITALS_NAME: $(sed -n 5p "$work/env.out")"
now=$(date +%s)
t=$(sed -n 6p "$work/env.out")
[ "$t" -le "$now" ] && [ "$t" -gt $((now - 60)) ] || fail "VITALS_TIME: $t"
[ "$(sed -n 7p "$work/env.out")" = "TestWarning: $evil #0" ] || fail "VITALS_MESSAGE: $(sed -n 7p "$work/env.out")"
sleep 0.5
[ ! -e "$work/PWNED" ] && [ ! -e "$work/PWNED2" ] || fail "the alert message was run as code"
wait_for 5 grep -q 'rule=on_alert .*warning: action exit status 0' "$work/alerts.log" ||
	{ cat "$work/alerts.log"; fail "no exit status of the action in the alert log"; }
kill "$v1" "$app"
pass "the alert arrives in VITALS_* only; \$(...) in the message stays text"

# --- 2. sleep 60: nothing blocks, one at a time per rule, timeout ----------
: >"$work/alerts.log"
run_app 1000 5 "slow"
start_bg "$VITALS" --json --config "$work/config" -i 0.2  \
	--on-alert 'echo "$VITALS_MESSAGE" >>"'"$work"'/ran"; sleep 61.25; echo not reached' "$app" >"$work/v2.jsonl" 2>"$work/v2.err"
v2=$!
wait_for 10 pgrep -f "^sleep 61.25$" || fail "the sleeping action did not start"
sleep 1
[ "$(pgrep -fc "^sleep 61.25$")" = 1 ] || fail "$(pgrep -fc "^sleep 61.25$") actions of one rule at once"
# samples every 0.2 s go on while the action sleeps
a=$(grep -c '"t":"sample"' "$work/v2.jsonl")
sleep 1
b=$(grep -c '"t":"sample"' "$work/v2.jsonl")
[ $((b - a)) -ge 3 ] || fail "only $((b - a)) samples in 1 s while an action ran: the loop is blocked"
# five alerts: the first runs, the newest waits and runs next, three are dropped
wait_for 10 sh -c "[ \$(grep -c 'action timed out after 2 s' '$work/alerts.log') -ge 2 ]" ||
	{ cat "$work/alerts.log"; fail "the actions were not stopped at the timeout"; }
sleep 2.5
[ "$(grep -c 'action timed out' "$work/alerts.log")" = 2 ] || { cat "$work/alerts.log"; fail "not one running + one waiting"; }
printf 'TestWarning: slow #0\nTestWarning: slow #4\n' | cmp -s - "$work/ran" ||
	{ cat "$work/ran"; fail "not the first and the newest alert ran"; }
! pgrep -f "^sleep 61.25$" >/dev/null || fail "a timed-out action is still running"
kill "$v2" "$app"
pass "sleeping actions: samples went on, one at a time per rule (#0, then the newest #4), stopped after 2 s"

# --- 3. 10 MB of output ------------------------------------------------------
: >"$work/alerts.log"
run_app 2500 1 "loud"
start_bg "$VITALS" --no-tui --config "$work/config" -i 0.2 \
	--on-alert 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 10000000' "$app" 2>"$work/v3.err"
v3=$!
sleep 1.5
before=$(awk '/^VmHWM:/ { print $2 }' "/proc/$v3/status")
wait_for 15 grep -q 'action exit status 0 (.* bytes of output not kept)' "$work/alerts.log" ||
	{ cat "$work/alerts.log"; fail "the 10 MB action did not end with its output counted"; }
after=$(awk '/^VmHWM:/ { print $2 }' "/proc/$v3/status")
kept=$(grep -c 'rule=on_alert .*warning: 0123456789' "$work/alerts.log")
[ "$kept" -le 5 ] || fail "$kept output lines in the alert log"
[ $((after - before)) -lt 2048 ] || fail "peak RSS grew by $((after - before)) kB for 10 MB of action output"
kill "$v3" "$app"
pass "10 MB of output: $kept lines kept, peak RSS ${before} -> ${after} kB"
