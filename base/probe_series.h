/* probe_series — the one table of the numbers a probe sample carries.
 *
 * Each row of PROBE_SERIES is one number per sample of a Node process: where
 * it is in a protocol v1 sample, its unit, whether the model keeps a history
 * ring of it, its key in headless JSON and its Prometheus name.  Generated
 * from the table: the vnode fields (double n->ID, and ring n->ID_r for RING
 * rows; base/model.h), their ring setup (base/model.c), the parsing and
 * range checks (collectors/probe_line.c), headless sample lines
 * (tui/headless.c) and the Prometheus export.  Adding a number is one row
 * here, plus the line in probe/vitals-probe.js that sends it (see "Adding a
 * probe metric" in doc/ARCHITECTURE.md).
 *
 * Not rows: structured data (heap spaces, handles by type, the GC log, with
 * shapes of their own) and what /proc tells about every process (vproc).
 *
 * X(id, keep, unit, src, alt, json, prom, help)
 *   id    vnode field name; the latest value, NaN until first reported
 *   keep  RING: also a history ring n->id_r, pushed every sample (a sample
 *         without the value pushes a gap, once the series has had a value:
 *         a process that never serves HTTP has no HTTP rings); RECENT: a
 *         ring of the raw tier only (the last few minutes, ~2.4 KB instead
 *         of ~10 KB), for series that alerts judge or a paused screen shows
 *         as a number but no graph draws; LATEST: latest value only
 *   unit  BYTES, MS, RATIO (0..1; up to 1.01 accepted as float noise and
 *         clamped), PCT (0..100), COUNT; fixes the accepted range and the
 *         Prometheus scale (ms are exported in seconds, PCT as a 0..1 ratio)
 *   src   where a sample has it: "key" or "object.key"; NULL when the parser
 *         derives it (gc_pct from the GC events, handles_total from handles)
 *   alt   a second place, read only when src is absent; or NULL
 *   json  key in headless "sample" lines, or NULL (not written)
 *   prom  Prometheus metric name (prom-client's, where it has one), or NULL
 *   help  one line for # HELP
 * Sources are read as numbers, absent or null meaning "not reported".
 */
#ifndef VITALS_PROBE_SERIES_H
#define VITALS_PROBE_SERIES_H

#include <stdbool.h>
#include <stddef.h>

