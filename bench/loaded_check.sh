#!/bin/bash
# `make check` RUNS times in a row on a loaded machine (issue 15: a suite that
# never flakes). Each run builds a fresh tree (out of tree, in $OUT/run.N) so
# no run sees another's leftovers, with LOOPS busy loops (bounded: they die
# with the run) competing for the cores the whole time, besides whatever
# else the machine is doing. Per run: pass/fail counts, wall time, the load
# average before and after; a failed run's test logs are kept in
# $OUT/fail.N. Stops at the first red run unless KEEP_GOING=1.
# Knobs: RUNS (5), LOOPS (1: busy loops, each `nice -n 0` at full speed),
# JOBS (nproc), OUT (/tmp/loaded_check).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
LOOPS=${LOOPS:-1}
JOBS=${JOBS:-$(nproc)}
OUT=${OUT:-/tmp/loaded_check}
mkdir -p "$OUT"
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)

loops=()
stop_loops() {
	for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done
	loops=()
}
trap 'stop_loops; exit 130' INT TERM
trap stop_loops EXIT

load() { cut -d' ' -f1 /proc/loadavg; }
green=0
for run in $(seq 1 "$RUNS"); do
	b=$OUT/run.$run
	rm -rf "$b" "$OUT/fail.$run" && mkdir -p "$b"
	for _ in $(seq 1 "$LOOPS"); do
		# a busy loop that ends on its own after 2 h at the latest
		timeout 7200 sh -c 'while :; do :; done' &
		loops+=($!)
	done
	l0=$(load); t0=$(date +%s)
	(cd "$b" && "$top/configure" -q >/dev/null && make -s -j"$JOBS" >build.log 2>&1 &&
		make -j"$JOBS" check >check.log 2>&1)
	rc=$?
	t=$(($(date +%s) - t0)); l1=$(load)
	stop_loops
	pass=$(sed -n 's/^# PASS: *//p' "$b/test-suite.log" 2>/dev/null | head -1)
	fail=$(sed -n 's/^# FAIL: *//p' "$b/test-suite.log" 2>/dev/null | head -1)
	err=$(sed -n 's/^# ERROR: *//p' "$b/test-suite.log" 2>/dev/null | head -1)
	echo "run $run: rc $rc, pass ${pass:-?} fail ${fail:-?} error ${err:-?}, ${t} s, load $l0 -> $l1, $LOOPS busy loop(s), -j$JOBS"
	if [ "$rc" -ne 0 ]; then
		mkdir -p "$OUT/fail.$run"
		for trs in $(grep -l ':test-result: \(FAIL\|ERROR\)' "$b"/tests/*.trs "$b"/fuzz/*.trs 2>/dev/null); do
			cp "${trs%.trs}.log" "$OUT/fail.$run/" 2>/dev/null
			echo "  failed: $(basename "${trs%.trs}")"
		done
		[ "${KEEP_GOING:-0}" = 1 ] || { echo "green in a row: $green of $RUNS"; exit 1; }
		green=0
	else
		green=$((green + 1))
		rm -rf "$b"
	fi
done
echo "green in a row: $green of $RUNS"
[ "$green" -eq "$RUNS" ]
