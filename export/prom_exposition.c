/* prom_exposition — model → Prometheus text; see prom_exposition.h.
 *
 * Data: the app/worker assignment, one slot per live process seen at the
 * last render, keyed by (pid, start time) like the model.  A render drops
 * the slots of processes no longer live first, then gives each new process
 * the lowest worker index its app has free, so a restart takes over the
 * series of the process it replaces.  The text is built in one growing
 * buffer, metric family by family (the format wants a family's samples
 * together), and handed to the caller.
 */
#include "export/prom_exposition.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/xalloc.h"

#define LABEL_MAX 128		/* bytes of one label value before escaping */

typedef struct slot {
	int pid;
	uint64_t start_time;
	int worker;
	bool live;
	char app[LABEL_MAX];
	char labels[2 * LABEL_MAX + 32];	/* app="...",worker="N", escaped */
} slot;

struct prom_exposition {
	slot *slots;
	size_t n, cap;
};

typedef struct buf {
	char *s;
	size_t len, cap;
	bool om;		/* OpenMetrics */
} buf;

/* The rules whose state is exported (the one-shot warnings have none). */
static const char *const alert_rules[] = {
	"heap_leak", "rss_leak", "stall", "gc_pressure", "handle_leak", "cpu_saturation", "mem_limit",
};

static const char *const gc_kinds[5] = { "minor", "major", "incremental", "weakcb", "other" };

prom_exposition *prom_exposition_new(void)
{
	return xcalloc(1, sizeof(prom_exposition));
}

void prom_exposition_free(prom_exposition *e)
{
	if (!e)
		return;
	free(e->slots);
	free(e);
}

const char *prom_exposition_type(bool openmetrics)
{
	return openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
			   : "text/plain; version=0.0.4; charset=utf-8";
}

bool prom_exposition_wants_openmetrics(const char *accept)
{
	return accept && strstr(accept, "application/openmetrics-text") != NULL;
}

/* ------------------------------------------------------------ the buffer */

static void put(buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = xrealloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void printf_(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A sample value: the shortest decimal that reads back as v. */
static void put_value(buf *b, double v)
{
	char s[40];
	if (isnan(v))
		snprintf(s, sizeof s, "NaN");
	else if (isinf(v))
		snprintf(s, sizeof s, v > 0 ? "+Inf" : "-Inf");
	else {
		snprintf(s, sizeof s, "%.15g", v);
		if (strtod(s, NULL) != v)
			snprintf(s, sizeof s, "%.17g", v);
	}
	puts_(b, s);
}

/* Append text as a label value (without the quotes): cut to LABEL_MAX bytes
 * on a character boundary, made valid UTF-8 without controls, with \ and "
 * escaped.  (A newline, the format's third escape, is a control: '?'.) */
static void put_label_value(buf *b, const char *text)
{
	char clean[LABEL_MAX];
	text_clean(clean, sizeof clean, text, strlen(text), TEXT_UTF8);
	for (const char *s = clean; *s; s++) {
		if (*s == '\\' || *s == '"')
			put(b, "\\", 1);
		put(b, s, 1);
	}
}

/* # HELP and # TYPE of a family.  OpenMetrics names a counter family
 * without its _total and an info family without its _info. */
static void family(buf *b, const char *name, const char *type, const char *help)
{
	size_t n = strlen(name);
	if (b->om && strcmp(type, "counter") == 0 && n > 6 && strcmp(name + n - 6, "_total") == 0)
		n -= 6;
	else if (b->om && strcmp(type, "info") == 0 && n > 5 && strcmp(name + n - 5, "_info") == 0)
		n -= 5;
	if (!b->om && strcmp(type, "info") == 0)
		type = "gauge";
	printf_(b, "# HELP %.*s ", (int)n, name);
	for (const char *h = help; *h; h++) {	/* help texts are ours: only \ and " to mind */
		if (*h == '\\' || (b->om && *h == '"'))
			put(b, "\\", 1);
		put(b, h, 1);
	}
	printf_(b, "\n# TYPE %.*s %s\n", (int)n, name, type);
}

/* name{<process labels>[,extra]} value */
static void sample(buf *b, const char *name, const slot *s, const char *extra, double v)
{
	puts_(b, name);
	put(b, "{", 1);
	puts_(b, s->labels);
	if (extra) {
		put(b, ",", 1);
		puts_(b, extra);
	}
	put(b, "} ", 2);
	put_value(b, v);
	put(b, "\n", 1);
}

/* ------------------------------------------------------------ app/worker */

static slot *slot_find(prom_exposition *e, const vproc *p)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->slots[i].pid == p->pid && e->slots[i].start_time == p->start_time)
			return &e->slots[i];
	return NULL;
}

