#!/bin/sh
# completion.sh — the shell completions (completions/) against the program:
# bash through its completion function and compgen (every option that
# `vitals --help`, `vitals heap --help` and `vitals profile --help` list is
# offered, theme names are those of themes/ plus the user's, files by
# extension, the PID of a running node, a command after "--"); fish through
# `complete -C`; zsh by syntax and by its option list.  fish and zsh parts
# are skipped when the shell is not installed.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need bash
T=$VITALS_SOCK_DIR
C=$VITALS_SRCDIR/completions

# a node process whose PID must be offered; files of each kind
start_bg "$NODE" -e 'setTimeout(() => {}, 60000)'
NODE_PID=$!
mkdir -p "$T/files" "$T/config/vitals/themes"
: >"$T/files/a.heapsnapshot"
: >"$T/files/b.cpuprofile"
: >"$T/files/c.txt"
: >"$T/config/vitals/themes/mine.theme"
wait_for 5 kill -0 "$NODE_PID" || fail "node did not start"

# the options each --help lists in its table ("  -i, --interval SECONDS ...")
opts_of() { sed -n 's/^  *\(-[a-zA-Z-]*\)\(, \(--[a-z-]*\)\)\{0,1\}.*/\1 \3/p' | tr ' ' '\n' | grep . | sort -u; }
"$VITALS" --help | opts_of >"$T/opts"
"$VITALS" heap --help | opts_of >"$T/heap_opts"
"$VITALS" profile --help | opts_of >"$T/profile_opts"
[ "$(wc -l <"$T/opts")" -gt 15 ] || fail "could not read the options from vitals --help"
ls "$VITALS_SRCDIR"/themes/*.theme | sed 's|.*/||; s|\.theme$||' | sort >"$T/themes"

