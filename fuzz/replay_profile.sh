#!/bin/sh
exec ./fuzz/fuzz_profile "$VITALS_SRCDIR/fuzz/corpus/profile"