/* Bring the slots up to the model's live processes (see the top). */
static void slots_update(prom_exposition *e, const model *m)
{
	for (size_t i = 0; i < e->n; i++)
		e->slots[i].live = false;
	for (size_t i = 0; i < m->nprocs; i++) {
		slot *s = m->procs[i]->state == PROC_LIVE ? slot_find(e, m->procs[i]) : NULL;
		if (s)
			s->live = true;
	}
	size_t k = 0;
	for (size_t i = 0; i < e->n; i++)
		if (e->slots[i].live)
			e->slots[k++] = e->slots[i];
	e->n = k;
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *p = m->procs[i];
		if (p->state != PROC_LIVE || slot_find(e, p))
			continue;
		if (e->n == e->cap) {
			e->cap = e->cap ? 2 * e->cap : 16;
			e->slots = xrealloc(e->slots, e->cap * sizeof *e->slots);
		}
		slot *s = &e->slots[e->n];
		memset(s, 0, sizeof *s);
		s->pid = p->pid;
		s->start_time = p->start_time;
		s->live = true;
		if (p->app_name[0])	/* what names it across restarts (collectors/app_id) */
			snprintf(s->app, sizeof s->app, "%s", p->app_name);
		else
			model_proc_label(p, s->app, sizeof s->app);
		for (bool taken = true; taken; s->worker += taken) {
			taken = false;
			for (size_t j = 0; j < e->n; j++)
				if (e->slots[j].worker == s->worker && strcmp(e->slots[j].app, s->app) == 0)
					taken = true;
		}
		buf lb = { 0 };
		puts_(&lb, "app=\"");
		put_label_value(&lb, s->app);
		printf_(&lb, "\",worker=\"%d\"", s->worker);
		snprintf(s->labels, sizeof s->labels, "%s", lb.s);
		free(lb.s);
		e->n++;
	}
}

/* ---------------------------------------------------------------- render */

/* One slot per live process, in the model's order; *n of them. */
typedef struct row {
	const vproc *p;
	const slot *s;
} row;

static void render_process(buf *b, const row *rows, size_t n)
{
	family(b, "vitals_process_info", "info", "A watched process: its pid and Node.js version (value 1).");
	for (size_t i = 0; i < n; i++) {
		const vproc *p = rows[i].p;
		buf x = { 0 };
		printf_(&x, "pid=\"%d\",name=\"", p->pid);
		put_label_value(&x, p->name);
		puts_(&x, "\",node_version=\"");
		put_label_value(&x, p->node ? p->node->node_version : "");
		puts_(&x, "\"");
		sample(b, "vitals_process_info", rows[i].s, x.s, 1);
		free(x.s);
	}
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} pm[] = {
		{ "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", offsetof(vproc, rss_bytes) },
		{ "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", offsetof(vproc, vsz_bytes) },
		{ "process_cpu_user_seconds_total", "counter", "Total user CPU time spent in seconds.",
		  offsetof(vproc, cpu_user_s) },
		{ "process_cpu_system_seconds_total", "counter", "Total system CPU time spent in seconds.",
		  offsetof(vproc, cpu_sys_s) },
	};
	for (size_t k = 0; k < sizeof pm / sizeof pm[0]; k++) {
		family(b, pm[k].name, pm[k].type, pm[k].help);
		for (size_t i = 0; i < n; i++)
			sample(b, pm[k].name, rows[i].s, NULL,
			       *(const double *)(const void *)((const char *)rows[i].p + pm[k].off));
	}
	family(b, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
	for (size_t i = 0; i < n; i++)
		sample(b, "process_cpu_seconds_total", rows[i].s, NULL, rows[i].p->cpu_user_s + rows[i].p->cpu_sys_s);
	family(b, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
	for (size_t i = 0; i < n; i++)
		if (rows[i].p->started_s > 0)
			sample(b, "process_start_time_seconds", rows[i].s, NULL, rows[i].p->started_s);
	family(b, "process_open_fds", "gauge", "Number of open file descriptors.");
	for (size_t i = 0; i < n; i++)
		if (rows[i].p->fds >= 0)
			sample(b, "process_open_fds", rows[i].s, NULL, rows[i].p->fds);
	family(b, "vitals_cgroup_memory_limit_bytes", "gauge", "Memory limit of the process's cgroup in bytes.");
	for (size_t i = 0; i < n; i++)
		if (rows[i].p->mem_limit > 0)
			sample(b, "vitals_cgroup_memory_limit_bytes", rows[i].s, NULL, rows[i].p->mem_limit);
}

/* prom-client labels heap spaces without the "_space" suffix ("old"). */
static void space_label(buf *x, const char *name)
{
	char s[NAME_LEN];
	snprintf(s, sizeof s, "%s", name);
	size_t n = strlen(s);
	if (n > 6 && strcmp(s + n - 6, "_space") == 0)
		s[n - 6] = 0;
	puts_(x, "space=\"");
	put_label_value(x, s);
	puts_(x, "\"");
}

static void render_spaces(buf *b, const row *rows, size_t n)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} sm[] = {
		{ "nodejs_heap_space_size_total_bytes", "Process heap space size total from Node.js in bytes.",
		  offsetof(heap_space, size) },
		{ "nodejs_heap_space_size_used_bytes", "Process heap space size used from Node.js in bytes.",
		  offsetof(heap_space, used) },
		{ "nodejs_heap_space_size_available_bytes", "Process heap space size available from Node.js in bytes.",
		  offsetof(heap_space, avail) },
	};
	for (size_t k = 0; k < sizeof sm / sizeof sm[0]; k++) {
		family(b, sm[k].name, "gauge", sm[k].help);
		for (size_t i = 0; i < n; i++) {
			const vnode *nd = rows[i].p->node;
			for (int j = 0; j < nd->nspaces; j++) {
				double v = *(const double *)(const void *)((const char *)&nd->spaces[j] + sm[k].off);
				if (isnan(v))
					continue;
				buf x = { 0 };
				space_label(&x, nd->spaces[j].name);
				sample(b, sm[k].name, rows[i].s, x.s, v);
				free(x.s);
			}
		}
	}
}

