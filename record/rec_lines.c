/* rec_lines — writing the record-only lines and applying every recorded
 * line to a model (see rec_lines.h).  Parsing uses jansson; each field is
 * checked for its type and range where it is applied, so a line with one bad
 * field loses that field, not the line. */
#include "record/rec_lines.h"
#include "record/recfile.h"
#include "base/text.h"
#include "base/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TS_MAX 9007199254740991LL	/* 2^53 - 1: what JSON numbers carry exactly */
#define PID_MAX 4194304
#define GC_LINE_MAX 4096	/* events in one "gc" line */

typedef enum rec_kind { RK_RECORD, RK_SAMPLE, RK_PROCESS, RK_ALERT, RK_GC } rec_kind;

struct rec_line {
	json_t *o;
	rec_kind kind;
	int64_t ts;
	int pid;
};

/* ---- writing ------------------------------------------------------------ */

static int emit(FILE *out, json_t *o)
{
	int rc = 0;
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (s) {
		if (fputs(s, out) == EOF || fputc('\n', out) == EOF)
			rc = errno ? -errno : -EIO;
		free(s);
	}
	json_decref(o);
	return rc;
}

int rec_write_header(FILE *out, int64_t now_ms, int interval_ms)
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	char clean[256];
	text_clean(clean, sizeof clean, host, strlen(host), TEXT_UTF8);
	return emit(out, json_pack("{s:s, s:i, s:I, s:s, s:i}", "t", "record", "v", REC_VERSION, "ts",
				   (json_int_t)now_ms, "host", clean, "interval_ms", interval_ms));
}

int rec_write_gc(FILE *out, const vproc *p, uint64_t *seen, int64_t now_ms)
{
	const vnode *n = p->node;
	if (!n || n->gc_total <= *seen)
		return 0;
	uint64_t fresh = n->gc_total - *seen;
	*seen = n->gc_total;
	if (fresh > n->gc_len)
		fresh = n->gc_len;	/* older ones already left the log */
	json_t *ev = json_array();
	for (uint32_t i = n->gc_len - (uint32_t)fresh; i < n->gc_len; i++) {
		gc_event g = model_gc_get(n, i);
		json_array_append_new(ev, json_pack("[I, f, i, i]", (json_int_t)g.t_ms, round(g.dur_ms * 1000) / 1000,
						     g.kind, g.flags));
	}
	return emit(out, json_pack("{s:s, s:I, s:i, s:o}", "t", "gc", "ts", (json_int_t)now_ms, "pid", p->pid, "ev", ev));
}

/* ---- parsing ------------------------------------------------------------ */

