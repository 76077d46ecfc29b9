#!/bin/sh
exec ./fuzz/fuzz_heap_snapshot "$VITALS_SRCDIR/fuzz/corpus/heap_snapshot"
