#!/bin/sh
exec ./fuzz/fuzz_alerts "$VITALS_SRCDIR/fuzz/corpus/alerts"
