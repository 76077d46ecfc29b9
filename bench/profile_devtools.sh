#!/bin/sh
# profile_devtools.sh [PROFILE...] — `vitals profile summary` against Chrome
# DevTools' own CPU profile model (bench/profile_devtools.mjs) on the same
# profiles: every function's self and total time, worst difference in ms and
# in percent.  Without arguments it records two with node --cpu-prof: the
# test fixture with a hot function, and an allocating, recursive, timer-driven
# program (garbage collection, idle time, (program) samples).
# Needs: make (for ./vitals) and `cd bench && npm install` (typescript,
# chrome-devtools-frontend).  Run from the build directory.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VITALS=${VITALS:-./vitals}
NODE=${NODE:-node}
[ -d "$top/bench/node_modules/chrome-devtools-frontend" ] || { echo "SKIP: cd bench && npm install"; exit 77; }
tmp=$(mktemp -d /tmp/vitals-profbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then
	"$NODE" --cpu-prof --cpu-prof-dir="$tmp/a" "$top/tests/fixtures/profile_hot.js" 1500
	"$NODE" --cpu-prof --cpu-prof-interval 250 --cpu-prof-dir="$tmp/b" "$top/bench/fixtures/profile_gc.js"
	set -- "$tmp"/a/*.cpuprofile "$tmp"/b/*.cpuprofile
fi
worst=0
for p in "$@"; do
	"$VITALS" profile summary --json --top 1000000 "$p" >"$tmp/v.json"
	"$NODE" "$top/bench/profile_devtools.mjs" "$p" >"$tmp/d.json"
	"$NODE" -e '
const v = require(process.argv[1]), d = require(process.argv[2]);
const key = (r) => r.name + "|" + r.url + "|" + r.line;
const dm = new Map();
for (const r of d.functions) {
	if (r.total_ms <= 0 && r.self_ms <= 0) continue;
	const x = dm.get(key(r)) || { self_ms: 0, total_ms: 0 };
	x.self_ms += r.self_ms; x.total_ms += r.total_ms; dm.set(key(r), x);
}
const vm = new Map();
for (const r of v.functions) {
	const x = vm.get(key(r)) || { self_ms: 0, total_ms: 0 };
	x.self_ms += r.self_ms; x.total_ms += r.total_ms; vm.set(key(r), x);
}
let abs = 0, rel = 0;
for (const [k, x] of dm) {
	const y = vm.get(k);
	if (!y) { console.log("only in DevTools: " + k); process.exitCode = 1; continue; }
	for (const f of ["self_ms", "total_ms"]) {
		const e = Math.abs(x[f] - y[f]);
		abs = Math.max(abs, e);
		if (x[f] >= 1) rel = Math.max(rel, e / x[f]);	/* rows of 1 ms or more */
	}
}
for (const k of vm.keys()) if (!dm.has(k)) { console.log("only in vitals: " + k); process.exitCode = 1; }
console.log(`${process.argv[3]}: ${dm.size} functions, ${v.samples} samples, duration vitals ${v.duration_ms} ms, DevTools ${d.duration_ms.toFixed(3)} ms; worst difference ${abs.toFixed(4)} ms, ${(100 * rel).toFixed(4)}%`);
if (rel > 0.01) process.exitCode = 1;
' "$tmp/v.json" "$tmp/d.json" "$(basename "$p")"
done
