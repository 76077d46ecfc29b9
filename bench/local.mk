# bench: sources and tests of this area (see Makefile.am)
# proc (engineer: proc): collector loop without the UI, for bench/proc_50.sh.
# A check program so `make check` compiles it; the benchmark is not a test.
check_PROGRAMS += bench/proc_bench
bench_proc_bench_SOURCES = bench/proc_bench_main.c
bench_proc_bench_LDADD = $(VITALS_LIBS)
EXTRA_DIST += bench/proc_50.sh bench/record_size.sh
# alerts (engineer: alerts): built with `make check`, not run by it;
# run ./bench/bench_alerts [processes] [seconds]
check_PROGRAMS += bench/bench_alerts
bench_bench_alerts_SOURCES = bench/bench_alerts.c
bench_bench_alerts_LDADD = $(VITALS_LIBS)
# ./bench/alerts_replay out/*/*.jsonl: the leak rule over recorded --json runs
check_PROGRAMS += bench/alerts_replay
bench_alerts_replay_SOURCES = bench/alerts_replay.c
bench_alerts_replay_LDADD = $(VITALS_LIBS)
# bench/alerts_scenarios.sh: the full scenario run (leak rates x time to
# fire, 20 min of healthy look-alikes), attach mode, in a network namespace
EXTRA_DIST += bench/alerts_scenarios.sh
# probe (engineer: probe): bench/probe_cost.sh — autocannon against
# bench/fixtures/http_server.js without/with the probe (needs npm install in bench/),
# and the summed CPU of N idle apps without/with it (probe_idle.js)
EXTRA_DIST += bench/probe_cost.sh bench/package.json bench/fixtures/http_server.js \
	bench/fixtures/probe_dashboard.js bench/fixtures/probe_sample_cost.js bench/fixtures/probe_cost.js \
	bench/fixtures/probe_idle.js bench/fixtures/idle_app.js bench/fixtures/probe_http_cost.js \
	bench/fixtures/probe_http_ab.js bench/fixtures/probe_http_prof.js \
	bench/fixtures/probe_http_acct.js bench/fixtures/http_driver.js
# views (engineer: screen): bench/frame.sh — overview frame time and terminal
# bytes; built with `make check`, not run by it
check_PROGRAMS += bench/frame_bench
bench_frame_bench_SOURCES = bench/frame_main.c
bench_frame_bench_LDADD = $(VITALS_LIBS)
EXTRA_DIST += bench/frame.sh
EXTRA_DIST += bench/loaded_check.sh
# attach (engineer: attach): bench/attach.sh — attach latency and target stall
# vs a restart with the probe; needs tests/attach_main (built by make check)
EXTRA_DIST += bench/attach.sh bench/fixtures/attach_target.js
# containers (engineer: containers): bench/attach_ns.sh — attach time across
# namespaces (container, rootless) against the same namespace, one run
EXTRA_DIST += bench/attach_ns.sh
# heap (engineer: heap): bench/heap.sh — `vitals heap summary` against memlab
# (bench/memlab_*.js; needs npm install in bench/), not run by make check
EXTRA_DIST += bench/heap.sh bench/memlab_summary.js bench/memlab_full.js bench/memlab_leaks.js \
	bench/heap_devtools.sh bench/heap_devtools.mjs
EXTRA_DIST += bench/README.md
# export (engineer: series): bench/prometheus.sh — one /metrics scrape with 50
# probed processes: bytes, series, vitals' CPU; not run by make check
EXTRA_DIST += bench/prometheus.sh
# series: bench/soak.sh — memory under 10,000 process births/deaths and a long
# run with 30 probed processes; not run by make check
EXTRA_DIST += bench/soak.sh

# cost (issue 12): vitals attached / not / --json next to htop and btop at N = 1..200
EXTRA_DIST += bench/watch_cost.sh bench/attach_many.sh bench/cost.sh
# heap (engineer: heap): the explorer's open and key times, for bench/heap.sh
check_PROGRAMS += bench/explore_bench
bench_explore_bench_SOURCES = bench/explore_main.c
bench_explore_bench_LDADD = $(VITALS_LIBS)
# mem (issue 12): model + alert state of N attached idle apps with every
# ring tier full, bytes per process by owner; ./bench/mem_bench [N] [HOURS]
check_PROGRAMS += bench/mem_bench
bench_mem_bench_SOURCES = bench/mem_main.c
bench_mem_bench_LDADD = $(VITALS_LIBS)
# bench/mem_full.sh: the same with real apps and the TUI (spans shrunk)
EXTRA_DIST += bench/mem_full.sh
