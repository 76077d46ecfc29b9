# tests: cmocka unit tests (tests/test_*.c) and integration tests (tests/*.sh).
# Every test here runs under `make check`.
if HAVE_CMOCKA
check_PROGRAMS += tests/test_ring tests/test_model
tests_test_ring_SOURCES = tests/test_ring.c
tests_test_ring_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_ring_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
tests_test_model_SOURCES = tests/test_model.c
tests_test_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_model_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_ring tests/test_model
check_PROGRAMS += tests/test_cli
tests_test_cli_SOURCES = tests/test_cli.c
tests_test_cli_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_cli_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_cli
endif
EXTRA_DIST += tests/lib.sh tests/netns.sh tests/fixtures tests/lsan.supp
# alerts (engineer: alerts)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_alerts
tests_test_alerts_SOURCES = tests/test_alerts.c
tests_test_alerts_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_alerts_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_alerts
endif
TESTS += tests/scenarios_fast.sh tests/starved.sh
EXTRA_DIST += tests/scenarios_fast.sh tests/scenarios tests/starved.sh
# proc (engineer: proc)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_proc
tests_test_proc_SOURCES = tests/test_proc.c
tests_test_proc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_proc_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_proc
endif
# inspector + launch (engineer: attach): attach.sh runs every case that needs
# port 9229 in one script, sequentially (the port is one per machine).
check_PROGRAMS += tests/attach_main
tests_attach_main_SOURCES = tests/attach_main.c
tests_attach_main_LDADD = $(VITALS_LIBS)
TESTS += tests/attach.sh tests/launch.sh tests/namespaces.sh tests/attach_kill.sh tests/sidecar.sh tests/rootless.sh
EXTRA_DIST += tests/attach.sh tests/launch.sh tests/namespaces.sh tests/attach_kill.sh tests/sidecar.sh tests/rootless.sh
# probe_client (engineer: client)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_probe_line
tests_test_probe_line_SOURCES = tests/test_probe_line.c
tests_test_probe_line_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_probe_line_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_probe_line
endif
# proc (engineer: proc): JSON-lines driver for the node integration test
check_PROGRAMS += tests/proc_probe
tests_proc_probe_SOURCES = tests/proc_probe_main.c
tests_proc_probe_LDADD = $(VITALS_LIBS)
TESTS += tests/proc_node.sh
EXTRA_DIST += tests/proc_node.sh
check_PROGRAMS += tests/probe_client_main
tests_probe_client_main_SOURCES = tests/probe_client_main.c
tests_probe_client_main_LDADD = $(VITALS_LIBS)
# heap (engineer: heap): heap_main runs heap_cli_main as `vitals heap` would
check_PROGRAMS += tests/heap_main
tests_heap_main_SOURCES = tests/heap_main.c
tests_heap_main_LDADD = $(VITALS_LIBS)
TESTS += tests/heap.sh tests/heap_explore.sh tests/heap_tui.sh
EXTRA_DIST += tests/heap.sh tests/heap_explore.sh tests/heap_tui.sh
TESTS += tests/probe_client.sh
EXTRA_DIST += tests/probe_client.sh
# probe (engineer: probe): probe/test/*.test.js under node --test
TESTS += tests/probe_node.sh
EXTRA_DIST += tests/probe_node.sh
# inspector parsers (engineer: attach)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_inspector
tests_test_inspector_SOURCES = tests/test_inspector.c
tests_test_inspector_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_inspector_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_inspector
endif
# procfs: the /proc readers and the Node rule (engineer: attach)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_procfs
tests_test_procfs_SOURCES = tests/test_procfs.c
tests_test_procfs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_procfs_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_procfs
endif
# themes and config (engineer: screen)
if HAVE_CMOCKA
check_PROGRAMS += tests/test_theme tests/test_config tests/test_widgets
tests_test_widgets_SOURCES = tests/test_widgets.c
tests_test_widgets_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_widgets_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
tests_test_theme_SOURCES = tests/test_theme.c
tests_test_theme_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_theme_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
tests_test_config_SOURCES = tests/test_config.c
tests_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_config_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_theme tests/test_config tests/test_widgets
endif

# end-to-end: headless JSON mode and the dashboard in tmux (lead)
TESTS += tests/headless.sh tests/tui.sh tests/tui_traffic.sh tests/tui_profile.sh tests/pm2.sh tests/tui_workers.sh tests/cluster_proxy.sh tests/attach_unarmed.sh
EXTRA_DIST += tests/headless.sh tests/tui.sh tests/tui_traffic.sh tests/tui_profile.sh tests/pm2.sh tests/tui_workers.sh tests/cluster_proxy.sh tests/attach_unarmed.sh
# Tests that attach use the inspector port 9229, one per machine: under
# `make -j check` they must run one after another, never side by side.
tests/headless.log: tests/attach.log
tests/tui.log: tests/headless.log
tests/pm2.log: tests/tui.log
# golden screens of the real binary in tmux (engineer: screen)
TESTS += tests/golden.sh
EXTRA_DIST += tests/golden.sh tests/golden
# heap (engineer: heap): unit tests of tokenizer, unescaper, dominators, classes
if HAVE_CMOCKA
check_PROGRAMS += tests/test_heap
tests_test_heap_SOURCES = tests/test_heap.c
tests_test_heap_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_heap_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_heap
endif
# --auto-snapshot end to end (lead)
TESTS += tests/autosnap.sh
EXTRA_DIST += tests/autosnap.sh
# base helpers: text cleaning, user dirs, allocator
if HAVE_CMOCKA
check_PROGRAMS += tests/test_text
tests_test_text_SOURCES = tests/test_text.c
tests_test_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_text_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_text
endif
# export (engineer: series): Prometheus exposition and the real Prometheus test
if HAVE_CMOCKA
check_PROGRAMS += tests/test_prom
tests_test_prom_SOURCES = tests/test_prom.c
tests_test_prom_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_prom_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_prom
endif
TESTS += tests/prometheus.sh
EXTRA_DIST += tests/prometheus.sh
TESTS += tests/on_alert.sh
EXTRA_DIST += tests/on_alert.sh
TESTS += tests/exited.sh
EXTRA_DIST += tests/exited.sh
# record (engineer: record): vitals record / replay end to end, in tmux
if HAVE_CMOCKA
check_PROGRAMS += tests/test_rec_time
tests_test_rec_time_SOURCES = tests/test_rec_time.c
tests_test_rec_time_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_rec_time_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_rec_time
check_PROGRAMS += tests/test_recfile
tests_test_recfile_SOURCES = tests/test_recfile.c
tests_test_recfile_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_recfile_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_recfile
check_PROGRAMS += tests/test_rec_lines
tests_test_rec_lines_SOURCES = tests/test_rec_lines.c
tests_test_rec_lines_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_rec_lines_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_rec_lines
check_PROGRAMS += tests/test_app_id
tests_test_app_id_SOURCES = tests/test_app_id.c
tests_test_app_id_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_app_id_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_app_id
endif
TESTS += tests/record.sh tests/record_rotate.sh tests/record_whole.sh
EXTRA_DIST += tests/record.sh tests/record_rotate.sh tests/record_whole.sh
# --remote HOST against a real sshd on loopback (skipped where it cannot run)
TESTS += tests/remote.sh
EXTRA_DIST += tests/remote.sh
