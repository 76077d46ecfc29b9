#!/bin/sh
exec ./fuzz/fuzz_probe_frame "$VITALS_SRCDIR/fuzz/corpus/probe_frame"
