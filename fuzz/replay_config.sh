#!/bin/sh
exec ./fuzz/fuzz_config "$VITALS_SRCDIR/fuzz/corpus/config"
