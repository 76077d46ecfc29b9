#!/bin/sh
# namespaces.sh — attach from the host to node running as in a container:
# its own PID, network and mount namespaces, its own tmpfs /tmp (tests/lib.sh
# ns_start; root only, else skipped).  Checks:
#  - vitals --json --attach: attached, heap/GC/lag agree with what the app
#    measures itself, the container field says where it lives;
#  - a heap snapshot streams to the host, 0600;
#  - afterwards nothing listens on 9229 inside the namespace;
#  - all of it with 127.0.0.1:9229 held on "the host" (this test's own
#    network namespace, tests/netns.sh): it must not matter;
#  - 9229 held inside the target's namespace: one message naming the holder
#    and the ways round, and no inspector left open.
# Prints the attach time across namespaces next to one in the same namespace.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need ss
ns_can || { echo "SKIP: needs root and unshare/nsenter/ip for PID, network and mount namespaces"; exit 77; }
DRIVER="$VITALS_BUILDDIR/tests/attach_main"
CLIENT="$VITALS_BUILDDIR/tests/probe_client_main"
[ -x "$DRIVER" ] && [ -x "$CLIENT" ] || fail "build tests/attach_main and tests/probe_client_main first"
lock_inspector
# outside /tmp: the app's /tmp is a tmpfs of its own
WORK=$(mktemp -d "$VITALS_BUILDDIR/ns-test.XXXXXX")
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM

# hold 127.0.0.1:9229 here, on "the host"
start_bg "$NODE" -e 'require("net").createServer().listen(9229, "127.0.0.1", () => console.log("held"))' >"$WORK/host9229"
HOLD=$!
wait_for 10 grep -q held "$WORK/host9229" || fail "could not hold the host's 9229"

REPORT_FILE=$WORK/report ns_start "$NODE" "$FIXTURES/ns_app.js" || fail "ns_start failed"
P=$NS_PID
wait_for 20 test -s "$WORK/report" || fail "namespaced app did not start"
grep -q '"pid":1,' "$WORK/report" || fail "app is not PID 1 of its namespace: $(cat "$WORK/report")"
[ "$(readlink /proc/$P/ns/net)" != "$(readlink /proc/self/ns/net)" ] || fail "app shares our network namespace"

# --- attach with vitals, compare with the app's own view -----------------------
"$VITALS" --json --attach --duration 5 -i 0.5 "$P" > "$WORK/out" 2>"$WORK/err"
grep -q '"probe_attached"' "$WORK/out" || fail "attach across namespaces failed: $(cat "$WORK/err"; grep attach "$WORK/out")"
grep '"event":"found"' "$WORK/out" | grep -q '"container":"ns:pid,net,mnt"' ||
	fail "container field: $(grep '"found"' "$WORK/out")"
"$NODE" "$FIXTURES/ns_compare.js" "$WORK/out" "$WORK/report" || fail "vitals disagrees with the app's own heap/GC/lag"
nsenter -t "$P" -n ss -Hltn "sport = :9229" | grep -q . && fail "an inspector listens on 9229 inside the namespace after the attach"
pass "attach across pid+net+mount namespaces; heap, GC and lag agree; 9229 closed inside"

