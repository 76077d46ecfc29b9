#!/bin/sh
# The probe's cost to a busy Node HTTP server: autocannon req/s without the
# probe, with it loaded but idle, and with a dashboard connected at 1 Hz and
# 10 Hz, in interleaved rounds of one run; medians and ratios to the baseline,
# then µs per sample. Target: <= 1% loss at 1 Hz.
# Needs bench/node_modules (scripts/install-deps --bench).
# Knobs: ROUNDS (5), DURATION (8 s), CONNECTIONS (50), VARIANTS, PIN (1), NODE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
NODE=${NODE:-node}
command -v "$NODE" >/dev/null 2>&1 || { echo "probe_cost: node not found" >&2; exit 2; }
exec "$NODE" "$here/fixtures/probe_cost.js"
