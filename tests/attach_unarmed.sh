#!/bin/sh
# SIGUSR1 ends a process that does not catch it, and Node catches it only a
# few hundred ms into its start (later on a loaded machine): an attach must
# never send it before.  A stand-in that never arms it (sleep, named node)
# must survive `--attach` with a one-line refusal after the wait; a real node
# attached the moment it starts must survive and be attached.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
lock_inspector
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT

cp "$(command -v sleep)" "$tmp/node"
start_bg "$tmp/node" 60
fake=$!
wait_for 5 test -e "/proc/$fake/status" || fail "the stand-in did not start"
"$VITALS" --json --attach --duration 7 "$fake" >"$tmp/fake.json" 2>&1
kill -0 "$fake" 2>/dev/null || fail "the process without a SIGUSR1 handler was killed by the attach"
grep '"event":"attach_failed"' "$tmp/fake.json" | grep -q "does not catch SIGUSR1" ||
	fail "no refusal naming SIGUSR1: $(grep -v '"t":"sample"' "$tmp/fake.json" | head -3)"
pass "a process that does not catch SIGUSR1 is not signalled: $(grep -o 'PID [0-9]* does not catch SIGUSR1' "$tmp/fake.json" | head -1)"

start_bg node -e 'setInterval(() => {}, 1000)'
app=$!
"$VITALS" --json --attach --interval 0.5 --duration 6 "$app" >"$tmp/app.json" 2>&1
kill -0 "$app" 2>/dev/null || fail "node attached at its start was killed"
grep '"t":"sample"' "$tmp/app.json" | grep "\"pid\":$app," | grep -q '"probe":"attached"' ||
	fail "node attached at its start was not attached: $(grep -v '"t":"sample"' "$tmp/app.json" | head -3)"
pass "node attached the moment it started: alive and attached"