static bool get_int(const json_t *o, const char *k, long long lo, long long hi, long long *v)
{
	json_t *j = json_object_get(o, k);
	if (!json_is_integer(j))
		return false;
	long long x = json_integer_value(j);
	if (x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

/* A number in [0, hi], else NaN (absent, null, wrong type or range). */
static double get_num(const json_t *o, const char *k, double hi)
{
	json_t *j = json_object_get(o, k);
	if (!json_is_number(j))
		return NAN;
	double v = json_number_value(j);
	return isfinite(v) && v >= 0 && v <= hi ? v : NAN;
}

static void get_str(const json_t *o, const char *k, char *dst, size_t n)
{
	const char *s = json_string_value(json_object_get(o, k));
	if (s)
		text_clean(dst, n, s, strlen(s), TEXT_UTF8);
}

rec_line *rec_line_parse(const char *line, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(o)) {
		snprintf(err, errlen, o ? "a line that is not an object" : "a line that is not JSON");
		json_decref(o);
		return NULL;
	}
	static const char *const kinds[] = { "record", "sample", "process", "alert", "gc" };
	const char *t = json_string_value(json_object_get(o, "t"));
	int kind = -1;
	for (int i = 0; t && i < 5; i++)
		if (strcmp(t, kinds[i]) == 0)
			kind = i;
	long long ts, pid = 0;
	if (kind < 0) {
		snprintf(err, errlen, "a line of unknown kind");
	} else if (!get_int(o, "ts", 0, TS_MAX, &ts)) {
		snprintf(err, errlen, "a line without a valid \"ts\"");
	} else if (kind != RK_RECORD && !get_int(o, "pid", 1, PID_MAX, &pid)) {
		snprintf(err, errlen, "a line without a valid \"pid\"");
	} else {
		rec_line *l = xmalloc(sizeof *l);
		*l = (rec_line){ .o = o, .kind = (rec_kind)kind, .ts = ts, .pid = (int)pid };
		return l;
	}
	json_decref(o);
	return NULL;
}

int64_t rec_line_ts(const rec_line *l) { return l->ts; }
bool rec_line_is_header(const rec_line *l) { return l->kind == RK_RECORD; }

void rec_line_free(rec_line *l)
{
	if (!l)
		return;
	json_decref(l->o);
	free(l);
}

/* ---- applying ----------------------------------------------------------- */

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static const char *const state_names[] = { "live", "exited", "denied" };
static const char *const probe_names[] = { "none", "attaching", "connecting", "attached", "lost", "failed" };

/* The process a line speaks of: the newest with its pid; a new one when
 * there is none, or (fresh) when that one has exited (a reused pid). */
static vproc *find(const model *m, int pid, const char *host)
{
	for (size_t i = m->nprocs; i-- > 0;)
		if (m->procs[i]->pid == pid && strcmp(m->procs[i]->host, host) == 0)
			return m->procs[i];
	return NULL;
}

static vproc *proc_for(model *m, const rec_line *l, const char *host, bool fresh)
{
	vproc *p = find(m, l->pid, host);
	if (p && !(fresh && p->state == PROC_EXITED))
		return p;
	int64_t saved = m->now_ms;
	m->now_ms = l->ts;	/* first_seen */
	p = model_add(m, l->pid, (uint64_t)l->ts);
	m->now_ms = saved;
	if (p) {
		p->exit_status = -1;
		snprintf(p->host, sizeof p->host, "%s", host);
	}
	return p;
}

/* A series' number in a sample line: by its json key, or (HTTP figures) in
 * the line's "http"/"http_client" object under the probe's own name. */
static double series_num(const json_t *o, const probe_series *s)
{
	double max = probe_unit_max(s->unit);
	if (s->json)
		return get_num(o, s->json, max);
	const char *dot = s->src ? strchr(s->src, '.') : NULL;
	if (!dot || (strncmp(s->src, "http.", 5) != 0 && strncmp(s->src, "http_client.", 12) != 0))
		return NAN;
	char side[16];
	snprintf(side, sizeof side, "%.*s", (int)(dot - s->src), s->src);
	return get_num(json_object_get(o, side), dot + 1, max);
}

/* The HTTP status classes of each side the line has, and the error share
 * they make (into v, before the series are applied). */
static void apply_http_status(vnode *n, const json_t *o, double *v)
{
	for (int side = 0; side < 2; side++) {
		const json_t *h = json_object_get(o, side ? "http_client" : "http");
		if (!json_is_object(h))
			continue;
		const json_t *st = json_object_get(h, "status");
		for (int c = 0; c < HTTP_CLASSES; c++) {
			double x = get_num(st, http_class_name[c], 1e12);
			n->http_status[side][c] = isnan(x) ? 0 : x;
		}
		v[side ? PS_httpc_err_pct : PS_http_err_pct] = model_http_err_pct(
			n->http_status[side], v[side ? PS_httpc_count : PS_http_count], side ? v[PS_httpc_errors] : NAN);
	}
}

/* The server's top routes as the live view had them (http.routes); none
 * when the line has none. */
static void apply_routes(vnode *n, const json_t *o)
{
	const json_t *arr = json_object_get(json_object_get(o, "http"), "routes");
	n->nroutes = 0;
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e) {
		const char *route = json_string_value(json_object_get(e, "route"));
		if (!route || n->nroutes >= MAX_ROUTES)
			continue;
		if (!n->routes)
			n->routes = xcalloc(MAX_ROUTES, sizeof *n->routes);
		http_route *r = &n->routes[n->nroutes++];
		*r = (http_route){ .count = get_num(e, "count", 1e12), .rps = get_num(e, "rps", 1e9),
				   .p50 = get_num(e, "p50_ms", 1e9), .p99 = get_num(e, "p99_ms", 1e9),
				   .max = get_num(e, "max_ms", 1e9), .e5xx = get_num(e, "5xx", 1e12) };
		get_str(e, "method", r->method, sizeof r->method);
		text_clean(r->route, sizeof r->route, route, strlen(route), TEXT_UTF8);
	}
}

