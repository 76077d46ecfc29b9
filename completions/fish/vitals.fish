# fish completion for vitals — options, the heap and profile subcommands,
# theme names, snapshot/profile files by extension, the PIDs of running Node
# processes where a PID goes, and a command line after "--".
# tests/completion.sh checks it against `vitals --help`.

# Node processes by executable name, with their command lines.
function __vitals_node_pids
    pgrep -a -x 'node|nodejs' 2>/dev/null | string replace -r '^(\d+) ' '$1\t'
end

# Built-in themes plus those in the user's theme directory and the one
# installed beside the binary (PREFIX/share/vitals/themes).
function __vitals_themes
    set -l names default light high-contrast monochrome solarized
    set -l conf $HOME/.config
    set -q XDG_CONFIG_HOME; and set conf $XDG_CONFIG_HOME
    set -l dirs $conf/vitals/themes
    set -l bin (command -s vitals)
    test -n "$bin"; and set -a dirs (string replace -r '/bin/[^/]*$' '' -- $bin)/share/vitals/themes
    for f in $dirs/*.theme
        set -a names (string replace -r '\.theme$' '' -- (basename $f))
    end
    printf '%s\n' $names | sort -u
end

# The words before the cursor: which part of the command line we are in.
function __vitals_after_dashdash
    contains -- -- (commandline -opc)
end
function __vitals_main
    set -l t (commandline -opc)
    not contains -- -- $t; and not contains -- "$t[2]" heap profile
end
function __vitals_sub_cmd
    set -l t (commandline -opc)
    test (count $t) -eq 2; and contains -- "$t[2]" $argv
end
function __vitals_in
    set -l t (commandline -opc)
    test (count $t) -ge 3; and test "$t[2]" = $argv[1]
end

complete -c vitals -n '__vitals_main' -f
complete -c vitals -n '__vitals_main' -s i -l interval -x -d 'process sampling interval (seconds)'
complete -c vitals -n '__vitals_main' -s d -l delay -x -d 'sampling interval in tenths of a second'
complete -c vitals -n '__vitals_main' -s p -l pid -x -a '(__vitals_node_pids)' -d 'watch these PIDs'
complete -c vitals -n '__vitals_main' -s u -l user -x -a '(__fish_complete_users)' -d 'watch the Node processes of USER'
complete -c vitals -n '__vitals_main' -l no-tui -d 'no TUI and no output (a daemon, with --prometheus)'
complete -c vitals -n '__vitals_main' -l prometheus -x -d 'serve /metrics for Prometheus on [HOST:]PORT'
complete -c vitals -n '__vitals_main' -l on-alert -x -a '(__fish_complete_command)' -d 'run CMD on each alert'
complete -c vitals -n '__vitals_main' -l attach -d 'attach the probe to the given PIDs at start'
complete -c vitals -n '__vitals_main' -l no-children -d 'with PIDs: do not add the Node processes they start'
complete -c vitals -n '__vitals_main' -l hz -x -d 'probe sample rate, 1..20'
complete -c vitals -n '__vitals_main' -l json -d 'no TUI: JSON lines on stdout'
complete -c vitals -n '__vitals_main' -l duration -x -d 'stop after this long (seconds)'
complete -c vitals -n '__vitals_main' -l demo -d 'launch the bundled demo apps'
complete -c vitals -n '__vitals_main' -l theme -x -a '(__vitals_themes)' -d 'colour theme'
complete -c vitals -n '__vitals_main' -l config -r -F -d 'config file'
complete -c vitals -n '__vitals_main' -l output-dir -x -a '(__fish_complete_directories)' -d 'where captures go'
complete -c vitals -n '__vitals_main' -l log-file -r -F -d 'launch mode: save the output here'
complete -c vitals -n '__vitals_main' -s o -l output -r -F -d 'record: write the recording here (- = stdout)'
complete -c vitals -n '__vitals_main' -l max-size -x -d 'record: start a new file past this size (MB)'
complete -c vitals -n '__vitals_main' -l remote -x -a '(__fish_print_hostnames)' -d 'watch the processes of HOST over ssh'
complete -c vitals -n '__vitals_main' -l speed -x -d 'replay: playback speed, 1..64'
complete -c vitals -n '__vitals_main' -l bell -d 'ring the bell when an alert fires'
complete -c vitals -n '__vitals_main' -l auto-snapshot -d 'on a leak alert: three heap snapshots and a leak report'
complete -c vitals -n '__vitals_main' -l all-users -d "other users' Node processes too"
complete -c vitals -n '__vitals_main' -l braille -d 'braille sparklines'
complete -c vitals -n '__vitals_main' -l ascii -d 'plain ASCII drawing'
complete -c vitals -n '__vitals_main' -s h -l help -d 'show the help'
complete -c vitals -n '__vitals_main' -s V -l version -d 'show the version'
complete -c vitals -n '__vitals_main' -a '(__vitals_node_pids)'
complete -c vitals -n '__fish_is_first_arg' -a heap -d 'summarise or diff heap snapshots'
complete -c vitals -n '__fish_is_first_arg' -a profile -d 'summarise a CPU profile'
complete -c vitals -n '__fish_is_first_arg' -a record -d 'record what the dashboard sees'
complete -c vitals -n '__fish_is_first_arg' -a replay -d 'the dashboard on a recording'
complete -c vitals -n '__vitals_in replay' -F

complete -c vitals -n '__vitals_sub_cmd heap' -f -a 'summary' -d 'what is on the heap'
complete -c vitals -n '__vitals_sub_cmd heap' -f -a 'diff' -d 'what grew between two snapshots'
complete -c vitals -n '__vitals_sub_cmd profile' -f -a 'summary' -d 'where the CPU time went'
complete -c vitals -n '__vitals_in heap' -f -k -a '(__fish_complete_suffix .heapsnapshot)'
complete -c vitals -n '__vitals_in heap' -l json -d 'machine-readable output'
complete -c vitals -n '__vitals_in heap' -l top -x -d 'rows to show'
complete -c vitals -n '__vitals_in heap' -l no-retained -d 'skip the dominator tree'
complete -c vitals -n '__vitals_in heap' -l sort -x -a 'count self retained size' -d 'sort key'
complete -c vitals -n '__vitals_in heap' -l paths -x -d 'retainer paths for the top N constructors'
complete -c vitals -n '__vitals_in heap' -l raw -d "V8's nodes as written, not DevTools' Summary"
complete -c vitals -n '__vitals_in heap' -l timing -d 'time of each phase on stderr'
complete -c vitals -n '__vitals_in heap' -l parser -x -a 'stream serial jansson' -d 'snapshot parser'
complete -c vitals -n '__vitals_in heap' -s h -l help -d 'help'
complete -c vitals -n '__vitals_in profile' -f -k -a '(__fish_complete_suffix .cpuprofile)'
complete -c vitals -n '__vitals_in profile' -l json -d 'machine-readable output'
complete -c vitals -n '__vitals_in profile' -l top -x -d 'rows to show'
complete -c vitals -n '__vitals_in profile' -l sort -x -a 'self total' -d 'sort key'
complete -c vitals -n '__vitals_in profile' -s h -l help -d 'help'

complete -c vitals -n '__vitals_after_dashdash' -x -a '(__fish_complete_subcommand -- --)'
