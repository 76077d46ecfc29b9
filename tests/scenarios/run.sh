#!/bin/sh
# run.sh — run the alert scenarios under `vitals --json` and tabulate which
# alerts fired and when (see README.md).
#
#   run.sh [--fast] [--attach] [--targets] [--duration S] [--rate KB]
#          [--only a,b@500,...] [--outdir DIR] [--nice N] [--set KEY=VALUE]
#
# Default: every scenario at LEAK_KB_PER_S=1000 (or --rate) for 600 s with
# the default alert settings; NAME@KB runs one at its own rate.  --fast:
# the CI variant — 3000 KB/s, 65 s, default leak settings, short handle
# window.  --attach: start each program plainly and attach vitals to it
# (SIGUSR1 + inspector on port 9229: run it in a network namespace) instead
# of launching it with the probe.  --targets: a heap leak that fires later
# than its rate's target (>= 2 MB/s: 60 s, >= 500 KB/s: 120 s, >= 100 KB/s:
# 300 s, after the first heap sample) fails.  --nice N: attached programs
# run at that niceness.  --set KEY=VALUE: one more [alerts] key (e.g.
# leak_gc_s=0: the leak rule without the GCs it asks for).  All scenarios
# run in parallel; each vitals stops itself after --duration and takes its child down;
# stragglers are killed.  Exit status 1 if a leak or the blocked loop was
# missed or a healthy program raised an alarm.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${NODE:=node}"
: "${VITALS:=${VITALS_BUILDDIR:-.}/vitals}"
fast=0 attach=0 targets=0 nice="" duration="" rate="" only="" outdir="" sets=""
while [ $# -gt 0 ]; do
	case $1 in
	--fast) fast=1 ;;
	--attach) attach=1 ;;
	--targets) targets=1 ;;
	--nice) nice="nice -n $2"; shift ;;
	--duration) duration=$2; shift ;;
	--rate) rate=$2; shift ;;
	--only) only=$2; shift ;;
	--outdir) outdir=$2; shift ;;
	--set) sets="$sets$2
"; shift ;;
	-h|--help) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$duration$rate" in *[!0-9]*) echo "run.sh: --duration and --rate take whole numbers" >&2; exit 2 ;; esac
[ -x "$VITALS" ] || { echo "run.sh: no vitals binary at $VITALS (set VITALS=...)" >&2; exit 2; }
command -v "$NODE" >/dev/null 2>&1 || { echo "run.sh: node not found" >&2; exit 2; }

