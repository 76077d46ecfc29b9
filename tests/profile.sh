#!/bin/sh
# profile.sh — `vitals profile summary` on a real profile recorded by
# `node --cpu-prof` of tests/fixtures/profile_hot.js, whose hot function
# (hotLoop) must rank first by self time, with its file:line; the numbers
# must add up (self times sum to the duration, no total above it, recursion
# in fib counted once); then broken files and bad usage: exit 1 or 2 and one
# line on stderr, never a crash.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
T=$VITALS_SOCK_DIR	# private, removed by cleanup

"$NODE" --cpu-prof --cpu-prof-dir="$T/prof" "$FIXTURES/profile_hot.js" 700 || fail "node --cpu-prof failed"
P=$(ls "$T"/prof/*.cpuprofile) || fail "no profile written"

"$VITALS" profile summary "$P" >"$T/sum.txt" || fail "summary exited $?"
cat "$T/sum.txt"
first=$(sed -n '5p' "$T/sum.txt")
case $first in
*" hotLoop "*profile_hot.js:6) pass "hotLoop ranks first, with file:line" ;;
*) fail "first row is not hotLoop at profile_hot.js:6: $first" ;;
esac

"$VITALS" profile summary --json --top 1000000 "$P" >"$T/sum.json" || fail "--json exited $?"
"$NODE" -e '
const s = require(process.argv[1]);
const bad = (m) => { console.error("FAIL: " + m); process.exit(1); };
const f = s.functions;
if (f.length !== s.function_count) bad("--top 1000000 left rows out");
if (f[0].name !== "hotLoop" || f[0].line !== 6 || !f[0].url.endsWith("profile_hot.js")) bad("first is " + JSON.stringify(f[0]));
if (f[0].self_pct < 40) bad("hotLoop only " + f[0].self_pct + "% self");
// every sample is on top of exactly one function: self times add up
const self = f.reduce((a, r) => a + r.self_ms, 0);
if (Math.abs(self - s.duration_ms) > 0.001 * s.duration_ms) bad("self sums to " + self + " of " + s.duration_ms);
for (const r of f) {
	if (r.total_ms < r.self_ms - 0.001 || r.total_ms > s.duration_ms + 0.001) bad("total out of range: " + JSON.stringify(r));
}
// fib calls only itself: counted once per stack, its total is its self time
// (plus any garbage collection sampled on top of it); summing its nodes, as
// a naive reader would, gives several times more
const fib = f.find((r) => r.name === "fib");
const gc = f.find((r) => r.name === "(garbage collector)") || { self_ms: 0 };
if (!fib || fib.total_ms < fib.self_ms || fib.total_ms > fib.self_ms + gc.self_ms + 0.01) bad("fib " + JSON.stringify(fib));
// the program is the script: its top level holds nearly all the time
const top = f.find((r) => r.url.endsWith("profile_hot.js") && r.line === 1);
if (!top || top.total_ms < f[0].total_ms) bad("top level " + JSON.stringify(top));
console.log("ok: json: " + f.length + " functions, " + s.samples + " samples, " + s.duration_ms + " ms");
' "$T/sum.json" || fail "json checks"

# --- broken files: exit 1, one line naming the file ------------------------
one_line() {	# one_line WANT FILE
	"$VITALS" profile summary "$2" >/dev/null 2>"$T/err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "$2: exit $rc, wanted 1"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$2: not one line: $(cat "$T/err")"
	grep -q "^vitals: profile: .*$1" "$T/err" || fail "$2: wanted '$1', got: $(cat "$T/err")"
	pass "$(cat "$T/err")"
}
size=$(wc -c <"$P")
head -c $((size / 2)) "$P" >"$T/half.cpuprofile"
one_line "cut short" "$T/half.cpuprofile"
head -c 1 "$P" >"$T/one.cpuprofile"
one_line "cut short" "$T/one.cpuprofile"
: >"$T/empty.cpuprofile"
one_line "empty file" "$T/empty.cpuprofile"
printf '\033[2J\001garbage' >"$T/bin.cpuprofile"
one_line "not JSON" "$T/bin.cpuprofile"
grep -q "$(printf '\033')" "$T/err" && fail "the error line carries the file's escape byte"
echo '{"snapshot":{"meta":{}},"nodes":[]}' >"$T/x.heapsnapshot"
one_line "heap snapshot" "$T/x.heapsnapshot"
sed 's/"samples":\[/"samples":[999999999,/; s/"timeDeltas":\[/"timeDeltas":[0,/' "$P" >"$T/badsample.cpuprofile"
one_line "not in the call tree" "$T/badsample.cpuprofile"
one_line "No such file" "$T/missing.cpuprofile"
one_line "is a directory" "$T"
one_line "not a regular file" /dev/zero

# --- usage: exit 2 ----------------------------------------------------------
for args in "" "summary" "frob x" "summary --top 0 $P" "summary --sort nope $P" "summary --bogus $P" \
	"summary $P $P"; do
	# shellcheck disable=SC2086
	"$VITALS" profile $args >/dev/null 2>"$T/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "profile $args: exit $rc, wanted 2"
done
"$VITALS" profile --help | grep -q 'vitals profile summary' || fail "no help"
"$VITALS" --help | grep -q 'profile summary' || fail "vitals --help does not mention profile summary"
pass "usage errors exit 2"
