#!/bin/sh
# bench/heap.sh — `vitals heap summary` against memlab on the same snapshots.
#
# Generates heap snapshots of about 20, 100 and 400 MB (a node program that
# keeps many objects, strings, arrays, Maps and closures alive, then calls
# v8.writeHeapSnapshot), cached in $HEAP_BENCH_DIR (default
# /tmp/vitals-heap-bench) so reruns are fast.  On each file, in one run:
#   vitals summary --no-retained     streaming parse + aggregation
#   vitals summary --paths 0         + dominator tree and retained sizes
#   vitals summary --paths 20        + retainer paths of the top 20
#                                    constructors and largest objects
#   vitals ... --parser jansson      the integer arrays loaded through a
#                                    jansson DOM instead of our tokenizer
#                                    (files <= JANSSON_MAX_MB, default 150)
#   memlab parse + summary           bench/memlab_summary.js
#   memlab full load                 bench/memlab_full.js (dominators)
# and prints wall time and peak RSS (/usr/bin/time -v) and the ratios.
# Targets: summary >= 10x faster than memlab parse+summary with peak RSS <=
# the file size; retained sizes >= 5x faster than memlab's full load;
# retainer paths add <= 30% to the retained-size time.
#
# Then the explorer (`heap explore`, bench/explore_main.c: the model without
# the terminal): "open", the time from start to the first frame (the
# Summary's rows with counts and self sizes, which can be moved through and
# searched; the retained sizes follow from a thread, and the keys that open
# a row wait for them), the time until the retained sizes are in, the
# phases (parse, DevTools' view, summary, class index, first frame; then
# dominators and the classes' retained sizes on the thread; stderr), peak
# RSS, and each key of a typical session (expand the class with the
# most objects, retainers, edges, dominated, next page, sort, search, jump
# to an id, collapse), median of 5, and with the snapshot before it in
# HEAP_BENCH_SIZES as BEFORE, the diff explorer's open and its first Enter
# on the class with the most new objects; the median and slowest key are printed
# beside the retained summary's time and memlab's full load (memlab has no
# explorer: its full load is what it takes to answer the same questions).
# Targets: open <= 2 s wall at 400 MB, every key < 50 ms.
#
# Then leaks: three snapshots (baseline, target, final) of a program that
# keeps the same data as above and leaks Sessions into a closure's array
# between them, `vitals heap leaks` against memlab's findLeaks
# (bench/memlab_leaks.js, as `memlab find-leaks --trace-all-objects`):
# time, peak RSS, and whether both find the planted cluster.  Target: >= 5x.
#
# Needs: node, /usr/bin/time (Debian package "time"), bench/node_modules
# (cd bench && PUPPETEER_SKIP_DOWNLOAD=1 npm install), a build directory
# ($VITALS_BUILDDIR or the current directory) with vitals or tests/heap_main.
# Env: HEAP_BENCH_SIZES="20 100 400"  HEAP_LEAKS_SIZES="20 100" (MB per
#      snapshot; "" skips)  RUNS=3 (best of, for vitals)
#      MEMLAB_MAX_MB (memlab's rows only for files up to this size; memlab's
#      full load of 400 MB takes minutes and many GB)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${VITALS_BUILDDIR:-.}" && pwd)
NODE=${NODE:-node}
dir=${HEAP_BENCH_DIR:-/tmp/vitals-heap-bench}
sizes=${HEAP_BENCH_SIZES-20 100 400}
lsizes=${HEAP_LEAKS_SIZES-20 100}
runs=${RUNS:-3}
jmax=${JANSSON_MAX_MB:-150}
mmax=${MEMLAB_MAX_MB:-100000}