# noprobe_leak: leak_global_array started without the probe and watched by
# PID, so only /proc is seen (the RSS leak rule).  lazygc_NAME: scenario NAME
# with V8's major GCs put off (node --initial-old-space-size=1024: no
# mark-compact until the old generation nears 1 GB), so for minutes no GC
# tells live data from promoted garbage (e.g. lazygc_leak_global_array@2048,
# lazygc_healthy_late_gc@10000).
all="leak_global_array leak_listeners leak_intervals leak_closures noprobe_leak lazygc_leak_global_array blocked_loop
healthy_lru healthy_bursty healthy_garbage healthy_cpu healthy_cache_fill healthy_big_alloc
healthy_late_gc healthy_stepped_load"
names=$(echo $all)
[ -n "$only" ] && names=$(echo "$only" | tr ',' ' ')
for n in $names; do
	b=${n%@*}; b=${b#lazygc_}
	case $n in *@*) case ${n#*@} in ''|*[!0-9]*) echo "run.sh: '$n': NAME@KB takes a whole number" >&2; exit 2 ;; esac ;; esac
	[ -f "$here/$b.js" ] || [ "$b" = noprobe_leak ] ||
		{ echo "run.sh: no scenario '$b' (have: $(echo $all))" >&2; exit 2; }
done

[ -n "$outdir" ] || outdir=$(mktemp -d /tmp/vitals-scenarios.XXXXXX)
mkdir -p "$outdir" || exit 2
cfg="$outdir/alerts.conf"
if [ $fast = 1 ]; then
	: "${duration:=65}" "${rate:=3000}"
	# The heap and RSS leak rules at their defaults (a 3 MB/s leak shows
	# in ~35 s); a short handle window; the stall settings leave room for a
	# loaded CI machine, where a starved healthy loop can lag 300+ ms.
	# The healthy look-alikes are scaled to the run's 65 s.
	cat >"$cfg" <<-EOC
	[alerts]
	handle_window_s = 20
	handle_min_growth = 20
	stall_ms = 250
	stall_samples = 4
	resolve_s = 10
	EOC
	export LRU_FILL_S=5 BLOCK_MS=600 BIG_AT_S=15 BIG_KEEP_S=30 STEP_S=12
else
	: "${duration:=600}" "${rate:=1000}"
	printf '[alerts]\n' >"$cfg"	# defaults, and no user config
fi
printf '%s' "$sets" >>"$cfg"
export SCENARIO_MAX_S=$((duration + 60))
# A private socket directory unless the caller (tests/lib.sh) gave one.
if [ -z "${VITALS_SOCK_DIR:-}" ]; then
	VITALS_SOCK_DIR=$(mktemp -d /tmp/vitals-sock.XXXXXX)
	export VITALS_SOCK_DIR
	own_sock=1
else
	own_sock=0
fi

pids="" bare=""
cleanup() {
	for p in $pids $bare; do kill "$p" 2>/dev/null; done
	[ $own_sock = 1 ] && rm -rf "$VITALS_SOCK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "scenarios: $names"
echo "mode: $([ $fast = 1 ] && echo fast || echo default)$([ $attach = 1 ] && echo ', attach'), LEAK_KB_PER_S=$rate, ${duration} s each, output in $outdir"
# Attach mode (and noprobe_leak): start the programs first, plainly, and
# give them time to set up (a SIGUSR1 before node installs its handler
# kills it; on a loaded machine a busy program took more than 3 s to answer
# one); then a vitals per program, a second apart (attaches are serialised
# by a lock that a waiting vitals gives up on).
rm -f "$outdir"/*.pid
for n in $names; do
	b=${n%@*} r=$rate flags=""
	case $b in lazygc_*) b=${b#lazygc_} flags=--initial-old-space-size=1024 ;; esac
	case $n in *@*) r=${n#*@} ;; esac
	echo "$r" >"$outdir/$n.rate"
	if [ "$b" = noprobe_leak ] || [ $attach = 1 ]; then
		js=$b; [ "$b" = noprobe_leak ] && js=leak_global_array
		date +%s%3N >"$outdir/$n.start"
		LEAK_KB_PER_S=$r $nice "$NODE" $flags "$here/$js.js" </dev/null >/dev/null 2>&1 &
		bare="$bare $!"
		echo $! >"$outdir/$n.pid"
	fi
done
[ -n "$bare" ] && sleep 10
for n in $names; do
	b=${n%@*} r=$(cat "$outdir/$n.rate") flags=""
	case $b in lazygc_*) b=${b#lazygc_} flags=--initial-old-space-size=1024 ;; esac
	if [ -f "$outdir/$n.pid" ]; then
		how=""; [ "$b" != noprobe_leak ] && how=--attach
		"$VITALS" --json --duration "$duration" --config "$cfg" $how "$(cat "$outdir/$n.pid")" \
			>"$outdir/$n.jsonl" 2>"$outdir/$n.err" </dev/null &
		[ $attach = 1 ] && sleep 1
	else
		date +%s%3N >"$outdir/$n.start"
		LEAK_KB_PER_S=$r "$VITALS" --json --duration "$duration" --config "$cfg" -- "$NODE" $flags "$here/$b.js" \
			>"$outdir/$n.jsonl" 2>"$outdir/$n.err" </dev/null &
	fi
	pids="$pids $!"
done

# Wait for every run, with a deadline well past --duration.
deadline=$(( $(date +%s) + duration + 30 ))
for p in $pids; do
	while kill -0 "$p" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "run.sh: vitals $p still running after $((duration + 30)) s, killing it" >&2
			kill "$p" 2>/dev/null
			break
		fi
		sleep 1
	done
	wait "$p" 2>/dev/null
done
for p in $bare; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids="" bare=""

SUMMARY_TARGETS=$targets "$NODE" "$here/summarize.js" "$outdir" $names
rc=$?
for n in $names; do
	if [ -s "$outdir/$n.err" ]; then
		echo "stderr of $n:"; head -5 "$outdir/$n.err" | sed 's/^/  /'
	fi
done
exit $rc
