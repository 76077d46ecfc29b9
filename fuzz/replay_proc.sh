#!/bin/sh
exec ./fuzz/fuzz_proc "$VITALS_SRCDIR/fuzz/corpus/proc"