[ -x /usr/bin/time ] || { echo "heap bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
command -v "$NODE" >/dev/null || { echo "heap bench: node not found" >&2; exit 2; }
[ -d "$here/node_modules/memlab" ] || {
	echo "heap bench: memlab missing: cd bench && PUPPETEER_SKIP_DOWNLOAD=1 npm install" >&2; exit 2; }
[ -x "$build/bench/explore_bench" ] || make -C "$build" -s bench/explore_bench >/dev/null
if [ -x "$build/vitals" ] && "$build/vitals" heap --help 2>/dev/null | grep -q 'vitals heap summary'; then
	heap="$build/vitals heap"
else
	make -C "$build" -s tests/heap_main >/dev/null
	heap="$build/tests/heap_main"
fi
mkdir -p "$dir"

# gen MB — write $dir/heap-MB.heapsnapshot unless cached.  About 600 bytes of
# snapshot per unit on Node 20, plus ~3.5 MB for the runtime itself.
gen() {
	f=$dir/heap-$1.heapsnapshot
	[ -s "$f" ] && return 0
	units=$(( ($1 * 1000000 - 3500000) / 600 ))
	[ "$units" -gt 0 ] || units=1000
	echo "generating $f ($units units)..." >&2
	"$NODE" --max-old-space-size=8192 -e '
"use strict";
const v8 = require("v8");
const [out, units] = [process.argv[1], Number(process.argv[2])];
class Record { constructor(i) { this.id = i; this.name = "record-" + i; this.tags = [i, i + 1]; this.next = null; } }
class Session { constructor(i, rec) { this.rec = rec; this.started = i * 3; this.onEnd = () => rec.id + i; } }
const keep = { records: [], sessions: new Map(), text: [] };
let prev = null;
for (let i = 0; i < units; i++) {
	const r = new Record(i);
	r.next = prev; prev = i % 64 ? r : null;
	keep.records.push(r);
	if (i % 2 === 0) keep.sessions.set("s" + i, new Session(i, r));
	if (i % 4 === 0) keep.text.push(("payload " + i + " ").repeat(3));
}
globalThis.keep = keep;
v8.writeHeapSnapshot(out + ".tmp");
require("fs").renameSync(out + ".tmp", out);
' "$f" "$units"
}

# measure CMD... — sets wall (s) and rss (MB) from /usr/bin/time -v; fails loudly
measure() {
	/usr/bin/time -v -o "$dir/time.out" "$@" >"$dir/cmd.out" 2>"$dir/cmd.err" || {
		echo "heap bench: failed: $*" >&2; cat "$dir/cmd.err" >&2; exit 1; }
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
		for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f", s }' "$dir/time.out")
	rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$dir/time.out")
	cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { printf "%.2f", s }' "$dir/time.out")
}

# best RUNS CMD... — the fastest of $runs runs (and its RSS and CPU)
best() {
	bw=; br=; bc=
	i=0
	while [ "$i" -lt "$runs" ]; do
		measure "$@"
		if [ -z "$bw" ] || awk "BEGIN { exit !($wall < $bw) }"; then bw=$wall; br=$rss; bc=$cpu; fi
		i=$((i + 1))
	done
	wall=$bw; rss=$br; cpu=$bc
}

# row LABEL WALL CPU RSS NOTE — CPU (user+sys) is shown because on a shared
# machine wall time includes waiting for a core
row() { printf '%-34s %8s s wall %8s s cpu %9s MB  %s\n' "$1" "$2" "$3" "$4" "$5"; }
ratio() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }
pct() { awk "BEGIN { printf \"%.0f\", 100 * ($1 - $2) / $2 }"; }

