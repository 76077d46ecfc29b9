/* prom_exposition — the model as Prometheus metrics: the text exposition
 * format 0.0.4, or OpenMetrics 1.0 when the scraper asks for it.
 *
 * Names follow prom-client's default metrics (nodejs_heap_size_used_bytes,
 * nodejs_eventloop_lag_p99_seconds, process_cpu_seconds_total, ...) so
 * Grafana dashboards made for prom-client work unchanged; what prom-client
 * has no name for is vitals_*.  Units are bytes and seconds.  The probe's
 * numbers come from base/probe_series.h's table (its prom column).
 *
 * Labels: a process is {app, worker}: app is what names its application
 * across restarts (vproc.app_name: pm2 name, cluster primary's, package.json
 * name, container; see collectors/app_id.h), else its label as the table
 * shows it (script, "node -e", or process name), worker a small index that tells
 * processes of one app apart and that a restarted process takes over (the
 * lowest index free at the time), so a restarting service keeps its series
 * in Prometheus.  The pid and versions are only on vitals_process_info;
 * process_start_time_seconds says when each started.
 * Only live processes are exported.  Label values are valid UTF-8 (other
 * bytes and controls become '?') with \ and " escaped.
 *
 * A prom_exposition keeps the app/worker assignment between scrapes; it
 * touches nothing else, so it is tested without a server.
 */
#ifndef VITALS_PROM_EXPOSITION_H
#define VITALS_PROM_EXPOSITION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/alerts.h"
#include "base/model.h"

typedef struct prom_exposition prom_exposition;

prom_exposition *prom_exposition_new(void);
void prom_exposition_free(prom_exposition *e);

/* The metrics of m now (al may be NULL: no alert metrics).  Returns text of
 * *len bytes, owned by the caller (free). */
char *prom_exposition_render(prom_exposition *e, const model *m, const alerts *al, bool openmetrics,
			     size_t *len);

/* Content-Type of either format. */
const char *prom_exposition_type(bool openmetrics);
/* Whether an HTTP Accept header asks for OpenMetrics. */
bool prom_exposition_wants_openmetrics(const char *accept);

#endif
