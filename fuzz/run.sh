#!/bin/sh
# fuzz/run.sh NAME [SECONDS] — build fuzz/fuzz_NAME.c with clang + libFuzzer +
# ASan/UBSan against the library sources and fuzz it from its seed corpus.
set -eu
name=$1; secs=${2:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-/tmp/vitals-fuzz}; mkdir -p "$out/corpus-$name"
srcs=$(cd "$top" && ls base/*.c collectors/*.c heap/*.c profile/*.c themes/*.c 2>/dev/null | tr '\n' ' ')
# harnesses of tui/ code take only the files they need (the rest wants the
# curses screen and config.h)
case $name in
cli) srcs="$srcs tui/cli.c" ;;
prom) srcs="$srcs export/prom_exposition.c" ;;
record) srcs="$srcs record/recfile.c record/rec_lines.c record/rec_time.c" ;;
keys) srcs="$srcs $(cd "$top" && ls tui/keys.c tui/lineedit.c tui/rows.c tui/view.c tui/view_overview.c widgets/*.c | tr '\n' ' ')" ;;
esac
# config.h as configure writes it, as far as these sources use it
mkdir -p "$out/cfg"
printf '#define PACKAGE_VERSION "fuzz"\n' >"$out/cfg/config.h"
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -std=gnu11 \
	-DVITALS_DATADIR='"/nonexistent"' -DVITALS_SRCDIR="\"$top\"" -I"$top" -I"$out/cfg" \
	$(pkg-config --cflags ncursesw libproc2 libuv jansson inih nettle) \
	"$top/fuzz/fuzz_$name.c" $(cd "$top" && for s in $srcs; do printf '%s/%s ' "$top" "$s"; done) \
	$(pkg-config --libs ncursesw libproc2 libuv jansson inih nettle) -lwslay -lz -lm -o "$out/fuzz_$name"
"$out/fuzz_$name" -max_total_time="$secs" "$out/corpus-$name" "$top/fuzz/corpus/$name"
