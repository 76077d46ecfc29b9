/* model — the process list and its bounded logs; see model.h.
 *
 * Every log here is a fixed-size ring (head = next write slot, len <= cap),
 * so memory depends on configuration and on the number of processes, never on
 * uptime.  Series are rings whose storage is allocated on their first push;
 * a process's /proc series share one time axis (vproc.axis: pushed together
 * every tick), its probe series and handle counts another (vnode.axis:
 * pushed together every sample).
 */
#include "base/model.h"
#include "base/xalloc.h"
#include "base/clock.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const double gc_hist_le_ms[GC_HIST_BUCKETS] = { 1, 10, 100, 1000, 2000, 5000 };

void model_init(model *m, const ring_config *rcfg)
{
	memset(m, 0, sizeof *m);
	m->rcfg = rcfg ? *rcfg : ring_config_default;
	/* series nothing graphs keep the raw tier alone: the coarse tiers are
	 * three quarters of a ring's bytes */
	m->rcfg_recent = (ring_config){ .ntiers = 1, .tier = { m->rcfg.tier[0] } };
	m->rcfg_sched = m->rcfg_recent;
	if (m->rcfg_sched.tier[0].cap > SCHED_SHARE_CAP)
		m->rcfg_sched.tier[0].cap = SCHED_SHARE_CAP;
}

static void vnode_free(vnode *n)
{
	if (!n)
		return;
	for (int i = 0; i < PS_COUNT; i++)
		if (vnode_ring(n, i))
			ring_free(vnode_ring(n, i));
	for (int i = 0; i < n->nhandles; i++)
		ring_free(&n->handles[i].r);
	ring_axis_free(&n->axis);
	free(n->handles);
	free(n->gc);
	free(n->workers);
	free(n->routes);
	free(n);
}

static void vproc_free(vproc *p)
{
	ring_free(&p->rss_r);
	ring_free(&p->cpu_r);
	ring_free(&p->sched_share_r);
	ring_axis_free(&p->axis);
	vnode_free(p->node);
	free(p->captures);
	free(p->cmdline);
	free(p);
}

void model_free(model *m)
{
	for (size_t i = 0; i < m->nprocs; i++)
		vproc_free(m->procs[i]);
	free(m->procs);
	free(m->log);
	m->procs = NULL;
	m->log = NULL;
	m->nprocs = m->cap = 0;
}

vproc *model_find(const model *m, int pid)
{
	for (size_t i = m->nprocs; i-- > 0;)
		if (m->procs[i]->pid == pid)
			return m->procs[i];
	return NULL;
}

/* The watched parent of p that is alive or was when p started, or NULL. */
static const vproc *parent_of(const model *m, const vproc *p)
{
	if (p->ppid <= 1 || p->ppid == p->pid)
		return NULL;
	return model_find(m, p->ppid);
}

void model_groups(model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		vproc *p = m->procs[i];
		const vproc *top = p, *up;
		/* bounded: a parent chain longer than the list is a loop (a
		 * reused PID made its own ancestor) */
		for (size_t steps = 0; steps < m->nprocs && (up = parent_of(m, top)); steps++)
			top = up;
		p->group = top->pid;
	}
}

vproc *model_add(model *m, int pid, uint64_t start_time)
{
	if (m->nprocs == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		vproc **np = realloc(m->procs, cap * sizeof *np);
		if (!np)
			return NULL;
		m->procs = np;
		m->cap = cap;
	}
	vproc *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->pid = pid;
	p->group = pid;
	p->start_time = start_time;
	p->fds = -1;
	p->exit_status = -1;
	p->first_seen_ms = m->now_ms ? m->now_ms : clock_wall_ms();
	ring_axis_init(&p->axis, m->rcfg.tier[0].cap);
	ring_init_axis(&p->rss_r, &m->rcfg, &p->axis);
	ring_init_axis(&p->cpu_r, &m->rcfg, &p->axis);
	ring_init_axis(&p->sched_share_r, &m->rcfg_sched, &p->axis);
	p->sched_wait = p->sched_run = NAN;
	m->procs[m->nprocs++] = p;
	model_touch(m);
	return p;
}

void model_remove(model *m, vproc *p)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		if (m->procs[i] != p)
			continue;
		memmove(&m->procs[i], &m->procs[i + 1], (m->nprocs - i - 1) * sizeof *m->procs);
		m->nprocs--;
		vproc_free(p);
		model_touch(m);
		return;
	}
}

