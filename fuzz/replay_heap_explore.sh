#!/bin/sh
exec ./fuzz/fuzz_heap_explore "$VITALS_SRCDIR/fuzz/corpus/heap_explore"
