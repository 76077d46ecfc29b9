#!/bin/sh
# The probe's own tests (probe/test/*.test.js) under node's test runner: real
# node children with the probe loaded every supported way, checked over its
# socket. Skipped (77) when node is missing.
: "${VITALS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${NODE:=node}"
command -v "$NODE" >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }
export NODE
exec "$NODE" --test "$VITALS_SRCDIR"/probe/test/*.test.js
