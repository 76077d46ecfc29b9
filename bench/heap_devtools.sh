#!/bin/sh
# heap_devtools.sh [SNAPSHOT...] — `vitals heap summary` (DevTools' view, the
# default) against Chrome DevTools' own heap-snapshot code
# (bench/heap_devtools.mjs) on the same files: every Summary row — class
# name, count, self size, retained size — must be identical, not only the
# top 30.  Without arguments it writes four snapshots with node: the test
# fixtures heap_leaky.js (after), heap_holders.js, heap_server.js (two
# Server constructors, plain objects) and heap_leak3.js (final).
# Needs: `cd bench && npm install` (typescript, chrome-devtools-frontend).
# Run from the build directory (VITALS=./vitals by default).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VITALS=${VITALS:-./vitals}
NODE=${NODE:-node}
[ -d "$top/bench/node_modules/chrome-devtools-frontend" ] || { echo "SKIP: cd bench && npm install"; exit 77; }
tmp=$(mktemp -d /tmp/vitals-heapdt.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then
	"$NODE" "$top/tests/fixtures/heap_leaky.js" "$tmp" >/dev/null
	"$NODE" "$top/tests/fixtures/heap_holders.js" "$tmp/holders.heapsnapshot" >/dev/null
	"$NODE" "$top/tests/fixtures/heap_server.js" "$tmp/server.heapsnapshot" >/dev/null
	mkdir "$tmp/l3" && "$NODE" "$top/tests/fixtures/heap_leak3.js" "$tmp/l3"
	set -- "$tmp/after.heapsnapshot" "$tmp/holders.heapsnapshot" "$tmp/server.heapsnapshot" "$tmp/l3/final.heapsnapshot"
fi
bad=0
for f in "$@"; do
	"$VITALS" heap summary --json --top 1000000 --paths 0 "$f" >"$tmp/v.json"
	"$NODE" "$top/bench/heap_devtools.mjs" "$f" >"$tmp/d.json"
	"$NODE" -e '
const v = require(process.argv[1]), d = require(process.argv[2]);
const key = (c) => [c.name, c.count, c.self_size, c.retained_size].join(" | ");
const left = new Map();
for (const c of v.classes) left.set(key(c), (left.get(key(c)) || 0) + 1);
const onlyD = [];
for (const c of d.classes) {
	const k = key(c);
	if (left.get(k)) left.set(k, left.get(k) - 1); else onlyD.push(k);
}
const onlyV = [...left].filter(([, n]) => n > 0).map(([k]) => k);
let top = 0;
for (let i = 0; i < 30 && i < d.classes.length; i++) if (!v.classes[i] || key(v.classes[i]) !== key(d.classes[i])) top++;
console.log(process.argv[3] + ": " + d.classes.length + " DevTools rows, " + v.classes.length + " vitals rows; " +
	(onlyD.length + onlyV.length) + " differ; top 30 in the same order: " + (top ? "NO (" + top + ")" : "yes") +
	"; total " + d.total + " / " + v.root_retained_size);
for (const k of onlyD.slice(0, 5)) console.log("   DevTools only: " + k);
for (const k of onlyV.slice(0, 5)) console.log("   vitals only:   " + k);
process.exit(onlyD.length + onlyV.length + top || d.total !== v.root_retained_size ? 1 : 0);
' "$tmp/v.json" "$tmp/d.json" "$f" || bad=1
done
exit $bad
