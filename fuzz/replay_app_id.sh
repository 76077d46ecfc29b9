#!/bin/sh
exec ./fuzz/fuzz_app_id "$VITALS_SRCDIR/fuzz/corpus/app_id"
