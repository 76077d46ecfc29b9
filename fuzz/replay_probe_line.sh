#!/bin/sh
exec ./fuzz/fuzz_probe_line "$VITALS_SRCDIR/fuzz/corpus/probe_line"
