#!/bin/sh
exec ./fuzz/fuzz_launch_log "$VITALS_SRCDIR/fuzz/corpus/launch_log"
