#!/bin/sh
exec ./fuzz/fuzz_bundle "$VITALS_SRCDIR/fuzz/corpus/bundle"
