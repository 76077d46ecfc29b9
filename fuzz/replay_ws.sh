#!/bin/sh
exec ./fuzz/fuzz_ws "$VITALS_SRCDIR/fuzz/corpus/ws"