/* The worker threads as the live view had them ("workers"); none when the
 * line has none. */
static void apply_workers(vnode *n, const json_t *o)
{
	const json_t *arr = json_object_get(o, "workers");
	n->nworkers = 0;
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e) {
		long long tid, t = 0;
		if (!get_int(e, "thread_id", 0, 1000000000, &tid) || n->nworkers >= MAX_WORKERS)
			continue;
		if (!n->workers)
			n->workers = xcalloc(MAX_WORKERS, sizeof *n->workers);
		worker_info *w = &n->workers[n->nworkers++];
		get_int(e, "ts", 0, TS_MAX, &t);
		*w = (worker_info){ .thread_id = (int)tid, .t_ms = t, .heap_used = get_num(e, "heap_used", 1e15),
				    .heap_total = get_num(e, "heap_total", 1e15), .heap_limit = get_num(e, "heap_limit", 1e15),
				    .lag_max = get_num(e, "lag_max", 1e9), .elu = get_num(e, "elu", 1.01),
				    .cpu_pct = get_num(e, "cpu", 101), .gc_count = get_num(e, "gc_count", 1e12),
				    .gc_ms = get_num(e, "gc_ms", 1e9), .gc_major = NAN };
		if (w->elu > 1)
			w->elu = 1;
		get_str(e, "name", w->name, sizeof w->name);
	}
}

static void apply_sample_node(model *m, vproc *p, const json_t *o, int64_t ts)
{
	vnode *n = model_node(m, p);
	if (!n)
		return;
	double val[PS_COUNT];
	for (int i = 0; i < PS_COUNT; i++)
		val[i] = series_num(o, &probe_series_table[i]);
	apply_http_status(n, o, val);
	apply_routes(n, o);
	apply_workers(n, o);
	for (int i = 0; i < PS_COUNT; i++) {	/* the table's numbers */
		if (!isnan(val[i]))
			*(double *)(void *)((char *)n + probe_series_table[i].off) = val[i];
		ring *r = vnode_ring(n, i);
		if (r && (!isnan(val[i]) || ring_len(r, 0) > 0))	/* as live: no ring for a series never seen */
			ring_push(r, ts, val[i]);
	}
	long long x;
	if (get_int(o, "gc_total", 0, TS_MAX, &x))
		n->gc_total = (uint64_t)x;
	double d = get_num(o, "gc_total_ms", 1e15);
	if (!isnan(d))
		n->gc_total_ms = d;
	const char *key;
	json_t *v;
	json_t *h = json_object_get(o, "handles_by_type");
	json_object_foreach(h, key, v) {
		handle_count *hc;
		if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 1000000000 &&
		    (hc = model_handle(m, n, key))) {
			hc->count = (int)json_integer_value(v);
			ring_push(&hc->r, ts, hc->count);
		}
	}
	json_t *sp = json_object_get(o, "spaces");
	json_object_foreach(sp, key, v) {
		heap_space *s;
		if (json_is_object(v) && (s = model_space(m, n, key))) {
			double size = get_num(v, "size", 1e15), used = get_num(v, "used", 1e15);
			s->size = isnan(size) ? 0 : size;
			s->used = isnan(used) ? 0 : used;
		}
	}
	static const char *const kinds[] = { "minor", "major", "incremental", "weak", "other" };
	json_t *gi = json_object_get(o, "gc_interval");
	for (int i = 0; i < 5; i++)
		n->gc_count_interval[i] = get_int(gi, kinds[i], 0, 1000000, &x) ? (int)x : 0;
	n->samples++;
	n->last_sample_ms = ts;
}

