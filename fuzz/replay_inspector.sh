#!/bin/sh
exec ./fuzz/fuzz_inspector "$VITALS_SRCDIR/fuzz/corpus/inspector"
