#!/bin/sh
# bench/frame.sh [FRAMES] — how much drawing the overview costs.
# Builds bench/frame_bench (in the build directory you run this from, or
# $VITALS_BUILDDIR) and runs it: 50 attached processes with an hour of 1 Hz
# history, GC events and alerts; median/p99 CPU time per frame (draw +
# doupdate, output to /dev/null) at 80x24 and 200x50 against a plain-text
# baseline frame measured in the same run, and terminal bytes per second at
# 1 Hz over 60 simulated ticks.  Target: < 1 ms per frame.
set -eu
build=${VITALS_BUILDDIR:-$(pwd)}
frames=${1:-1000}
make -C "$build" -s bench/frame_bench >/dev/null
exec "$build/bench/frame_bench" "$frames"
