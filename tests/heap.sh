#!/bin/sh
# heap.sh — `vitals heap summary|diff` against real snapshots of a node
# process (tests/fixtures/heap_leaky.js: exactly 10,000 Leaky objects appear
# between two snapshots), checked against an independent JSON.parse reader
# (tests/fixtures/heap_reader.js) for totals, per-class counts and sizes, and
# brute-force retained sizes; then bad inputs: each must give exit status 1
# and a one-line "vitals: heap: FILE: ..." message, never a crash.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"

# `vitals heap` once the app wires it in, else the test driver.
if "$VITALS" heap --help 2>/dev/null | grep -q 'vitals heap summary'; then
	HEAP="$VITALS heap"
else
	HEAP="$VITALS_BUILDDIR/tests/heap_main"
fi
echo "using: $HEAP"
T=$VITALS_SOCK_DIR	# private, removed by cleanup

"$NODE" "$FIXTURES/heap_leaky.js" "$T" >/dev/null || fail "fixture did not write snapshots"
B=$T/before.heapsnapshot
A=$T/after.heapsnapshot

# --- summary --raw: Leaky count, totals and every class against the reader ----
# (the reader knows V8's raw nodes; DevTools' view is checked further down)
$HEAP summary --raw --json --top 1000000 "$A" >"$T/sum.json" || fail "summary exited $?"
$HEAP summary --raw --top 5 "$A" >"$T/sum.txt" || fail "text summary exited $?"
grep -q '^Constructor' "$T/sum.txt" || fail "text summary has no table"
# brute force costs one graph walk per object: compare the 40 largest
ids=$("$NODE" -e 'const s=require(process.argv[1]); console.log(s.largest.slice(0, 40).map(o=>o.id).join(" "))' "$T/sum.json")
# shellcheck disable=SC2086
"$NODE" "$FIXTURES/heap_reader.js" "$A" $ids >"$T/reader.json" || fail "reader failed"
"$NODE" -e '
const s = require(process.argv[1]), r = require(process.argv[2]);
const bad = (m) => { console.error("FAIL: " + m); process.exit(1); };
for (const k of ["nodes", "edges"]) if (s[k] !== r[k]) bad(k + ": vitals " + s[k] + ", reader " + r[k]);
if (s.self_size !== r.self_size) bad("self size: vitals " + s.self_size + ", reader " + r.self_size);
const leaky = s.classes.find((c) => c.name === "Leaky");
if (!leaky || leaky.count !== 10000) bad("Leaky count " + (leaky && leaky.count));
const rc = Object.keys(r.classes).length;
if (s.class_count !== rc) bad("class count: vitals " + s.class_count + ", reader " + rc);
for (const c of s.classes) {
	const x = r.classes[c.name];
	if (!x || x.count !== c.count || x.self !== c.self_size)
		bad("class " + c.name + ": vitals " + c.count + "/" + c.self_size + ", reader " + JSON.stringify(x));
}
// retained: every listed object against brute force, and the holder holds
// at least its 10,000 Leaky objects
let n = 0;
for (const o of s.largest) {
	if (!(o.id in r.retained)) continue;
	n++;
	if (o.retained_size !== r.retained[o.id])
		bad("retained of " + o.class + " @" + o.id + ": vitals " + o.retained_size + ", brute force " + r.retained[o.id]);
}
if (n < 30) bad("only " + n + " objects compared");
const holder = s.largest.find((o) => o.class === "LeakHolder");
if (!holder) bad("LeakHolder is not among the largest objects");
if (holder.retained_size < leaky.self_size) bad("LeakHolder retains " + holder.retained_size + " < Leaky self " + leaky.self_size);
const lc = s.classes.find((c) => c.name === "LeakHolder");
if (lc.retained_size !== holder.retained_size) bad("LeakHolder class retained " + lc.retained_size);
// a Leaky holds two small integers and nothing else: it retains itself only
if (leaky.retained_size !== leaky.self_size) bad("Leaky retained " + leaky.retained_size + " != self " + leaky.self_size);
if (s.root_retained_size !== s.self_size) bad("root retains " + s.root_retained_size + ", total self " + s.self_size);
' "$T/sum.json" "$T/reader.json" || fail "summary disagrees with the reader"
pass "summary: totals, classes, Leaky=10000, retained sizes match brute force"

