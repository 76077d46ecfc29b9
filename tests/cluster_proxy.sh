#!/bin/sh
# Attaching a node:cluster primary must not leave a worker's inspector open.
# Node's primary answers an inspector opened at run time by sending SIGUSR1 to
# each worker; a worker busy in native code (tests/fixtures/
# cluster_slow_worker.js) opens port 9229 only after the primary's inspector
# is closed again.  vitals watches the children of what it signals and closes
# such an inspector: with --no-children (the worker not attached) and without
# (vitals attaches the worker too: through the inspector its primary opened,
# or its own SIGUSR1, which this worker answers late).
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
lock_inspector
tmp=$(mktemp -d); trap 'cleanup; rm -rf "$tmp"' EXIT

# listening PID — who listens on 127.0.0.1:9229 (empty when nobody)
listening() { ss -ltnpH 2>/dev/null | grep ':9229 ' | grep -o 'pid=[0-9]*' | head -1; }

for mode in no-children children; do
	rm -f "$tmp/report"
	REPORT_FILE=$tmp/report start_bg node "$FIXTURES/cluster_slow_worker.js"
	app=$!
	wait_for 20 test -s "$tmp/report" || fail "the cluster app did not start"
	worker=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).worker)' "$tmp/report")
	[ -z "$(listening)" ] || fail "9229 is in use before the test: $(listening)"
	opt=; [ "$mode" = no-children ] && opt=--no-children
	"$VITALS" --json --attach $opt --interval 0.5 --duration 12 "$app" >"$tmp/$mode.json" 2>"$tmp/$mode.err" ||
		fail "vitals --json ($mode): $(head -3 "$tmp/$mode.err")"
	grep '"t":"sample"' "$tmp/$mode.json" | grep "\"pid\":$app," | grep -q '"probe":"attached"' ||
		fail "the primary was not attached ($mode): $(grep -v '"t":"sample"' "$tmp/$mode.json" | head -5)"
	# the worker opens its inspector when its sleep returns (< 2 s); vitals
	# ran 12 s, so whatever was opened had time to be seen and closed
	[ -z "$(listening)" ] ||
		fail "an inspector stays open after attaching the primary ($mode): $(listening) (worker $worker, primary $app)"
	# the worker was tried too: attached (often through the inspector its
	# primary opened), or refused because it answers SIGUSR1 only late
	if [ "$mode" = children ]; then
		grep "\"pid\":$worker," "$tmp/$mode.json" | grep -Eq '"probe":"attached"|"event":"attach_failed"' ||
			fail "the worker was not tried: $(grep "\"pid\":$worker," "$tmp/$mode.json" | grep -v '"t":"sample"' | head -5)"
	fi
	kill "$app"
	wait_for 10 sh -c "! kill -0 $app 2>/dev/null && ! kill -0 $worker 2>/dev/null" || fail "the cluster app did not stop"
	pass "$mode: primary $app attached, worker $worker's inspector (opened by its primary) closed again"
done