# comp "LINE" — COMPREPLY for LINE (a trailing space: a new, empty word),
# one per line, sorted
cat >"$T/comp.bash" <<'EOF'
. "$1"
cd "$2" || exit 1
comp() {
	# split as bash does for completion: at blanks, and around '='
	read -ra COMP_WORDS <<<"${1//=/ = }"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vitals
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
EOF
bcomp() {
	XDG_CONFIG_HOME=$T/config bash -c '. "$1" "$2" "$3"; comp "$4"' _ "$T/comp.bash" "$C/bash/vitals" \
		"$T/files" "$1"
}
has() {	# has WORD WHAT < list
	grep -qxF -- "$1" || fail "$2: '$1' not offered"
}
# offers COMPLETER "LINE" WORD... — each WORD is among the completions
offers() {
	_f=$1 _l=$2
	shift 2
	"$_f" "$_l" >"$T/offered"
	for _w in "$@"; do has "$_w" "$_l" <"$T/offered"; done
}

# options: every one --help lists, and nothing it does not
bcomp "vitals -" | grep -v -- '^--$' >"$T/got"
diff "$T/opts" "$T/got" >/dev/null || fail "bash options differ from --help: $(diff "$T/opts" "$T/got" | tr '\n' ' ')"
bcomp "vitals heap summary -" >"$T/got"
diff "$T/heap_opts" "$T/got" >/dev/null || fail "heap options differ: $(diff "$T/heap_opts" "$T/got" | tr '\n' ' ')"
bcomp "vitals profile summary -" >"$T/got"
diff "$T/profile_opts" "$T/got" >/dev/null || fail "profile options differ: $(diff "$T/profile_opts" "$T/got" | tr '\n' ' ')"
pass "bash: the options of vitals, vitals heap and vitals profile"

offers bcomp "vitals heap " summary
offers bcomp "vitals heap " diff
offers bcomp "vitals profile " summary
[ "$(bcomp "vitals " | grep -c -e '^heap$' -e '^profile$')" -eq 2 ] || fail "subcommands not offered first"
offers bcomp "vitals heap diff --sort " size
offers bcomp "vitals profile summary --sort " total
pass "bash: subcommands and their values"

bcomp "vitals --theme " >"$T/got"
for t in $(cat "$T/themes") mine; do has "$t" "--theme" <"$T/got"; done
# a theme both built in and installed (or the user's) is offered once
cp "$VITALS_SRCDIR/themes/light.theme" "$T/config/vitals/themes/"
bcomp "vitals --theme li" >"$T/got"
[ "$(cat "$T/got")" = light ] || fail "--theme li offers: $(cat "$T/got" | tr '\n' ' ')"
offers bcomp "vitals --theme=so" solarized
pass "bash: theme names (themes/ and the user's)"

bcomp "vitals heap summary " >"$T/got"
has a.heapsnapshot "heap summary" <"$T/got"
grep -q cpuprofile "$T/got" && fail "heap summary offers a .cpuprofile"
bcomp "vitals profile summary " >"$T/got"
has b.cpuprofile "profile summary" <"$T/got"
grep -q -e heapsnapshot -e c.txt "$T/got" && fail "profile summary offers other files"
pass "bash: files by extension"

offers bcomp "vitals " "$NODE_PID"
offers bcomp "vitals --attach " "$NODE_PID"
offers bcomp "vitals 1 " "$NODE_PID"
offers bcomp "vitals --pid " "$NODE_PID"
offers bcomp "vitals --pid 1," "1,$NODE_PID"
offers bcomp "vitals -u ro" root
bcomp "vitals --theme " | grep -qxF "$NODE_PID" && fail "a PID offered as a theme"
offers bcomp "vitals -- nod" node
pass "bash: node PIDs where a PID goes ($NODE_PID), a command after --"

# --- fish: the same questions through its own completion engine ----------
if command -v fish >/dev/null 2>&1; then
	fcomp() {
		(cd "$T/files" && XDG_CONFIG_HOME=$T/config fish -N -c 'source $argv[1]; complete -C"$argv[2]"' \
			"$C/fish/vitals.fish" "$1") | cut -f1 | sort -u
	}
	fcomp "vitals -" >"$T/got"
	for o in $(cat "$T/opts"); do has "$o" "fish options" <"$T/got"; done
	fcomp "vitals heap summary -" >"$T/got"
	for o in $(cat "$T/heap_opts"); do has "$o" "fish heap options" <"$T/got"; done
	fcomp "vitals profile summary -" >"$T/got"
	for o in $(cat "$T/profile_opts"); do has "$o" "fish profile options" <"$T/got"; done
	fcomp "vitals --theme " >"$T/got"
	for t in $(cat "$T/themes") mine; do has "$t" "fish --theme" <"$T/got"; done
	offers fcomp "vitals heap " diff
	offers fcomp "vitals profile summary " b.cpuprofile
	offers fcomp "vitals " "$NODE_PID"
	pass "fish: options, subcommands, themes, files, PIDs"
else
	echo "skip: fish not installed"
fi

# --- zsh: syntax, and the options it knows are those of --help -------------
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$C/zsh/_vitals" || fail "zsh completion does not parse"
	for o in $(cat "$T/opts" "$T/heap_opts" "$T/profile_opts"); do
		grep -qE -- "(^|[^a-z-])$o[]=+',}[]" "$C/zsh/_vitals" || fail "zsh does not know $o"
	done
	pass "zsh: parses, knows every option"
	# and completes, in a real interactive zsh (tmux)
	if command -v tmux >/dev/null 2>&1; then
		tmux_start 150 30 "cd '$T/files' && env PATH='$VITALS_BUILDDIR:/usr/bin:/bin' XDG_CONFIG_HOME='$T/config' zsh -f -i"
		sleep 0.5
		tmux_keys "fpath=('$C/zsh' \$fpath); autoload -U compinit; compinit -u; PS1='> '" Enter
		tmux_keys 'vitals --theme=' Tab
		tmux_wait_text 10 "solarized" || fail "zsh: no themes offered: $(tmux_screen)"
		tmux_wait_text 2 "mine" || fail "zsh: the user's theme not offered: $(tmux_screen)"
		tmux_keys C-c 'vitals profile summary ' Tab
		tmux_wait_text 10 "b.cpuprofile" || fail "zsh: no .cpuprofile offered: $(tmux_screen)"
		pass "zsh: themes and files in an interactive shell"
	fi
else
	echo "skip: zsh not installed"
fi
