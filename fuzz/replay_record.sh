#!/bin/sh
exec ./fuzz/fuzz_record "$VITALS_SRCDIR/fuzz/corpus/record"
