#!/bin/sh
exec ./fuzz/fuzz_prom "$VITALS_SRCDIR/fuzz/corpus/prom"
