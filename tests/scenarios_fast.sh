#!/bin/sh
# CI variant of the alert scenarios (tests/scenarios/run.sh --fast): real node
# programs under `vitals --json`, high leak rates and short windows; every
# leak and the blocked loop must be detected and the healthy programs must
# raise no alarm.  All scenarios run in parallel (~70 s).
. "$VITALS_SRCDIR/tests/lib.sh"
need "$NODE"
[ -x "$VITALS" ] || { echo "SKIP: no vitals binary"; exit 77; }
"$VITALS" --help 2>&1 | grep -q -- '--json' || { echo "SKIP: vitals has no --json mode"; exit 77; }
out=$(mktemp -d /tmp/vitals-scen.XXXXXX)
VITALS="$VITALS" sh "$VITALS_SRCDIR/tests/scenarios/run.sh" --fast --outdir "$out"
rc=$?
[ $rc = 0 ] && rm -rf "$out" || echo "outputs kept in $out"
exit $rc