static void render_handles(buf *b, const row *rows, size_t n)
{
	family(b, "nodejs_active_handles", "gauge", "Number of active libuv handles grouped by handle type.");
	for (size_t i = 0; i < n; i++) {
		const vnode *nd = rows[i].p->node;
		for (int j = 0; j < nd->nhandles; j++) {
			buf x = { 0 };
			puts_(&x, "type=\"");
			put_label_value(&x, nd->handles[j].type);
			puts_(&x, "\"");
			sample(b, "nodejs_active_handles", rows[i].s, x.s, nd->handles[j].count);
			free(x.s);
		}
	}
}

static void render_gc(buf *b, const row *rows, size_t n)
{
	family(b, "nodejs_gc_duration_seconds", "histogram",
	       "Garbage collection duration by kind, one of major, minor, incremental or weakcb.");
	for (size_t i = 0; i < n; i++) {
		const vnode *nd = rows[i].p->node;
		for (int k = 0; k < 5; k++) {
			uint64_t cum = 0;
			for (int j = 0; j <= GC_HIST_BUCKETS; j++)
				cum += nd->gc_hist[k][j];
			if (cum == 0)
				continue;	/* as prom-client: a kind appears once seen */
			char x[80];
			cum = 0;
			for (int j = 0; j <= GC_HIST_BUCKETS; j++) {
				cum += nd->gc_hist[k][j];
				if (j < GC_HIST_BUCKETS)
					snprintf(x, sizeof x, "kind=\"%s\",le=\"%g\"", gc_kinds[k], gc_hist_le_ms[j] / 1000);
				else
					snprintf(x, sizeof x, "kind=\"%s\",le=\"+Inf\"", gc_kinds[k]);
				sample(b, "nodejs_gc_duration_seconds_bucket", rows[i].s, x, (double)cum);
			}
			snprintf(x, sizeof x, "kind=\"%s\"", gc_kinds[k]);
			sample(b, "nodejs_gc_duration_seconds_sum", rows[i].s, x, nd->gc_hist_sum_ms[k] / 1000);
			sample(b, "nodejs_gc_duration_seconds_count", rows[i].s, x, (double)cum);
		}
	}
}

char *prom_exposition_render(prom_exposition *e, const model *m, const alerts *al, bool openmetrics,
			     size_t *len)
{
	buf b = { .om = openmetrics };
	slots_update(e, m);
	row *rows = xcalloc(m->nprocs ? m->nprocs : 1, sizeof *rows);
	row *probed = xcalloc(m->nprocs ? m->nprocs : 1, sizeof *probed);
	size_t n = 0, np = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		const vproc *p = m->procs[i];
		const slot *s = p->state == PROC_LIVE ? slot_find(e, p) : NULL;
		if (!s)
			continue;
		rows[n++] = (row){ p, s };
		if (p->node && p->node->samples > 0)
			probed[np++] = (row){ p, s };
	}

	render_process(&b, rows, n);
	for (int k = 0; k < PS_COUNT; k++) {	/* the probe's numbers, from the table */
		const probe_series *ps = &probe_series_table[k];
		if (!ps->prom)
			continue;
		family(&b, ps->prom, "gauge", ps->help);
		double scale = probe_unit_scale(ps->unit);
		for (size_t i = 0; i < np; i++) {
			double v = vnode_value(probed[i].p->node, k);
			if (!isnan(v))
				sample(&b, ps->prom, probed[i].s, NULL, v * scale);
		}
	}
	render_spaces(&b, probed, np);
	render_handles(&b, probed, np);
	render_gc(&b, probed, np);

	if (al) {
		family(&b, "vitals_alert_firing", "gauge", "1 while a vitals alert rule fires for the process.");
		for (size_t i = 0; i < n; i++) {
			for (size_t r = 0; r < sizeof alert_rules / sizeof alert_rules[0]; r++) {
				if (alerts_state(al, rows[i].p, alert_rules[r]) != ALERT_FIRING)
					continue;
				char x[48];
				snprintf(x, sizeof x, "rule=\"%s\"", alert_rules[r]);
				sample(&b, "vitals_alert_firing", rows[i].s, x, 1);
			}
		}
	}
	if (openmetrics)
		puts_(&b, "# EOF\n");
	free(rows);
	free(probed);
	*len = b.len;
	return b.s;
}