#define PROBE_SERIES(X) \
	X(heap_used, RING, BYTES, "mem.heapUsed", "heap.used", "heap_used", \
	  "nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.") \
	X(heap_total, LATEST, BYTES, "mem.heapTotal", "heap.total", "heap_total", \
	  "nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.") \
	X(heap_limit, LATEST, BYTES, "heap.limit", NULL, "heap_limit", \
	  "vitals_heap_size_limit_bytes", "V8 heap size limit in bytes.") \
	X(external, LATEST, BYTES, "mem.external", NULL, "external", \
	  "nodejs_external_memory_bytes", "Node.js external memory size in bytes.") \
	X(array_buffers, LATEST, BYTES, "mem.arrayBuffers", NULL, "array_buffers", \
	  "vitals_array_buffers_bytes", "Memory of ArrayBuffers and SharedArrayBuffers in bytes.") \
	X(probe_rss, LATEST, BYTES, "mem.rss", NULL, NULL, NULL, "Resident set size as the process sees it.") \
	X(lag_min, LATEST, MS, "lag.min", NULL, "lag_min", \
	  "nodejs_eventloop_lag_min_seconds", "The minimum recorded event loop delay.") \
	X(lag_p50, LATEST, MS, "lag.p50", NULL, "lag_p50", \
	  "nodejs_eventloop_lag_p50_seconds", "The 50th percentile of the recorded event loop delays.") \
	X(lag_p99, RING, MS, "lag.p99", NULL, "lag_p99", \
	  "nodejs_eventloop_lag_p99_seconds", "The 99th percentile of the recorded event loop delays.") \
	X(lag_max, RECENT, MS, "lag.max", NULL, "lag_max", \
	  "nodejs_eventloop_lag_max_seconds", "The maximum recorded event loop delay.") \
	X(lag_mean, LATEST, MS, "lag.mean", NULL, NULL, \
	  "nodejs_eventloop_lag_mean_seconds", "The mean of the recorded event loop delays.") \
	X(elu, RING, RATIO, "elu", NULL, "elu", \
	  "nodejs_eventloop_utilization", "Event loop utilization over the last sample interval (0..1).") \
	X(gc_pct, RECENT, PCT, NULL, NULL, "gc_pct", \
	  "vitals_gc_time_ratio", "Share of the last sample interval spent in GC pauses (0..1).") \
	X(handles_total, LATEST, COUNT, NULL, NULL, "handles", NULL, \
	  "Total number of active handles (exported as nodejs_active_handles by type).") \
	X(http_rps, RING, COUNT, "http.rps", NULL, NULL, "vitals_http_server_requests_per_second", \
	  "HTTP requests the server answered per second over the last sample interval.") \
	X(http_count, LATEST, COUNT, "http.count", NULL, NULL, NULL, "HTTP requests answered in the last interval.") \
	X(http_p50, LATEST, MS, "http.p50_ms", NULL, NULL, "vitals_http_server_latency_p50_seconds", \
	  "Median HTTP server latency (request start to response finish) over the last interval.") \
	X(http_p99, RING, MS, "http.p99_ms", NULL, NULL, "vitals_http_server_latency_p99_seconds", \
	  "99th percentile HTTP server latency over the last interval.") \
	X(http_max, LATEST, MS, "http.max_ms", NULL, NULL, NULL, "Longest HTTP server response in the last interval.") \
	X(http_in_flight, LATEST, COUNT, "http.in_flight", NULL, NULL, "vitals_http_server_in_flight", \
	  "HTTP requests the server has started and not yet answered.") \
	X(http_err_pct, RECENT, PCT, NULL, NULL, NULL, "vitals_http_server_5xx_ratio", \
	  "Share of 5xx responses among the server's answers in the last interval (0..1).") \
	X(httpc_rps, RING, COUNT, "http_client.rps", NULL, NULL, "vitals_http_client_requests_per_second", \
	  "Outgoing HTTP requests (http, fetch) answered per second over the last interval.") \
	X(httpc_count, LATEST, COUNT, "http_client.count", NULL, NULL, NULL, "Outgoing requests answered in the last interval.") \
	X(httpc_p50, LATEST, MS, "http_client.p50_ms", NULL, NULL, NULL, "Median outgoing request latency (to headers).") \
	X(httpc_p99, RECENT, MS, "http_client.p99_ms", NULL, NULL, "vitals_http_client_latency_p99_seconds", \
	  "99th percentile outgoing request latency (to the response headers) over the last interval.") \
	X(httpc_max, LATEST, MS, "http_client.max_ms", NULL, NULL, NULL, "Longest outgoing request in the last interval.") \
	X(httpc_in_flight, LATEST, COUNT, "http_client.in_flight", NULL, NULL, NULL, "Outgoing requests not yet answered.") \
	X(httpc_errors, LATEST, COUNT, "http_client.errors", NULL, NULL, NULL, "Outgoing requests that failed in the last interval.") \
	X(httpc_err_pct, RECENT, PCT, NULL, NULL, NULL, NULL, \
	  "Share of outgoing requests that failed or got a 5xx in the last interval.")

/* Indices of the rows: PS_heap_used, ... */
typedef enum probe_series_id {
#define PS_ENUM(id, ...) PS_##id,
	PROBE_SERIES(PS_ENUM)
#undef PS_ENUM
	PS_COUNT
} probe_series_id;

typedef enum probe_unit { PU_BYTES, PU_MS, PU_RATIO, PU_PCT, PU_COUNT } probe_unit;

/* One row as data, for code that walks the table at run time. */
typedef struct probe_series {
	const char *id;
	probe_unit unit;
	const char *src, *alt;	/* "obj.key" / "key", or NULL */
	const char *json, *prom, *help;	/* or NULL */
	size_t off;		/* offsetof(vnode, id): a double */
	long ring_off;		/* offsetof(vnode, id_r), or -1 (LATEST) */
	bool recent;		/* RECENT: the ring keeps the raw tier only */
} probe_series;

extern const probe_series probe_series_table[PS_COUNT];

/* The largest value a sample may carry for unit (larger refuses the line). */
double probe_unit_max(probe_unit u);
/* Factor from the model's unit to the exported one (ms → s, % → ratio). */
double probe_unit_scale(probe_unit u);

/* Field generators for base/model.h (vnode): a double per row, a ring per
 * RING row. */
#define PS_FIELD(id, ...) double id;
#define PS_RING_RING(id) ring id##_r;
#define PS_RING_RECENT(id) ring id##_r;
#define PS_RING_LATEST(id)
#define PS_RING_FIELD(id, keep, ...) PS_RING_##keep(id)

#endif
