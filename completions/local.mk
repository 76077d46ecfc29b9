# completions: bash, zsh and fish, installed where each shell looks for them
# under the prefix (zsh's directory can be moved: Debian packages use
# --with-zsh-completion-dir=/usr/share/zsh/vendor-completions).
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = completions/bash/vitals
dist_zshcompletion_DATA = completions/zsh/_vitals
fishcompletiondir = $(datadir)/fish/vendor_completions.d
dist_fishcompletion_DATA = completions/fish/vitals.fish
# each against `vitals --help` (options), themes/ (names), a running node
# (PIDs) and files by extension; bash through compgen, fish through
# `complete -C`, zsh by syntax and option list
TESTS += tests/completion.sh
EXTRA_DIST += tests/completion.sh