static int by_exit_time(const void *a, const void *b)
{
	const vproc *x = *(const vproc *const *)a, *y = *(const vproc *const *)b;
	return (x->exited_ms > y->exited_ms) - (x->exited_ms < y->exited_ms);
}

size_t model_exited_expired(const model *m, int64_t now_ms, int64_t keep_ms, size_t keep_max, vproc **out,
			    size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->state == PROC_EXITED && !m->procs[i]->launched)
			n++;
	if (n == 0)
		return 0;
	vproc **ex = xmalloc(n * sizeof *ex);
	n = 0;
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->state == PROC_EXITED && !m->procs[i]->launched)
			ex[n++] = m->procs[i];
	qsort(ex, n, sizeof *ex, by_exit_time);
	size_t k = 0;
	for (size_t i = 0; i < n && k < cap; i++) {
		/* an unknown exit time (0) counts as now: never expired by age */
		int64_t t = ex[i]->exited_ms ? ex[i]->exited_ms : now_ms;
		if (n - i > keep_max || now_ms - t >= keep_ms)
			out[k++] = ex[i];
	}
	free(ex);
	return k;
}

vnode *model_node(model *m, vproc *p)
{
	if (p->node)
		return p->node;
	vnode *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	ring_axis_init(&n->axis, m->rcfg.tier[0].cap);
	for (int i = 0; i < PS_COUNT; i++) {	/* not reported yet: NaN, not 0 */
		*(double *)(void *)((char *)n + probe_series_table[i].off) = NAN;
		if (vnode_ring(n, i))
			ring_init_axis(vnode_ring(n, i), probe_series_table[i].recent ? &m->rcfg_recent : &m->rcfg,
				       &n->axis);
	}
	p->node = n;
	return n;
}

/* Full below the cap: double, oldest first from slot 0 (head = len). */
static void gc_log_grow(vnode *n)
{
	uint32_t cap = n->gc_cap ? n->gc_cap * 2 : GC_LOG_MIN;
	gc_slot *g = xcalloc(cap, sizeof *g);
	for (uint32_t i = 0; i < n->gc_len; i++)
		g[i] = n->gc[(n->gc_head + n->gc_cap - n->gc_len + i) % n->gc_cap];
	free(n->gc);
	n->gc = g;
	n->gc_cap = cap;
	n->gc_head = n->gc_len;
}

/* A pause in ms as an IEEE half float, rounded to nearest (even); negative
 * or NaN as 0, 65504 ms (the largest half) or more as 65504. */
static uint16_t dur_pack(float ms)
{
	if (!(ms > 0))
		return 0;
	if (ms >= 65504.0f)
		return 0x7bff;
	int e;
	float m = frexpf(ms, &e);	/* ms = m * 2^e, m in [0.5, 1) */
	int biased = e + 14;		/* = (2m) * 2^(e-1), exponent bias 15 */
	if (biased <= 0)		/* subnormal: f * 2^-24; 1024 is the smallest normal */
		return (uint16_t)lrintf(ldexpf(ms, 24));
	/* a mantissa that rounds up to 1024 carries into the exponent, which is
	 * the right encoding (and stays below infinity: ms < 65504) */
	return (uint16_t)(((uint32_t)biased << 10) + (uint32_t)lrintf((2 * m - 1) * 1024));
}

static float dur_unpack(uint16_t h)
{
	int biased = h >> 10, f = h & 0x3ff;
	return biased == 0 ? ldexpf((float)f, -24) : ldexpf(1.0f + (float)f / 1024.0f, biased - 15);
}

/* Make t fit the log's 32-bit offsets: the first event sets gc_t0; an older
 * one is pinned to it; one 49 days past it moves gc_t0 up to the oldest kept
 * event, dropping the oldest ones while the log itself spans that long. */
static uint32_t gc_offset(vnode *n, int64_t t)
{
	if (n->gc_len == 0)
		n->gc_t0 = t;
	while (t - n->gc_t0 > (int64_t)UINT32_MAX) {
		uint32_t oldest = (n->gc_head + n->gc_cap - n->gc_len) % n->gc_cap, shift = n->gc[oldest].t;
		if (n->gc_len == 0) {
			n->gc_t0 = t;
		} else if (shift == 0) {
			n->gc_len--;	/* the oldest goes: the next is later */
		} else {
			for (uint32_t i = 0; i < n->gc_len; i++)
				n->gc[(oldest + i) % n->gc_cap].t -= shift;
			n->gc_t0 += shift;
		}
	}
	return t > n->gc_t0 ? (uint32_t)(t - n->gc_t0) : 0;
}