for mb in $sizes; do gen "$mb"; done
echo "vitals: $heap ($(uname -m), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
prev=
for mb in $sizes; do
	f=$dir/heap-$mb.heapsnapshot
	fmb=$(awk "BEGIN { printf \"%.1f\", $(stat -c %s "$f") / 1048576 }")
	echo
	echo "== $f: $fmb MB"
	# shellcheck disable=SC2086
	best $heap summary --no-retained --paths 0 --timing "$f"; sw=$wall; sc=$cpu; sr=$rss
	grep timing "$dir/cmd.err" | sed 's/^/   /' >&2 || true
	# shellcheck disable=SC2086
	best $heap summary --paths 0 --timing "$f"; rw=$wall; rc=$cpu; rr=$rss
	grep timing "$dir/cmd.err" | sed 's/^/   /' >&2 || true
	# shellcheck disable=SC2086
	best $heap summary --paths 20 --timing "$f"; pw=$wall; pc=$cpu; pr=$rss
	grep timing "$dir/cmd.err" | sed 's/^/   /' >&2 || true
	jw=; jr=
	if [ "${fmb%.*}" -le "$jmax" ]; then
		# shellcheck disable=SC2086
		measure $heap summary --no-retained --paths 0 --timing --parser jansson "$f"; jw=$wall; jc=$cpu; jr=$rss
		grep timing "$dir/cmd.err" | sed 's/^/   /' >&2 || true
	fi
	mw=; fw=
	if [ "${fmb%.*}" -le "$mmax" ]; then
		measure "$NODE" --max-old-space-size=16384 "$here/memlab_summary.js" "$f"; mw=$wall; mc=$cpu; mr=$rss
		measure "$NODE" --max-old-space-size=16384 "$here/memlab_full.js" "$f"; fw=$wall; fc=$cpu; fr=$rss
	fi
	row "vitals summary --no-retained" "$sw" "$sc" "$sr" "RSS/file $(ratio "$sr" "$fmb")"
	row "vitals summary (retained)" "$rw" "$rc" "$rr" "RSS/file $(ratio "$rr" "$fmb")"
	row "vitals summary --paths 20" "$pw" "$pc" "$pr" \
		"paths add $(pct "$pc" "$rc")% cpu, $(pct "$pw" "$rw")% wall to retained sizes alone; target <= 30"

	[ -n "$jw" ] && row "vitals --no-retained, jansson DOM" "$jw" "$jc" "$jr" \
		"tokenizer: $(ratio "$jw" "$sw")x faster (wall), $(ratio "$jc" "$sc")x (cpu), $(ratio "$jr" "$sr")x less RSS"
	[ -n "$mw" ] && row "memlab parse + summary" "$mw" "$mc" "$mr" \
		"vitals --no-retained: $(ratio "$mw" "$sw")x faster (wall), $(ratio "$mc" "$sc")x (cpu); target >= 10"
	[ -n "$fw" ] && row "memlab full load (dominators)" "$fw" "$fc" "$fr" \
		"vitals retained: $(ratio "$fw" "$rw")x faster (wall), $(ratio "$fc" "$rc")x (cpu); target >= 5"
	awk "BEGIN { exit !($sr <= $fmb) }" && echo "   peak RSS of summary <= file size: yes" ||
		echo "   peak RSS of summary <= file size: NO"
	# the explorer: best of $runs opens (each then drives its keys, median
	# of 5 each); its phases go to stderr like the summary's timings
	# with the file before it in $sizes as BEFORE, the diff explorer too
	# (not the same process: V8's ids match only in part, enough for
	# classes with new and old objects)
	# shellcheck disable=SC2086
	best "$build/bench/explore_bench" "$f" 5 $prev
	ow=$(sed -n 's/^open \([0-9.]*\) s.*/\1/p' "$dir/cmd.out"); km=$(sed -n 's/^max key \([0-9.]*\) ms/\1/p' "$dir/cmd.out")
	oc=$(sed -n 's/^open cpu \([0-9.]*\) s.*/\1/p' "$dir/cmd.out"); kmed=$(sed -n 's/^median key \([0-9.]*\) ms/\1/p' "$dir/cmd.out")
	rt=$(sed -n 's/^retained \([0-9.]*\) s.*/\1/p' "$dir/cmd.out"); rtc=$(sed -n 's/^retained .*cpu \([0-9.]*\) s.*/\1/p' "$dir/cmd.out")
	# the peak of the one-file explorer (the process's includes the diff's)
	rss=$(sed -n 's/^retained .*peak RSS \([0-9]*\) MB.*/\1/p' "$dir/cmd.out")
	grep -E '^(phase|key)' "$dir/cmd.out" | sed 's/^/   /' >&2 || true
	row "vitals heap explore: open" "$ow" "$oc" "$rss" \
		"$(ratio "$ow" "$rw")x the retained summary's wall, $(ratio "$oc" "$rc")x its cpu; RSS/file $(ratio "$rss" "$fmb")"
	row "vitals heap explore: retained in" "$rt" "$rtc" "-" "from the start (the keys that open a row wait for it)"
	row "vitals heap explore: per key" "-" "-" "-" "median $kmed ms, slowest $km ms (target < 50)"
	if [ -n "$prev" ]; then
		dw=$(sed -n 's/^diff open \([0-9.]*\) s.*/\1/p' "$dir/cmd.out"); dc=$(sed -n 's/^diff open .* cpu \([0-9.]*\) s;.*/\1/p' "$dir/cmd.out")
		de=$(sed -n 's/^key diff: Enter (most new, first) *\([0-9.]*\) ms \(.*\)/\1 ms \2/p' "$dir/cmd.out")
		row "vitals heap explore BEFORE FILE" "$dw" "$dc" "-" "BEFORE $(basename "$prev"); first Enter on the most new: $de"
	fi
	[ -n "$fw" ] && row "memlab full load (no explorer)" "$fw" "$fc" "$fr" \
		"explore opens $(ratio "$fw" "$ow")x faster (wall), $(ratio "$fc" "$oc")x (cpu), $(ratio "$fr" "$rss")x less RSS"
	awk "BEGIN { exit !($ow <= 2) }" && echo "   explore open <= 2 s wall: yes" ||
		echo "   explore open <= 2 s wall: NO (load $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores)"
	prev=$f
