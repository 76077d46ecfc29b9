#!/bin/sh
# CPU starvation is the machine's fault, not the app's: two node programs
# (tests/fixtures/starved_app.js) pinned to one CPU with four busy loops
# (CPU hogs) on it.  The healthy one (20 ms slices of CPU that yield) sees
# its timers late by more than the 100 ms stall threshold, yet its main
# thread spent most of that time runnable but waiting for the CPU
# (schedstat): no stall alert.  The blocked one (crunchLedger: 300 ms of CPU
# every 2 s) still raises one.  Samples carry sched_wait / sched_run.
# Default alert settings; vitals itself runs on another CPU.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need "$NODE"
need taskset
need timeout
[ "$(nproc)" -ge 2 ] || { echo "SKIP: needs 2 CPUs (vitals off the starved one)"; exit 77; }
[ -r /proc/self/task/$$/schedstat ] || { echo "SKIP: no /proc/PID/task/TID/schedstat (CONFIG_SCHED_INFO)"; exit 77; }
T=${STARVED_KEEP:-$VITALS_SOCK_DIR}
cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')	# the first CPU we may use
other=$(( cpu + 1 ))
taskset -c "$other" true 2>/dev/null || fail "cannot run on CPU $other"
printf '[alerts]\n' >"$T/a.conf"

for i in 1 2 3 4; do
	start_bg taskset -c "$cpu" timeout 45 sh -c 'while :; do :; done'
done
run() {	# run MODE: vitals on the other CPU, the program pinned with the hogs
	taskset -c "$other" "$VITALS" --json --duration 25 --config "$T/a.conf" -- \
		taskset -c "$cpu" "$NODE" "$FIXTURES/starved_app.js" "$1" >"$T/$1.jsonl" 2>"$T/$1.err" </dev/null &
	_pids="$_pids $!"
}
run slices
pid_h=$!
run block
pid_b=$!
wait "$pid_h" || fail "vitals (healthy) exited $?: $(cat "$T/slices.err")"
wait "$pid_b" || fail "vitals (blocked) exited $?: $(cat "$T/block.err")"
uptime

grep -o '"lag_p99":[0-9.]*,"lag_max":[0-9.]*\|"sched_wait":[0-9.]*,"sched_run":[0-9.]*' "$T/slices.jsonl" | paste -s -d ' ' | cut -c1-600
grep -q '"sched_wait":[1-9]' "$T/slices.jsonl" || fail "no sample says the healthy program waited for the CPU"
if grep '"rule":"stall"' "$T/slices.jsonl"; then
	fail "stall alert for a healthy program starved of CPU"
fi
pass "no stall alert for a healthy loop waiting for its CPU"
grep '"rule":"stall","severity":"[a-z]*","state":"firing"' "$T/block.jsonl" ||
	fail "no stall alert for the blocked loop: $(grep '"t":"alert"' "$T/block.jsonl")"
pass "the blocked loop still raises a stall"