static void apply_sample(model *m, const rec_line *l, const char *host)
{
	const json_t *o = l->o;
	vproc *p = proc_for(m, l, host, false);
	if (!p)
		return;
	long long x;
	char name[NAME_LEN] = "";
	get_str(o, "name", name, sizeof name);
	if (name[0])
		memcpy(p->name, name, sizeof name);
	get_str(o, "app", p->app, sizeof p->app);	/* pm2's name for it, as live */
	if (get_int(o, "ppid", 0, PID_MAX, &x))
		p->ppid = (int)x;
	int st = name_index(json_string_value(json_object_get(o, "state")), state_names, 3);
	if (st >= 0) {
		if (st == PROC_EXITED && p->state != PROC_EXITED)
			p->exited_ms = l->ts;
		p->state = (proc_state)st;
	}
	const char *stat = json_string_value(json_object_get(o, "stat"));
	p->state_char = stat && stat[0] >= 'A' && stat[0] <= 'Z' && !stat[1] ? stat[0] : 0;
	p->rss_bytes = get_num(o, "rss", 1e15);
	p->vsz_bytes = get_num(o, "vsz", 1e18);
	p->cpu_pct = get_num(o, "cpu", 1e5);
	p->cpu_user_pct = get_num(o, "cpu_user", 1e5);
	p->cpu_sys_pct = get_num(o, "cpu_sys", 1e5);
	p->threads = get_int(o, "threads", 0, 1000000, &x) ? (int)x : 0;
	p->fds = get_int(o, "fds", 0, 100000000, &x) ? (int)x : -1;
	double lim = get_num(o, "mem_limit", 1e18);
	p->mem_limit = isnan(lim) ? 0 : lim;
	p->sched_wait = get_num(o, "sched_wait", 1000);	/* so a replay judges stalls alike */
	p->sched_run = get_num(o, "sched_run", 1000);
	double share = p->sched_wait + p->sched_run > 0 ? p->sched_wait / (p->sched_wait + p->sched_run)
			: p->sched_wait + p->sched_run == 0 ? 0 : NAN;
	double oom = get_num(o, "oom_in_s", 1e12);
	p->oom_in_s = isnan(oom) ? 0 : oom;
	const char *ol = json_string_value(json_object_get(o, "oom_limit"));
	p->oom_limit = p->oom_in_s <= 0 || !ol ? NULL : strcmp(ol, "cgroup") == 0 ? "cgroup" : "heap";
	if (p->oom_limit == NULL)
		p->oom_in_s = 0;
	ring_push(&p->rss_r, l->ts, p->rss_bytes);
	ring_push(&p->cpu_r, l->ts, p->cpu_pct);
	ring_push(&p->sched_share_r, l->ts, share);
	p->last_seen_ms = l->ts;
	int ps = name_index(json_string_value(json_object_get(o, "probe")), probe_names, 6);
	if (ps >= 0)
		p->pstate = (probe_state)ps;
	if (ps == PROBE_ATTACHED || p->node)
		apply_sample_node(m, p, o, l->ts);
}

static void apply_process(model *m, const rec_line *l, const char *host)
{
	const char *ev = json_string_value(json_object_get(l->o, "event"));
	if (!ev)
		return;
	bool found = strcmp(ev, "found") == 0;
	vproc *p = proc_for(m, l, host, found);
	if (!p)
		return;
	get_str(l->o, "name", p->name, sizeof p->name);
	const char *cmd = json_string_value(json_object_get(l->o, "cmdline"));
	if (cmd && !p->cmdline) {
		size_t n = strlen(cmd) + 1;
		p->cmdline = xmalloc(n);
		text_clean(p->cmdline, n, cmd, n - 1, TEXT_UTF8);
	}
	if (found) {
		const char *detail = json_string_value(json_object_get(l->o, "detail"));
		p->state = detail ? PROC_DENIED : PROC_LIVE;
		if (detail)
			text_clean(p->err, sizeof p->err, detail, strlen(detail), TEXT_UTF8);
	} else if (strcmp(ev, "exited") == 0) {
		p->state = PROC_EXITED;
		p->exited_ms = l->ts;
	} else if (strcmp(ev, "probe_attached") == 0) {
		p->pstate = PROBE_ATTACHED;
	} else if (strcmp(ev, "probe_lost") == 0) {
		p->pstate = PROBE_LOST;
	}
}