# --- the jansson loader (benchmark baseline) must agree with the stream one --
$HEAP summary --raw --json --top 1000000 --parser jansson "$A" >"$T/sum2.json" || fail "jansson summary exited $?"
cmp -s "$T/sum.json" "$T/sum2.json" || fail "stream and jansson loaders disagree"
pass "stream and jansson loaders give the same summary"

# --- DevTools' view (the default) -----------------------------------------------
# bench/heap_devtools.sh checks every row against DevTools' own code; here the
# rules themselves on a real snapshot: two constructors named Server are two
# rows (keyed by location), 5000 plain objects are "{user, items}", closures
# are "Function", and moving owned arrays' sizes loses no byte
S=$T/server.heapsnapshot
"$NODE" "$FIXTURES/heap_server.js" "$S" >/dev/null || fail "heap_server.js did not write a snapshot"
$HEAP summary --json --top 1000000 "$S" >"$T/dv.json" || fail "summary (DevTools view) exited $?"
$HEAP summary --raw --json --top 1000000 "$S" >"$T/rv.json" || fail "summary --raw exited $?"
$HEAP summary --json --top 1000000 --parser jansson "$S" >"$T/dv2.json" || fail "jansson summary exited $?"
cmp -s "$T/dv.json" "$T/dv2.json" || fail "stream and jansson loaders disagree on DevTools' view"
"$NODE" -e '
const d = require(process.argv[1]), r = require(process.argv[2]);
const bad = (m) => { console.error("FAIL: " + m); process.exit(1); };
const rows = (s, n) => s.classes.filter((c) => c.name === n);
if (d.view !== "devtools" || r.view !== "raw") bad("view " + d.view + "/" + r.view);
if (rows(d, "Server").length !== 2 || rows(r, "Server").length !== 1) bad("Server rows: " + rows(d, "Server").length + "/" + rows(r, "Server").length);
const ui = rows(d, "{user, items}");
if (ui.length !== 1 || ui[0].count !== 5000) bad("{user, items}: " + JSON.stringify(ui));
if (!rows(d, "Function").length || rows(d, "(closure)").length || !rows(r, "(closure)").length) bad("closures");
if (d.self_size !== r.self_size || d.root_retained_size !== d.self_size) bad("sizes moved between nodes do not add up");
const arr = (s) => (rows(s, "(array)")[0] || { self_size: 0 }).self_size;
if (!(arr(d) < arr(r))) bad("(array) keeps its owned arrays: " + arr(d) + " vs raw " + arr(r));
' "$T/dv.json" "$T/rv.json" || fail "DevTools view rules"
$HEAP summary --top 3 "$S" | grep -q "as DevTools' Summary shows it" || fail "the header does not say which view"
$HEAP summary --raw --top 3 "$S" | grep -q "V8's raw nodes" || fail "the --raw header does not say so"
pass "DevTools' view: Server by location, {user, items}, Function, owned sizes moved; header says which"

# --- --no-retained --------------------------------------------------------------
$HEAP summary --raw --json --no-retained --sort count "$A" >"$T/nr.json" || fail "--no-retained exited $?"
"$NODE" -e '
const s = require(process.argv[1]);
if ("root_retained_size" in s || "largest" in s || "retained_size" in s.classes[0]) process.exit(1);
for (let i = 1; i < s.classes.length; i++) if (s.classes[i].count > s.classes[i - 1].count) process.exit(1);
' "$T/nr.json" || fail "--no-retained output has retained sizes or is not sorted by count"
pass "--no-retained"

