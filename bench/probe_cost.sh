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
#  3. (PARTS=ab) the same target as main-thread CPU per request, with a 95 %
#     bootstrap interval and a null control (bench/fixtures/probe_http_ab.js):
#     on a machine shared with other work, where req/s of separate rounds
#     moves by tens of %, two servers share one CPU so that both see the same
#     moment of it. STEADY=1 (the target's figure): fresh pairs of servers,
#     one with a dashboard from its start; else a dashboard comes and goes in
#     short phases (which adds the deoptimisations of each switch).
#     TREAT=dc: empty channel subscribers instead (Node's and fastify's
#     channel code alone).
#  4. (PARTS=prof) the probe's share of that server's main thread from V8's
#     CPU profile (--cpu-prof): samples with a probe frame on the stack, by
#     the outermost one (bench/fixtures/probe_http_prof.js); PROBES="A B"
#     alternates probe files in one run (a before/after).
#  5. (PARTS=acct) the probe's own accounting of its parts in that server
#     (VITALS_PROBE_ACCT=1): calls, µs a call, ns per request, share of the
#     span, per part (bench/fixtures/probe_http_acct.js).
# Part 2 needs autocannon: bench/node_modules (scripts/install-deps --bench)
# or tests/apps/node_modules (scripts/install-deps).
# Knobs: N (20 idle apps), IDLE_DURATION (20 s), IDLE_ROUNDS (3),
# IDLE_VARIANTS; ROUNDS (5), DURATION (8 s), CONNECTIONS (50), VARIANTS (also
# idle-b 1hz-b 10hz-b: with VITALS_PROBE_B, another probe file in the same
# rounds), PIN (1); SERVER (fastify: tests/apps/http_app.js); ab: STEADY,
# ROUNDS, BLOCKS, SERVERS, TREAT, MEAS_MS, SETTLE_MS, WARM_MS, SEED (see its
# file); PROBES, PROF_S (20), WARM_S (5); acct: ACCT_S, SKIP_S;
# PARTS ("idle http"; ab; prof; acct); NODE;
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
