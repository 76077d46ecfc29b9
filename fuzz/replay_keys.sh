#!/bin/sh
exec ./fuzz/fuzz_keys "$VITALS_SRCDIR/fuzz/corpus/keys"
