#!/bin/sh
# --auto-snapshot: when a heap leak alert fires on a real leaking program,
# vitals takes exactly one heap snapshot by itself (rate-limited), 0600, whole.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT
cat >"$tmp/fast.conf" <<EOC
[alerts]
leak_window_s = 20
leak_subwindows = 5
leak_min_growth_mb = 4
EOC
LEAK_KB_PER_S=3000 XDG_STATE_HOME=$tmp/state "$VITALS" --json --auto-snapshot --duration 75 \
	--config "$tmp/fast.conf" --output-dir "$tmp" -- node "$VITALS_SRCDIR/tests/scenarios/leak_global_array.js" \
	>"$tmp/out" 2>"$tmp/err" || fail "vitals failed: $(cat "$tmp/err")"
grep '"t":"alert"' "$tmp/out" | grep -q '"rule":"heap_leak".*"state":"firing"' \
	|| fail "no heap leak alert: $(grep '"alert"' "$tmp/out")"
grep -q '"event":"capture"' "$tmp/out" || fail "no capture after the alert: $(grep -e capture -e alert "$tmp/out")"
n=$(ls "$tmp"/*.heapsnapshot 2>/dev/null | wc -l)
[ "$n" -eq 1 ] || fail "want exactly one snapshot, found $n"
snap=$(ls "$tmp"/*.heapsnapshot)
[ "$(stat -c %a "$snap")" = 600 ] || fail "snapshot mode $(stat -c %a "$snap")"
ls -a "$tmp" | grep -q '\.tmp$' && fail "temporary file left behind"
node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!s.snapshot.node_count) process.exit(1)' "$snap" \
	|| fail "snapshot does not parse"
# the alert came first, then the capture
a=$(grep -n '"rule":"heap_leak"' "$tmp/out" | head -1 | cut -d: -f1)
c=$(grep -n '"event":"capture"' "$tmp/out" | head -1 | cut -d: -f1)
[ "$a" -lt "$c" ] || fail "capture before the alert"
pass "one snapshot taken when the leak alert fired"
