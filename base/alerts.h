/* alerts — rules over the model's series that decide when something is wrong:
 * heap leak (rising post-GC floor, with time-to-limit), event-loop stall, GC
 * pressure, handle leak, process warnings, CPU saturation, cgroup memory limit.
 * Each rule per process has a pending → firing → resolved state machine with
 * hysteresis; transitions go to the model's alert log and to a callback.
 * Contract used by tui/app.c and base/config.c; the owner may extend it.
 *
 * Rule names (model_alert.rule): "heap_leak", "rss_leak", "stall",
 * "gc_pressure", "handle_leak", "cpu_saturation", "mem_limit",
 * "listener_leak" (MaxListenersExceededWarning) and "warning".
 */
#ifndef VITALS_ALERTS_H
#define VITALS_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/model.h"

/* Every field is an [alerts] key of the config file, same name; defaults
 * from alerts_config_default in brackets. */
typedef struct alert_config {
	double leak_window_s;		/* longest trend window for heap/RSS leaks [300] */
	double leak_min_mb_per_min;	/* slower growth is not a leak, MB = 2^20 bytes [2]:
					   promoted garbage can creep at 1 MB/min for 8 min */
	double stall_ms;		/* lag p99 threshold [100] */
	int stall_samples;		/* this many of the last 3x samples above it [3] */
	double gc_pct;			/* GC time share of wall time, % [10] */
	double gc_window_s;		/* ... averaged over this window [30] */
	double gc_pause_ms;		/* one major (not forced) pause above this [200] */
	double handle_window_s;		/* trend window for per-type handle counts [300] */
	int handle_min_growth;		/* handles gained over that window [50] */
	double cpu_pct;			/* % of one core [95] ... */
	double cpu_window_s;		/* ... sustained this long [60] */
	double mem_limit_pct;		/* RSS vs cgroup memory limit, % [90] */
	double resolve_s;		/* condition absent this long → resolved [60] */
	double http_err_pct;		/* 5xx share of a server's answers, % [5] ... */
	double http_p99_ms;		/* ... or its latency p99 above this [1000], in 3 of
					   the last 9 samples with traffic */
	/* extensions */
	double leak_min_growth_mb;	/* floor growth over the window, MB [5] */
	double leak_rising_pct;		/* % of sub-window steps where the floor rose [70] */
	int leak_subwindows;		/* floors (buckets) per longest window, 4..64 [60] */
	double leak_fast_s;		/* a steady 2 MB/s leak fires after this long, a leak
					   r times slower after sqrt(r) times longer [40] */
	double leak_gc_s;		/* heap growth no major GC has judged asks the probe
					   for one, at most once per this many seconds per
					   process [60]; 0: never (wait for V8's own) */
} alert_config;

void alerts_config_default(alert_config *c);
/* Set one [alerts] key from the config file. 0, or -1 with a reason. */
int alerts_config_set(alert_config *c, const char *key, const char *value, char *err, size_t errlen);

typedef struct alerts alerts;
/* Called on every transition (pending→firing, firing→resolved, warnings). */
typedef void (*alert_cb)(void *ud, const model_alert *a);

/* Copies *c (NULL: defaults). */
alerts *alerts_new(const alert_config *c, alert_cb cb, void *ud);
/* Called from alerts_eval when p's heap has grown for long enough to be a
 * leak but no major GC has said whether the growth is live or promoted
 * garbage: the caller asks the probe for a GC (the heap after it is the live
 * set), or ignores it (the rule then waits for V8's own GC).  At most once
 * per leak_gc_s per process. */
typedef void (*alert_gc_cb)(void *ud, vproc *p);
void alerts_set_gc_cb(alerts *a, alert_gc_cb cb, void *ud);
void alerts_free(alerts *a);
/* Evaluate every rule for every process at now_ms. Cheap: runs every tick. */
void alerts_eval(alerts *a, model *m, int64_t now_ms);
/* Report a process warning (from the probe) as an alert at once. */
void alerts_warning(alerts *a, model *m, vproc *p, const char *name, const char *message, int64_t now_ms);

/* Current state of one rule for p: ALERT_PENDING, ALERT_FIRING, or -1 when
 * quiet (also for unknown rules).  For "handle_leak": any handle type. */
int alerts_state(const alerts *a, const vproc *p, const char *rule);

/* Bytes of per-process rule state held now (for the benchmark). */
size_t alerts_bytes(const alerts *a);

#endif