void model_gc_push(vnode *n, const gc_event *ev)
{
	if (n->gc_len == n->gc_cap && n->gc_cap < GC_LOG_CAP)
		gc_log_grow(n);
	uint32_t t = gc_offset(n, ev->t_ms);
	n->gc[n->gc_head] = (gc_slot){ .t = t, .dur = dur_pack(ev->dur_ms), .kind = ev->kind, .flags = ev->flags };
	n->gc_head = (n->gc_head + 1) % n->gc_cap;
	if (n->gc_len < n->gc_cap)
		n->gc_len++;
	n->gc_total++;
	n->gc_total_ms += ev->dur_ms;
	int k = gc_kind_index(ev->kind), b = 0;
	while (b < GC_HIST_BUCKETS && !(ev->dur_ms <= gc_hist_le_ms[b]))
		b++;
	n->gc_hist[k][b]++;
	n->gc_hist_sum_ms[k] += ev->dur_ms;
}

gc_event model_gc_get(const vnode *n, uint32_t i)
{
	if (i >= n->gc_len)
		return (gc_event){ 0 };
	const gc_slot *g = &n->gc[(n->gc_head + n->gc_cap - n->gc_len + i) % n->gc_cap];
	return (gc_event){ .t_ms = n->gc_t0 + g->t, .dur_ms = dur_unpack(g->dur), .kind = g->kind, .flags = g->flags };
}

int gc_kind_index(int kind)
{
	switch (kind) {
	case GC_MINOR: return 0;
	case GC_MAJOR: return 1;
	case GC_INCREMENTAL: return 2;
	case GC_WEAKCB: return 3;
	default: return 4;
	}
}

heap_space *model_space(model *m, vnode *n, const char *name)
{
	(void)m;	/* spaces keep no ring (no view draws their history) */
	for (int i = 0; i < n->nspaces; i++)
		if (strcmp(n->spaces[i].name, name) == 0)
			return &n->spaces[i];
	if (n->nspaces == MAX_SPACES)
		return NULL;
	heap_space *s = &n->spaces[n->nspaces++];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	return s;
}

handle_count *model_handle(model *m, vnode *n, const char *type)
{
	for (int i = 0; i < n->nhandles; i++)
		if (strcmp(n->handles[i].type, type) == 0)
			return &n->handles[i];
	if (n->nhandles == MAX_HANDLE_TYPES)
		return NULL;
	if (n->nhandles == n->handles_cap) {	/* rings move with their struct: no self-pointers */
		int cap = n->handles_cap ? n->handles_cap * 2 : 1;	/* an idle app has one type */
		n->handles = xrealloc(n->handles, (size_t)cap * sizeof *n->handles);
		n->handles_cap = cap;
	}
	handle_count *h = &n->handles[n->nhandles++];
	memset(h, 0, sizeof *h);
	snprintf(h->type, sizeof h->type, "%s", type);
	/* alerts read its recent samples; no graph */
	ring_init_axis(&h->r, &m->rcfg_recent, &n->axis);
	return h;
}

model_alert *model_alert_push(model *m, const model_alert *a)
{
	model_alert *slot = &m->alerts[m->alerts_head];
	*slot = *a;
	m->alerts_head = (m->alerts_head + 1) % ALERT_LOG_CAP;
	if (m->alerts_len < ALERT_LOG_CAP)
		m->alerts_len++;
	model_touch(m);
	return slot;
}

const model_alert *model_alert_get(const model *m, uint32_t i)
{
	if (i >= m->alerts_len)
		return NULL;
	return &m->alerts[(m->alerts_head + ALERT_LOG_CAP - 1 - i) % ALERT_LOG_CAP];
}

int model_capture_add(vproc *p, const capture *c)
{
	if (!p->captures && !(p->captures = calloc(MAX_CAPTURES, sizeof *p->captures)))
		return -1;
	if (p->ncaptures == MAX_CAPTURES) {
		memmove(&p->captures[0], &p->captures[1], (MAX_CAPTURES - 1) * sizeof *p->captures);
		p->ncaptures--;
	}
	p->captures[p->ncaptures++] = *c;
	return 0;
}

void model_log_push(model *m, const char *line)
{
	if (!m->log) {
		m->log = calloc(LOG_LINES_CAP, LOG_LINE_LEN);
		if (!m->log)
			return;
	}
	snprintf(m->log[m->log_head], LOG_LINE_LEN, "%s", line);
	m->log_head = (m->log_head + 1) % LOG_LINES_CAP;
	if (m->log_len < LOG_LINES_CAP)
		m->log_len++;
	model_touch(m);
}