# --- diff -------------------------------------------------------------------------
$HEAP diff --json "$B" "$A" >"$T/diff.json" || fail "diff exited $?"
"$NODE" -e '
const d = require(process.argv[1]);
const i = d.classes.findIndex((c) => c.name === "Leaky");
if (i < 0 || i > 2) { console.error("Leaky at row " + i); process.exit(1); }
const c = d.classes[i];
if (c.new !== 10000 || c.deleted !== 0 || c.count_delta !== 10000 || c.before_count !== 0 || c.after_count !== 10000) {
	console.error(JSON.stringify(c)); process.exit(1);
}
' "$T/diff.json" || fail "diff does not show +10000 Leaky near the top"
$HEAP diff "$B" "$A" | grep -E '^Leaky +10000 +0 +\+10000 ' >/dev/null || fail "text diff lacks the Leaky row"
pass "diff: Leaky +10000 at the top"
# the new Leaky objects: one path for all 10,000, exact and shortest
"$NODE" "$FIXTURES/heap_paths_check.js" "$A" "$T/diff.json" || fail "a diff path is not a shortest path of edges"
"$NODE" -e '
const d = require(process.argv[1]);
const c = d.classes.find((c) => c.name === "Leaky");
const p = c.paths && c.paths[0];
const text = p && p.hops.map((h) => (h.edge ? h.edge + " " : "") + "(" + h.node + ")").join(" \u203a ");
if (!p || c.path_groups !== 1 || p.count !== 10000 || p.self_size !== c.alloc_size ||
    !/^\(global\) › leakHolder \(LeakHolder\) › items \(Array\) › \[\d+\] \(Leaky\)$/.test(text)) {
	console.error(JSON.stringify(c)); process.exit(1);
}
' "$T/diff.json" || fail "diff: the Leaky path is not global › leakHolder › items › [n]"
$HEAP diff "$B" "$A" | grep -E '^ +10000 × +400000 B  global @[0-9]+ › leakHolder \(LeakHolder @[0-9]+\) › items \(Array @[0-9]+\) › \[[0-9]+\] \(Leaky @[0-9]+\)$' >/dev/null ||
	fail "text diff lacks the Leaky path"
pass "diff: one retainer path for the 10,000 new Leaky objects"

# --- retainer paths: known holders (tests/fixtures/heap_holders.js) -----------------
H=$T/holders.heapsnapshot
"$NODE" "$FIXTURES/heap_holders.js" "$H" >/dev/null || fail "heap_holders.js did not write a snapshot"
$HEAP summary --json --top 1000000 --paths 1000000 "$H" >"$T/hp.json" || fail "summary --paths exited $?"
"$NODE" "$FIXTURES/heap_paths_check.js" "$H" "$T/hp.json" || fail "a summary path is not a shortest path of edges"
"$NODE" -e '
const s = require(process.argv[1]);
const bad = (m) => { console.error("FAIL: " + m); process.exit(1); };
const show = (p) => p.hops.map((h) => (h.edge ? h.edge + " " : "") + "(" + h.node + ")").join(" \u203a ");
// class: [objects the paths describe, regular expression of the one path]
const want = {
	CacheEntry: [100, /^\(global\) › .* › exports \(Object\) › remember \(remember\(\)\) › context \(system \/ Context\) › cache \(Map\) › table \(\(array\)\) › \d+ \(CacheEntry\)$/],
	Subscriber: [50, /^\(global\) › bus \(EventEmitter\) › _events \(Object\) › tick \(Array\) › \[\d+\] \(\(anonymous function\)\) › context \(system \/ Context\) › this \(Subscriber\)$/],
	TimerPayload: [1, /^\(global\) › .* › timerListMap \(Object\) › \[1000000\] \(TimersList\) › _idleNext \(Timeout\) › _onTimeout \(\(anonymous function\)\) › context \(system \/ Context\) › payload \(TimerPayload\)$/],
	// b and c are held by a: the class paths describe a alone
	Part: [1, /^\(global\) › detached \(Part\)$/],
	// a WeakRef on the global is one hop nearer, but weak
	WeaklyNear: [1, /^\(global\) › deep \(Object\) › a \(Object\) › b \(Object\) › c \(WeaklyNear\)$/],
};
for (const [name, [count, re]] of Object.entries(want)) {
	const c = s.classes.find((c) => c.name === name);
	if (!c || !c.paths) bad(name + ": no paths");
	if (c.path_groups !== 1 || c.paths[0].count !== count) bad(name + ": " + c.path_groups + " groups, first of " + c.paths[0].count + " (want 1 of " + count + ")");
	if (!re.test(show(c.paths[0]))) bad(name + ": " + show(c.paths[0]));
	console.log("ok: " + name + ": " + show(c.paths[0]));
}
' "$T/hp.json" || fail "a known holder is not on the printed path"
$HEAP summary --top 1000000 --paths 1000000 "$H" >"$T/hp.txt" || fail "text summary --paths exited $?"
grep -E '^ +50 × +[0-9]+ B  global @[0-9]+ › bus \(EventEmitter @[0-9]+\) › _events \(Object @[0-9]+\) › tick \(Array @[0-9]+\) › \[[0-9]+\] \(anonymous function @[0-9]+\) › context \(system / Context @[0-9]+\) › this \(Subscriber @[0-9]+\)$' "$T/hp.txt" >/dev/null ||
	fail "text summary lacks the Subscriber path: $(grep -A2 '^Subscriber' "$T/hp.txt")"
