#!/bin/sh
# scan-build.sh — clang's static analyzer over the whole tree (the program,
# tests, fuzz harnesses and benches) in _scan/; lists each report as
# file:line and fails on any report that is not explained by a comment
# containing "scan-build:" on that line or the three above it.  The
# convention: fix what is real; where the analyzer cannot see an invariant,
# say which at the spot.  Takes a few minutes; not part of make check.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/_scan
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
rm -rf "$out" && mkdir -p "$out/build"
cd "$out/build"
scan-build "$top/configure" -q >/dev/null
scan-build -o "$out/reports" make -s -j"$(nproc)" check TESTS= >"$out/scan.log" 2>&1 || {
	tail -30 "$out/scan.log"; exit 1; }
bad=0 n=0
for loc in $(sed -n 's|^\([^ ]*\.c\):\([0-9]*\):[0-9]*: warning: .*\[[a-zA-Z.]*\]$|\1:\2|p' "$out/scan.log" | sort -u); do
	f=${loc%:*} l=${loc##*:}
	f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
	n=$((n + 1))
	from=$((l > 3 ? l - 3 : 1))
	if sed -n "${from},${l}p" "$f" | grep -q 'scan-build:'; then
		echo "explained: ${f#"$top"/}:$l"
	else
		echo "REPORT:    ${f#"$top"/}:$l  $(grep -F "$loc" "$out/scan.log" | head -1 | sed 's/.*warning: //')"
		bad=$((bad + 1))
	fi
done
echo "$n reports, $bad not explained (HTML: $out/reports)"
[ "$bad" -eq 0 ]