static void apply_alert(model *m, const rec_line *l)
{
	static const char *const sev[] = { "info", "warn", "crit" };
	static const char *const st[] = { "pending", "firing", "resolved" };
	model_alert a = { .t_ms = l->ts, .pid = l->pid };
	int s = name_index(json_string_value(json_object_get(l->o, "severity")), sev, 3);
	int t = name_index(json_string_value(json_object_get(l->o, "state")), st, 3);
	if (s < 0 || t < 0)
		return;
	a.severity = (uint8_t)s;
	a.state = (uint8_t)t;
	get_str(l->o, "rule", a.rule, sizeof a.rule);
	get_str(l->o, "msg", a.msg, sizeof a.msg);
	/* a rotated file starts by saying again what fires: known already when
	 * the file before it was replayed */
	for (uint32_t i = 0; i < m->alerts_len; i++) {
		const model_alert *b = model_alert_get(m, i);
		if (b->t_ms == a.t_ms && b->pid == a.pid && b->state == a.state && strcmp(b->rule, a.rule) == 0)
			return;
	}
	model_alert_push(m, &a);
}

static void apply_gc(model *m, const rec_line *l, const char *host)
{
	vproc *p = find(m, l->pid, host);
	vnode *n = p ? model_node(m, p) : NULL;
	json_t *ev = json_object_get(l->o, "ev");
	if (!n || !json_is_array(ev))
		return;
	size_t i, count = 0;
	json_t *e;
	json_array_foreach(ev, i, e) {
		long long t, kind, flags;
		json_t *dur = json_array_get(e, 1);
		if (count++ == GC_LINE_MAX)
			break;
		if (!json_is_array(e) || json_array_size(e) != 4 || !json_is_number(dur))
			continue;
		double d = json_number_value(dur);
		json_t *k = json_array_get(e, 2), *f = json_array_get(e, 3), *tt = json_array_get(e, 0);
		if (!json_is_integer(k) || !json_is_integer(f) || !json_is_integer(tt) || !(d >= 0 && d <= 1e7))
			continue;
		t = json_integer_value(tt);
		kind = json_integer_value(k);
		flags = json_integer_value(f);
		if (t < 0 || t > TS_MAX || kind < 0 || kind > 255 || flags < 0 || flags > 255)
			continue;
		gc_event g = { .t_ms = t, .dur_ms = (float)d, .kind = (uint8_t)kind, .flags = (uint8_t)flags };
		/* a rotated file starts by repeating the GC history its process
		 * had: replayed after the file before it, those are known already */
		gc_event last = model_gc_get(n, n->gc_len - 1);
		/* the log keeps pauses as half floats (base/model.h: within 0.05 %) */
		if (n->gc_len && (t < last.t_ms || (t == last.t_ms && fabsf(g.dur_ms - last.dur_ms) <= g.dur_ms * 1e-3f &&
						    g.kind == last.kind)))
			continue;
		model_gc_push(n, &g);
	}
}

int rec_line_apply(const rec_line *l, model *m, const char *host, char *err, size_t errlen)
{
	if (!host)
		host = "";
	switch (l->kind) {
	case RK_RECORD: {
		long long v;
		if (!get_int(l->o, "v", 0, 1000000, &v) || v != REC_VERSION) {
			snprintf(err, errlen, "a recording of format version %lld; this vitals reads version %d",
				 get_int(l->o, "v", 0, 1000000, &v) ? v : -1LL, REC_VERSION);
			return -1;
		}
		return 0;
	}
	case RK_SAMPLE: apply_sample(m, l, host); break;
	case RK_PROCESS: apply_process(m, l, host); break;
	case RK_ALERT: apply_alert(m, l); break;
	case RK_GC: apply_gc(m, l, host); break;
	}
	model_touch(m);
	return 0;
}