pass "retainer paths: Map in a module closure, listener array, timer closure, detached cycle, weak edge skipped"

# --- leaks: three snapshots of an app with one planted leak ----------------------
mkdir "$T/l3" && "$NODE" "$FIXTURES/heap_leak3.js" "$T/l3" || fail "heap_leak3.js did not write snapshots"
L3="$T/l3/baseline.heapsnapshot $T/l3/target.heapsnapshot $T/l3/final.heapsnapshot"
# shellcheck disable=SC2086
$HEAP leaks --json $L3 >"$T/leaks.json" || fail "leaks exited $?"
"$NODE" "$FIXTURES/heap_paths_check.js" "$T/l3/final.heapsnapshot" "$T/leaks.json" || fail "a leak path is not a shortest path of edges"
"$NODE" -e '
const l = require(process.argv[1]);
const c = l.clusters[0];
const text = c && c.hops.map((h) => (h.edge ? h.edge + " " : "") + "(" + h.node + ")").join(" \u203a ");
// the 300 Sessions of the target phase, and nothing from the bounded cache
if (!c || c.count !== 300 || l.outer !== 300 ||
    !/^\(global\) › server \(Object\) › handle \(handle\(\)\) › context \(system \/ Context\) › sessions \(Array\) › \[\d+\] \(Session\)$/.test(text)) {
	console.error(JSON.stringify(l, null, 1).slice(0, 3000)); process.exit(1);
}
' "$T/leaks.json" || fail "leaks: the planted Session leak is not the top cluster"
# shellcheck disable=SC2086
$HEAP leaks $L3 | grep -E '^ +300 × +[0-9]+ B  global @[0-9]+ › server \(Object @[0-9]+\) › handle \(handle\(\) @[0-9]+\) › context \(system / Context @[0-9]+\) › sessions \(Array @[0-9]+\) › \[[0-9]+\] \(Session @[0-9]+\)$' >/dev/null ||
	fail "text leaks report lacks the Session cluster"
$HEAP leaks "$T/l3/baseline.heapsnapshot" "$T/l3/target.heapsnapshot" >/dev/null 2>&1; [ $? -eq 2 ] || fail "leaks with two files is not a usage error"
$HEAP leaks "$T/l3/baseline.heapsnapshot" "$T/l3/target.heapsnapshot" "$T/nope" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF "vitals: heap: $T/nope: cannot open" "$T/err" ||
	fail "leaks with a missing FINAL: $(cat "$T/err")"
pass "leaks: the planted leak (300 Sessions in a closure's array) is the top cluster, alone"