const char *model_log_get(const model *m, uint32_t i)
{
	if (i >= m->log_len)
		return NULL;
	return m->log[(m->log_head + LOG_LINES_CAP - m->log_len + i) % LOG_LINES_CAP];
}

void model_status(model *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->status, sizeof m->status, fmt, ap);
	va_end(ap);
	m->status_ms = m->now_ms ? m->now_ms : clock_wall_ms();
	if (m->on_status)
		m->on_status(m->on_status_ud, m->status);
	model_touch(m);
}

bool model_node_opt_takes_value(const char *o)
{
	static const char *const with_value[] = {
		"-r", "--require", "--import", "--loader", "--experimental-loader", "--inspect-port",
		"--debug-port", "--title", "-C", "--conditions", "--env-file", "--stack-size",
		"--max-old-space-size", "--input-type", "--watch-path", "--icu-data-dir",
		"--openssl-config", "--redirect-warnings", "--unhandled-rejections", NULL,
	};
	for (int i = 0; with_value[i]; i++)
		if (strcmp(o, with_value[i]) == 0)
			return true;
	return false;
}

const char *model_proc_label(const vproc *p, char *buf, size_t n)
{
	if (!p->host[0])
		return model_proc_name(p, buf, n);
	char label[NAME_LEN + 64];
	model_proc_name(p, label, sizeof label);
	snprintf(buf, n, "%s:%s", p->host, label);
	return buf;
}

bool vnode_stale(const vnode *n, int64_t now_ms)
{
	int64_t period = 1000 / (n->hz > 0 ? n->hz : 1);
	int64_t due = n->next_sample_ms > n->last_sample_ms ? n->next_sample_ms : n->last_sample_ms + period;
	return n->samples > 0 && now_ms > due + period + 250;
}

bool model_many_hosts(const model *m)
{
	for (size_t i = 1; i < m->nprocs; i++)
		if (strcmp(m->procs[i]->host, m->procs[0]->host) != 0)
			return true;
	return false;
}

const char *model_proc_name(const vproc *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s", p->app[0] ? p->app : p->name[0] ? p->name : "?");
	if (p->app[0])
		return buf;
	if (!p->cmdline || (strcmp(p->name, "node") != 0 && strcmp(p->name, "nodejs") != 0))
		return buf;
	/* cmdline is argv joined by spaces: walk its words after argv[0] */
	const char *s = p->cmdline;
	bool first = true, skip_next = false;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *w = s;
		while (*s && *s != ' ')
			s++;
		size_t len = (size_t)(s - w);
		if (len == 0)
			break;
		if (first) {
			first = false;
			continue;
		}
		if (skip_next) {
			skip_next = false;
			continue;
		}
		char word[64];
		snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), w);
		if (strcmp(word, "-e") == 0 || strcmp(word, "--eval") == 0 || strcmp(word, "-p") == 0 ||
		    strcmp(word, "--print") == 0) {
			snprintf(buf, n, "node %s", word);
			return buf;
		}
		if (word[0] == '-') {
			skip_next = model_node_opt_takes_value(word);
			continue;
		}
		const char *base = w + len;
		while (base > w && base[-1] != '/')
			base--;
		snprintf(buf, n, "%.*s", (int)(w + len - base), base);
		return buf;
	}
	return buf;
}

const char *const http_class_name[HTTP_CLASSES] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };

double model_http_err_pct(const double status[HTTP_CLASSES], double count, double errors)
{
	double bad = status[4];
	if (!isnan(errors)) {
		count += errors;
		bad += errors;
	}
	return count > 0 ? fmin(100.0 * bad / count, 100) : NAN;
}

const char *model_culprit_text(const vnode *n, int64_t now_ms, int64_t max_age_ms, char *buf, size_t len)
{
	const stall_culprit *c = &n->culprit;
	if (len)
		buf[0] = 0;
	if (!c->t_ms || !c->fn[0] || now_ms - c->t_ms > max_age_ms || c->t_ms - now_ms > max_age_ms)
		return buf;
	const char *base = strrchr(c->file, '/');	/* file:///a/b.js and /a/b.js alike */
	base = base ? base + 1 : c->file;
	if (*base && c->line > 0)
		snprintf(buf, len, " in %s (%s:%d)", c->fn, base, c->line);
	else if (*base)
		snprintf(buf, len, " in %s (%s)", c->fn, base);
	else
		snprintf(buf, len, " in %s", c->fn);
	return buf;
}
