#!/bin/sh
# --auto-snapshot: when a heap leak alert fires on a real leaking program
# (tests/fixtures/hunt_leak.js: LeakedOrder objects pushed into the orders
# array of an OrderArchive), vitals hunts the leak by itself: exactly three
# heap snapshots (0600, whole), then a report next to them (0600, no
# temporary file left) that names the leaking class and what holds it, and
# a leak_report line with its path in --json and in the alert log.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT
cat >"$tmp/fast.conf" <<EOC
[alerts]
leak_window_s = 20
leak_subwindows = 5
leak_min_growth_mb = 4
[log]
alert_log = $tmp/alerts.log
[actions]
auto_snapshot_spacing = 3s
EOC
LEAK_KB_PER_S=3000 XDG_STATE_HOME=$tmp/state start_bg "$VITALS" --json --auto-snapshot --duration 58 \
	--config "$tmp/fast.conf" --output-dir "$tmp" -- node "$FIXTURES/hunt_leak.js" >"$tmp/out" 2>"$tmp/err"
vitals=$!
wait_for 57 sh -c "ls $tmp/*.leak-report.txt" || fail "no leak report: $(grep -e alert -e capture -e leak_ "$tmp/out" | cut -c1-300) $(cat "$tmp/err")"
wait_for 5 grep -q '"event":"leak_report"' "$tmp/out" || fail "no leak_report line"
kill "$vitals"
wait "$vitals"
grep '"t":"alert"' "$tmp/out" | grep -q '"rule":"heap_leak".*"state":"firing"' \
	|| fail "no heap leak alert: $(grep '"alert"' "$tmp/out")"
n=$(ls "$tmp"/*.heapsnapshot 2>/dev/null | wc -l)
[ "$n" -eq 3 ] || fail "want exactly three snapshots, found $n"
for snap in "$tmp"/*.heapsnapshot "$tmp"/*.leak-report.txt; do
	[ "$(stat -c %a "$snap")" = 600 ] || fail "$snap: mode $(stat -c %a "$snap")"
done
ls -a "$tmp" | grep -qE '\.tmp$|\.txt\.' && fail "temporary file left behind: $(ls -a "$tmp")"
for snap in "$tmp"/*.heapsnapshot; do
	node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!s.snapshot.node_count) process.exit(1)' "$snap" \
		|| fail "snapshot $snap does not parse"
done
# the alert came first, then the captures, then the report
a=$(grep -n '"rule":"heap_leak"' "$tmp/out" | head -1 | cut -d: -f1)
c=$(grep -n '"event":"capture"' "$tmp/out" | head -1 | cut -d: -f1)
r=$(grep -n '"event":"leak_report"' "$tmp/out" | head -1 | cut -d: -f1)
[ "$a" -lt "$c" ] && [ "$c" -lt "$r" ] || fail "order: alert line $a, capture $c, report $r"
pass "a leak alert took three snapshots, then a report"

report=$(ls "$tmp"/*.leak-report.txt)
grep -q "$report" "$tmp/out" || fail "the leak_report line does not name $report"
grep "leak report $report: [^ ]* +[0-9]* (+[0-9]* B): " "$tmp/alerts.log" | grep "archive (OrderArchive) › orders (Array) › \[n\]" | grep -q LeakedOrder \
	|| fail "alert log: $(grep leak "$tmp/alerts.log")"
# the top leak cluster is LeakedOrder, on the path through the OrderArchive
sed -n '/^Leak clusters\|^ *[0-9]* clusters\|cluster/,$p' "$report" | grep -m1 -E 'LeakedOrder' >/dev/null || fail "report: no LeakedOrder cluster: $(head -30 "$report")"
grep -qE 'archive \(OrderArchive @[0-9]+\) › orders \(Array @[0-9]+\) › \[[0-9]+\] \(LeakedOrder @[0-9]+\)' "$report" \
	|| fail "report: no path through archive.orders: $(head -40 "$report")"
pass "the report names LeakedOrder and its holder, archive.orders: $(grep -m1 'leak report' "$tmp/alerts.log" | cut -c1-160)"