done

# gen3 MB — $dir/leak-MB-{baseline,target,final}.heapsnapshot unless cached:
# the data of gen() plus, per round, units/20 requests that each leak one
# Session into an array in a closure and make garbage.
gen3() {
	p=$dir/leak-$1
	[ -s "$p-final.heapsnapshot" ] && return 0
	units=$(( ($1 * 1000000 - 3500000) / 600 ))
	[ "$units" -gt 0 ] || units=1000
	echo "generating $p-*.heapsnapshot ($units units)..." >&2
	"$NODE" --max-old-space-size=8192 -e '
"use strict";
const v8 = require("v8"), fs = require("fs");
const [out, units] = [process.argv[1], Number(process.argv[2])];
class Record { constructor(i) { this.id = i; this.name = "record-" + i; this.tags = [i, i + 1]; } }
class Session { constructor(i) { this.id = i; this.user = "user-" + i; this.items = [i, i + 1, i + 2]; } }
const keep = { records: [] };
for (let i = 0; i < units; i++) keep.records.push(new Record(i));
globalThis.keep = keep;
const handler = (() => { const sessions = []; return (i) => { sessions.push(new Session(i)); return JSON.stringify({ i, t: [i, i] }).length; }; })();
globalThis.server = { handler };
let next = 0;
const round = () => { for (let i = 0; i < units / 20; i++) handler(next++); };
const snap = (name) => { v8.writeHeapSnapshot(out + "-" + name + ".tmp"); fs.renameSync(out + "-" + name + ".tmp", out + "-" + name + ".heapsnapshot"); };
round(); snap("baseline"); round(); snap("target"); round(); snap("final");
' "$p" "$units"
}

for mb in $lsizes; do gen3 "$mb"; done
for mb in $lsizes; do
	p=$dir/leak-$mb
	fmb=$(awk "BEGIN { printf \"%.1f\", $(stat -c %s "$p-final.heapsnapshot") / 1048576 }")
	echo
	echo "== leaks: $p-{baseline,target,final}.heapsnapshot, $fmb MB each"
	# shellcheck disable=SC2086
	best $heap leaks --json --timing "$p-baseline.heapsnapshot" "$p-target.heapsnapshot" "$p-final.heapsnapshot"
	lw=$wall; lc=$cpu; lr=$rss
	vtop=$("$NODE" -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const c = l.clusters[0];
		console.log(l.cluster_count + " clusters; top: " + c.count + " x " + c.hops.map((h) => (h.edge ? h.edge + " " : "") + "(" + h.node + ")").join(" \u203a "))' "$dir/cmd.out")
	measure "$NODE" --max-old-space-size=16384 "$here/memlab_leaks.js" "$p-baseline.heapsnapshot" "$p-target.heapsnapshot" "$p-final.heapsnapshot"
	mw=$wall; mc=$cpu; mr=$rss
	mtop=$("$NODE" -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		console.log(l.clusters + " clusters; top: " + (l.top[0] ? l.top[0].hops : "none"))' "$dir/cmd.out")
	row "vitals heap leaks" "$lw" "$lc" "$lr" "$(ratio "$mw" "$lw")x faster (wall), $(ratio "$mc" "$lc")x (cpu); target >= 5"
	row "memlab findLeaks" "$mw" "$mc" "$mr" "(--trace-all-objects)"
	echo "   vitals: $vtop"
	echo "   memlab: $mtop"
done
