#!/bin/sh
exec ./fuzz/fuzz_cli "$VITALS_SRCDIR/fuzz/corpus/cli"
