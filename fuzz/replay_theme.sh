#!/bin/sh
exec ./fuzz/fuzz_theme "$VITALS_SRCDIR/fuzz/corpus/theme"
