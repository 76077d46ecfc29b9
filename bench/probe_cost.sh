#!/bin/sh
# The probe's cost, in one run:
#  1. idle apps (bench/fixtures/probe_idle.js): the summed CPU of N idle node
#     apps without the probe, with it loaded, and with one dashboard attached
#     to all at 1 Hz; per app and its excess over no probe. Target: <= 0.02 %
#     of a core per idle attached app.
#  2. a busy HTTP server (bench/fixtures/probe_cost.js): autocannon req/s
#     without the probe, with it loaded but idle, and with a dashboard at 1 Hz
#     and 10 Hz, in interleaved rounds; medians and ratios to the baseline,
#     then µs per sample. Target: <= 1% loss at 1 Hz.
#  3. (PARTS=ab) the same target within one server: a dashboard at 1 Hz comes
#     and goes every PHASE_MS under steady autocannon load, and the server's
#     main-thread CPU per request is compared phase by phase
#     (bench/fixtures/probe_http_ab.js): on a machine shared with other work,
#     where req/s of separate rounds moves by tens of %.
#  4. (PARTS=prof) the probe's share of that server's main thread from V8's
#     CPU profile (--cpu-prof): samples with a probe frame on the stack, by
#     the outermost one (bench/fixtures/probe_http_prof.js); PROBES="A B"
#     alternates probe files in one run (a before/after).
# Part 2 needs autocannon: bench/node_modules (scripts/install-deps --bench)
# or tests/apps/node_modules (scripts/install-deps).
# Knobs: N (20 idle apps), IDLE_DURATION (20 s), IDLE_ROUNDS (3),
# IDLE_VARIANTS; ROUNDS (5), DURATION (8 s), CONNECTIONS (50), VARIANTS (also
# idle-b 1hz-b 10hz-b: with VITALS_PROBE_B, another probe file in the same
# rounds), PIN (1); SERVER (fastify: tests/apps/http_app.js); PHASES (20),
# PHASE_MS (3000), SETTLE_MS (500); PROBES, PROF_S (20), WARM_S (5);
# PARTS ("idle http"; ab; prof); NODE;
# VITALS_PROBE (the probe file to measure).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
NODE=${NODE:-node}
command -v "$NODE" >/dev/null 2>&1 || { echo "probe_cost: node not found" >&2; exit 2; }
for part in ${PARTS:-idle http}; do
	case $part in
	idle) "$NODE" "$here/fixtures/probe_idle.js" ;;
	http) "$NODE" "$here/fixtures/probe_cost.js" ;;
	ab) "$NODE" "$here/fixtures/probe_http_ab.js" ;;
	prof) "$NODE" "$here/fixtures/probe_http_prof.js" ;;
	acct) "$NODE" "$here/fixtures/probe_http_acct.js" ;;
	*) echo "probe_cost: unknown part '$part' (idle, http, ab, prof, acct)" >&2; exit 2 ;;
	esac
done