# --- bad input --------------------------------------------------------------------
# expect_error FILE PATTERN — exit 1, one line on stderr naming FILE and PATTERN
expect_error() {
	_f=$1; _pat=$2
	$HEAP summary "$_f" >"$T/out" 2>"$T/err"
	_rc=$?
	[ "$_rc" -eq 1 ] || fail "$_f: exit status $_rc (want 1): $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$_f: not one line: $(cat "$T/err")"
	grep -qF "vitals: heap: $_f: " "$T/err" || fail "$_f: message does not name the file: $(cat "$T/err")"
	grep -qE -- "$_pat" "$T/err" || fail "$_f: message lacks /$_pat/: $(cat "$T/err")"
	[ -s "$T/out" ] && fail "$_f: printed a report anyway"
	echo "ok: $(cat "$T/err")"
}
head -c 2000000 "$A" >"$T/truncated.heapsnapshot"
expect_error "$T/truncated.heapsnapshot" 'truncated at byte 2000000 inside "(nodes|edges)"'
head -c 300 "$A" >"$T/short.heapsnapshot"
expect_error "$T/short.heapsnapshot" 'truncated at byte 300'
head -c 65536 /dev/urandom >"$T/random.heapsnapshot"
printf '{' | cat - "$T/random.heapsnapshot" >"$T/random2.heapsnapshot"
expect_error "$T/random.heapsnapshot" '.'
expect_error "$T/random2.heapsnapshot" '.'
: >"$T/empty.heapsnapshot"
expect_error "$T/empty.heapsnapshot" 'empty file'
echo '{"name": "not a snapshot", "values": [1, 2, 3]}' >"$T/other.json"
expect_error "$T/other.json" 'not a heap snapshot'
echo '[1, 2, 3]' >"$T/array.json"
expect_error "$T/array.json" 'not a heap snapshot'
expect_error "$T/does-not-exist.heapsnapshot" 'No such file'
expect_error "$T" 'directory'
sed '1s/"self_size"/"size"/' "$A" >"$T/renamed.heapsnapshot"
expect_error "$T/renamed.heapsnapshot" 'node_fields lacks "self_size"'
sed '1s/"to_node"/"target"/' "$A" >"$T/renamed2.heapsnapshot"
expect_error "$T/renamed2.heapsnapshot" 'edge_fields lacks "to_node"'
# corrupt cross references, made by a script so they hit the exact field
"$NODE" -e '
const fs = require("fs");
const [src, dir] = process.argv.slice(1);
const s = JSON.parse(fs.readFileSync(src, "utf8"));
const nf = s.snapshot.meta.node_fields.length;
const w = (name, f) => { const c = JSON.parse(JSON.stringify(s)); f(c); fs.writeFileSync(dir + "/" + name, JSON.stringify(c)); };
w("to_node.heapsnapshot", (c) => { c.edges[2] = 5; });
w("to_node2.heapsnapshot", (c) => { c.edges[2] = c.nodes.length; });
w("edge_type.heapsnapshot", (c) => { c.edges[0] = 99; });
w("node_type.heapsnapshot", (c) => { c.nodes[nf] = 99; });
w("node_name.heapsnapshot", (c) => { c.nodes[nf + 1] = c.strings.length; });
w("node_count.heapsnapshot", (c) => { c.snapshot.node_count += 1; });
w("edge_count.heapsnapshot", (c) => { c.snapshot.edge_count -= 1; });
w("edges_short.heapsnapshot", (c) => { c.edges.length -= 3; c.snapshot.edge_count -= 1; });
' "$B" "$T" || fail "could not write corrupt snapshots"
expect_error "$T/to_node.heapsnapshot" 'to_node 5 is not a node'
expect_error "$T/to_node2.heapsnapshot" 'to_node [0-9]+ is not a node'
expect_error "$T/edge_type.heapsnapshot" 'type 99 out of range'
expect_error "$T/node_type.heapsnapshot" 'type 99 out of range'
expect_error "$T/node_name.heapsnapshot" 'names string'
expect_error "$T/node_count.heapsnapshot" 'nodes'
expect_error "$T/edge_count.heapsnapshot" 'edge'
expect_error "$T/edges_short.heapsnapshot" 'edge_count'
$HEAP diff "$B" "$T/truncated.heapsnapshot" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -qF "vitals: heap: $T/truncated.heapsnapshot: truncated" "$T/err" || fail "diff with a bad AFTER: $(cat "$T/err")"
pass "bad inputs: exit 1 with one clear line"

# --- usage --------------------------------------------------------------------------
$HEAP --help | grep -q 'vitals heap summary' || fail "--help"
$HEAP summary >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing file is not a usage error"
$HEAP summary --top 0 "$A" >/dev/null 2>&1; [ $? -eq 2 ] || fail "--top 0 accepted"
$HEAP summary --paths -1 "$A" >/dev/null 2>&1; [ $? -eq 2 ] || fail "--paths -1 accepted"
$HEAP frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown command accepted"
pass "usage errors exit 2"
