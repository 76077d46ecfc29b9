# fuzz: libFuzzer harnesses, one per parser of outside input (fuzz/fuzz_NAME.c,
# seed corpus fuzz/corpus/NAME/).  `make check` replays each corpus through the
# harness (fuzz/replay.c); fuzz/run.sh NAME [SECONDS] fuzzes for real with clang.
# To add a harness: append it to FUZZ_HARNESSES below and give it a corpus dir.
FUZZ_HARNESSES =
EXTRA_DIST += fuzz/corpus fuzz/run.sh fuzz/replay.c
# proc (engineer: proc): cgroup lines, memory limits, argv wrapper rule
FUZZ_HARNESSES += proc
check_PROGRAMS += fuzz/fuzz_proc
fuzz_fuzz_proc_SOURCES = fuzz/fuzz_proc.c fuzz/replay.c
fuzz_fuzz_proc_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_proc.sh
EXTRA_DIST += fuzz/replay_proc.sh
# inspector (engineer: attach): HTTP heads, /json/list, CDP replies, cmdline, NODE_OPTIONS
FUZZ_HARNESSES += inspector
check_PROGRAMS += fuzz/fuzz_inspector
fuzz_fuzz_inspector_SOURCES = fuzz/fuzz_inspector.c fuzz/replay.c
fuzz_fuzz_inspector_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_inspector.sh
EXTRA_DIST += fuzz/replay_inspector.sh
# probe_client (engineer: client): probe protocol lines
FUZZ_HARNESSES += probe_line
check_PROGRAMS += fuzz/fuzz_probe_line
fuzz_fuzz_probe_line_SOURCES = fuzz/fuzz_probe_line.c fuzz/replay.c
fuzz_fuzz_probe_line_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_probe_line.sh
EXTRA_DIST += fuzz/replay_probe_line.sh
# config + themes (engineer: screen): the settings file and theme files
FUZZ_HARNESSES += config theme
check_PROGRAMS += fuzz/fuzz_config fuzz/fuzz_theme
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c fuzz/replay.c
fuzz_fuzz_config_LDADD = $(VITALS_LIBS)
fuzz_fuzz_theme_SOURCES = fuzz/fuzz_theme.c fuzz/replay.c
fuzz_fuzz_theme_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_config.sh fuzz/replay_theme.sh
EXTRA_DIST += fuzz/replay_config.sh fuzz/replay_theme.sh
# alerts (engineer: alerts): [alerts] config values and arbitrary series
FUZZ_HARNESSES += alerts
check_PROGRAMS += fuzz/fuzz_alerts
fuzz_fuzz_alerts_SOURCES = fuzz/fuzz_alerts.c fuzz/replay.c
fuzz_fuzz_alerts_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_alerts.sh
EXTRA_DIST += fuzz/replay_alerts.sh
# heap (engineer: heap): V8 heap snapshots (loader, dominators, summary,
# report) and the JSON string unescaper against jansson
FUZZ_HARNESSES += heap_snapshot
check_PROGRAMS += fuzz/fuzz_heap_snapshot
fuzz_fuzz_heap_snapshot_SOURCES = fuzz/fuzz_heap_snapshot.c fuzz/replay.c
fuzz_fuzz_heap_snapshot_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_heap_snapshot.sh
EXTRA_DIST += fuzz/replay_heap_snapshot.sh
# heap diff and leaks (engineer: heap): two or three snapshots split by 0x1e
FUZZ_HARNESSES += heap_diff
check_PROGRAMS += fuzz/fuzz_heap_diff
fuzz_fuzz_heap_diff_SOURCES = fuzz/fuzz_heap_diff.c fuzz/replay.c
fuzz_fuzz_heap_diff_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_heap_diff.sh
EXTRA_DIST += fuzz/replay_heap_diff.sh
# the heap explorer's model, one snapshot or a diff (engineer: heap)
FUZZ_HARNESSES += heap_explore
check_PROGRAMS += fuzz/fuzz_heap_explore
fuzz_fuzz_heap_explore_SOURCES = fuzz/fuzz_heap_explore.c fuzz/replay.c
fuzz_fuzz_heap_explore_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_heap_explore.sh
EXTRA_DIST += fuzz/replay_heap_explore.sh
# robustness (engineer: robust): the command line
FUZZ_HARNESSES += cli
check_PROGRAMS += fuzz/fuzz_cli
fuzz_fuzz_cli_SOURCES = fuzz/fuzz_cli.c fuzz/replay.c
fuzz_fuzz_cli_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_cli.sh
EXTRA_DIST += fuzz/replay_cli.sh
# robustness (engineer: robust): the probe connection's line framing, and a
# launched program's output on its way to the log pane
FUZZ_HARNESSES += probe_frame launch_log
check_PROGRAMS += fuzz/fuzz_probe_frame fuzz/fuzz_launch_log
fuzz_fuzz_probe_frame_SOURCES = fuzz/fuzz_probe_frame.c fuzz/replay.c
fuzz_fuzz_probe_frame_LDADD = $(VITALS_LIBS)
fuzz_fuzz_launch_log_SOURCES = fuzz/fuzz_launch_log.c fuzz/replay.c
fuzz_fuzz_launch_log_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_probe_frame.sh fuzz/replay_launch_log.sh
EXTRA_DIST += fuzz/replay_probe_frame.sh fuzz/replay_launch_log.sh
# robustness (engineer: robust): WebSocket framing from an inspector
FUZZ_HARNESSES += ws
check_PROGRAMS += fuzz/fuzz_ws
fuzz_fuzz_ws_SOURCES = fuzz/fuzz_ws.c fuzz/replay.c
fuzz_fuzz_ws_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_ws.sh
EXTRA_DIST += fuzz/replay_ws.sh
# robustness (engineer: robust): key and mouse input through ncurses and ours
FUZZ_HARNESSES += keys
check_PROGRAMS += fuzz/fuzz_keys
fuzz_fuzz_keys_SOURCES = fuzz/fuzz_keys.c fuzz/replay.c
fuzz_fuzz_keys_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_keys.sh
EXTRA_DIST += fuzz/replay_keys.sh
# record (engineer: record): recordings — gzip blocks and their JSON lines
FUZZ_HARNESSES += record
check_PROGRAMS += fuzz/fuzz_record
fuzz_fuzz_record_SOURCES = fuzz/fuzz_record.c fuzz/replay.c
fuzz_fuzz_record_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_record.sh
EXTRA_DIST += fuzz/replay_record.sh

# export (engineer: series): the Prometheus exposition over any names a
# process or probe can report
FUZZ_HARNESSES += prom
check_PROGRAMS += fuzz/fuzz_prom
fuzz_fuzz_prom_SOURCES = fuzz/fuzz_prom.c fuzz/replay.c
fuzz_fuzz_prom_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_prom.sh
EXTRA_DIST += fuzz/replay_prom.sh
# app_id (engineer: record): a process's environment, command line and package.json
FUZZ_HARNESSES += app_id
check_PROGRAMS += fuzz/fuzz_app_id
fuzz_fuzz_app_id_SOURCES = fuzz/fuzz_app_id.c fuzz/replay.c
fuzz_fuzz_app_id_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_app_id.sh
EXTRA_DIST += fuzz/replay_app_id.sh