# --- a heap snapshot lands on the host, 0600 ------------------------------------
mkdir "$WORK/snap"
"$CLIENT" --seconds 60 --out "$WORK/snap" --capture heap_snapshot "$P" > "$WORK/cap" 2>&1
grep -q '"ev":"capture".*"ok":true' "$WORK/cap" || fail "snapshot: $(grep -v sample "$WORK/cap" | tail -3)"
f=$(ls "$WORK"/snap/*.heapsnapshot)
[ "$(stat -c %a "$f")" = 600 ] || fail "snapshot mode $(stat -c %a "$f")"
"$NODE" -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!j.snapshot || !j.nodes.length) process.exit(1)' "$f" ||
	fail "snapshot is not a whole V8 heap snapshot"
pass "heap snapshot streamed to the host, 0600, whole"

# --- attach times: across namespaces vs the same namespace ----------------------
ms() { date +%s%N | cut -c1-13; }
REPORT_FILE=$WORK/r2 ns_start "$NODE" "$FIXTURES/ns_app.js"; P2=$NS_PID
REPORT_FILE=$WORK/r3 start_bg "$NODE" "$FIXTURES/ns_app.js"; P3=$!
wait_for 20 test -s "$WORK/r2" && wait_for 20 test -s "$WORK/r3" || fail "apps for timing did not start"
kill "$HOLD"	# the same-namespace app needs the host's 9229
wait_for 5 sh -c "! ss -Hltn 'sport = :9229' | grep -q ." || fail "the host's 9229 holder did not go"
t0=$(ms); out=$("$DRIVER" attach "$P2"); t1=$(ms)
[ "$out" = "$P2: ok" ] || fail "second namespaced attach: $out"
t2=$(ms); out=$("$DRIVER" attach "$P3"); t3=$(ms)
[ "$out" = "$P3: ok" ] || fail "same-namespace attach: $out"
echo "attach time: across namespaces $((t1 - t0)) ms, same namespace $((t3 - t2)) ms"
nsenter -t "$P2" -n ss -Hltn "sport = :9229" | grep -q . && fail "9229 left open in the second namespace"
pass "attach times measured"

# --- 9229 held inside the target's namespace ------------------------------------
REPORT_FILE=$WORK/r4 ns_start "$NODE" "$FIXTURES/ns_app.js"; P4=$NS_PID
wait_for 20 test -s "$WORK/r4" || fail "fourth app did not start"
nsenter -t "$P4" -n "$NODE" -e 'require("net").createServer().listen(9229, "127.0.0.1", () => console.log("held"))' >"$WORK/held" &
H=$!; _pids="$_pids $H"
wait_for 10 grep -q held "$WORK/held" || fail "could not hold 9229 inside the namespace"
out=$("$DRIVER" attach "$P4")
echo "$out"
echo "$out" | grep -q "$P4: can't attach: port 9229 in its network namespace is held by PID $H (node); stop it, or start the app with \`vitals -- node …\` or \`node -r .*vitals-probe.js …\`" ||
	fail "port held inside: unexpected message: $out"
kill "$H"; wait "$H" 2>/dev/null
wait_for 5 sh -c "! nsenter -t $P4 -n ss -Hltn 'sport = :9229' | grep -q ." || fail "9229 still held after the holder exited"
out=$("$DRIVER" attach "$P4")
[ "$out" = "$P4: ok" ] || fail "attach once the holder is gone: $out"
nsenter -t "$P4" -n ss -Hltn "sport = :9229" | grep -q . && fail "9229 left open in the fourth namespace"
pass "9229 held inside the namespace: the holder named, the ways round given; attach works once it is gone"

# --- the dashboard: CONTAINER column, / filters on it, the detail view ----------
need tmux
tmux_start 120 30 "TERM=xterm-256color $VITALS $P4 $P3; sleep 30"
tmux_wait_text 10 "CONTAINER" || fail "no CONTAINER column: $(tmux_screen)"
tmux_screen | grep " $P4 " | grep -q "ns:pid,net,mnt" || fail "row of $P4 does not say ns:pid,net,mnt: $(tmux_screen)"
tmux_keys / n s : p i d Enter
# the filter is applied once the status line names it (tests/tui.sh)
tmux_wait_text 10 'filter "ns:pid"' || fail "the filter was not applied: $(tmux_screen | head -1)"
tmux_screen | grep -q " $P4 " || fail "filter ns:pid hides the namespaced app"
tmux_screen | grep -q " $P3 " && fail "filter ns:pid still shows the host's app $P3"
pass "CONTAINER column, and / filters on it"
