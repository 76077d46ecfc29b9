#!/bin/sh
exec ./fuzz/fuzz_heap_diff "$VITALS_SRCDIR/fuzz/corpus/heap_diff"
