#!/bin/sh
# bench/cost.sh — issue 12's figures in one command and one run:
#   1. bench/watch_cost.sh   vitals not attached, attached and --json next to
#                            htop and btop at N = 1 10 50 200 idle probed apps:
#                            CPU %, peak RSS, ratios to htop of the same window
#   2. bench/probe_cost.sh   (idle part) the summed CPU of N_IDLE idle apps
#                            without the probe, with it loaded, attached at 1 Hz
#   3. bench/attach_many.sh  attach throughput at 50 and 200 apps; the first
#                            heap sample's latency after an attach
# with the load average before and after (on a shared machine only the ratios
# within one window compare).  Attaches use port 9229, so the whole run goes
# into a private network namespace (unshare -n) unless it is in one already
# (VITALS_BENCH_NETNS=1).  ~15 minutes.
#
# Usage: bench/cost.sh [BUILD_DIR]
# Env: NS (watch_cost's, "1 10 50 200"), N_IDLE (20), ATTACH_NS ("50 200"),
#      BASE (another build's vitals beside ours in watch_cost), SKIP ("watch
#      idle attach": parts to leave out)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-${VITALS_BUILDDIR:-.}}" && pwd)
if [ "${VITALS_BENCH_NETNS:-}" != 1 ]; then
	exec unshare -n env VITALS_BENCH_NETNS=1 sh -c 'ip link set lo up && exec "$0" "$1"' "$0" "$BUILD"
fi
SKIP=${SKIP:-}
skip() { case " $SKIP " in *" $1 "*) return 0 ;; esac; return 1; }
echo "== bench/cost.sh $(date -u +%FT%TZ), build $BUILD"
echo "uptime at start: $(uptime)"
if ! skip watch; then
	echo
	echo "== 1. watching N idle probed apps (bench/watch_cost.sh)"
	"$here/watch_cost.sh" "$BUILD"
fi
if ! skip idle; then
	echo
	echo "== 2. what the probe costs idle apps (bench/probe_cost.sh, idle part)"
	N=${N_IDLE:-20} PARTS=idle "$here/probe_cost.sh"
fi
if ! skip attach; then
	echo
	echo "== 3. attaching (bench/attach_many.sh)"
	NS=${ATTACH_NS:-50 200} "$here/attach_many.sh" "$BUILD"
fi
echo
echo "uptime at end: $(uptime)"
