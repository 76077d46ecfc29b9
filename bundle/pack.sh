#!/bin/sh
# pack.sh STUB VITALS DATADIR OUT [LIB...] — write OUT, the one-file vitals:
# STUB (bundle/bundle_stub) carrying VITALS (an installed, dynamic binary;
# stripped here), every shared library `ldd` names for it under its soname,
# each LIB it dlopen()s (libmicrohttpd, for --prometheus) with what that
# needs, their loader as ld.so, DATADIR (the installed share/vitals: probe,
# themes, demo) and the compiled terminfo entries of common terminals found
# on this machine.  The layout bundle_main.c runs: bin/vitals, lib/, ld.so,
# share/vitals/, terminfo/.
set -eu
stub=$1 exe=$2 data=$3 out=$4
shift 4
root=$(mktemp -d "${TMPDIR:-/tmp}/vitals-bundle-root.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM
mkdir -p "$root/bin" "$root/lib" "$root/share" "$root/terminfo"
cp "$exe" "$root/bin/vitals"
strip --strip-unneeded "$root/bin/vitals" 2>/dev/null || :
cp -R "$data" "$root/share/vitals"
loader=
# add_needed FILE — the libraries FILE needs (ldd: all of them, transitively)
add_needed() {
	ldd "$1" > "$root/ldd.txt"
	if grep -q 'not found' "$root/ldd.txt"; then
		echo "pack.sh: libraries of $1 not found: $(grep 'not found' "$root/ldd.txt" | tr '\n' ' ')" >&2
		exit 1
	fi
	while read -r name arrow path rest; do
		case $arrow in
		"=>") [ -n "$path" ] && [ "${path#/}" != "$path" ] && cp -L "$path" "$root/lib/$name" ;;
		*) case $name in /*) loader=$name ;; esac ;;
		esac
	done < "$root/ldd.txt"
	rm "$root/ldd.txt"
}
add_needed "$exe"
[ -n "$loader" ] || { echo "pack.sh: no loader (PT_INTERP) in $exe: a static binary needs no bundle" >&2; exit 1; }
cp -L "$loader" "$root/ld.so"
for lib in "$@"; do
	[ -f "$lib" ] || { echo "pack.sh: $lib (dlopen()ed by vitals) not found" >&2; exit 1; }
	add_needed "$lib"
	cp -L "$lib" "$root/lib/$(basename "$lib")"
done
for t in xterm xterm-256color xterm-color screen screen-256color tmux tmux-256color linux vt100 \
	vt220 ansi dumb rxvt-unicode rxvt-unicode-256color alacritty xterm-kitty foot st-256color; do
	for d in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
		f=$d/$(printf %.1s "$t")/$t
		if [ -f "$f" ]; then
			mkdir -p "$root/terminfo/$(printf %.1s "$t")"
			cp -L "$f" "$root/terminfo/$(printf %.1s "$t")/$t"
			break
		fi
	done
done
"$stub" --pack "$out" "$root"
