/* probe_line — the parser of probe protocol lines; see probe_line.h.
 *
 * Data: nothing of its own.  A sample is first read into a sample_in (on the
 * heap: with 1000 GC events it is ~30 KB) and checked whole; only then does
 * apply_sample copy it into the vnode.  The sample's plain numbers go through
 * the table of base/probe_series.h: each row's src (and alt) is read with the
 * range of its unit, and every RING row gets one push per sample, a gap
 * (NaN) when the sample lacks it, so the series stay aligned in time.
 */
#include "collectors/probe_line.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/text.h"
#include "base/xalloc.h"

#define MAX_GC_IN 1000			/* protocol: at most 1000 GC events per sample */
#define MAX_STALLS_IN 16		/* protocol: at most 4 stall culprits per sample */
#define MAX_WORKERS_IN 64		/* protocol: at most 64 workers per sample */
#define MAX_ROUTES_IN 64		/* protocol: 21 routes (20 and "other"); some slack */
#define MAX_SPACES_IN 64		/* V8 has ~9; more is garbage */
#define MAX_HANDLES_IN 256		/* distinct handle types in one sample */
#define MAX_BYTES 1e15			/* 1 PB: a larger "size" is garbage */
#define MAX_MS 1e12			/* ~31 years */
#define MAX_TS 1e14			/* epoch ms, year ~5000 */

int probe_errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A probe-supplied string for display (controls become '?'). */
static void copy_clean(char *dst, size_t n, const char *src)
{
	text_clean(dst, n, src, strlen(src), 0);
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	default: return "null";
	}
}

/* Read obj[key] as a number in [lo, hi].  Returns 1 (found, *out set), 0 (absent
 * or null: JSON.stringify turns NaN into null) or -1 with err set. */
static int get_num(const json_t *obj, const char *key, const char *ctx, double lo, double hi,
		   double *out, char *err, size_t errlen)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return probe_errf(err, errlen, "%s%s is %s, expected a number", ctx, key, json_kind(v));
	double d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi)
		return probe_errf(err, errlen, "%s%s = %g is out of range (%g..%g)", ctx, key, d, lo, hi);
	*out = d;
	return 1;
}

/* Like get_num, but the value must be a whole number. */
static int get_int(const json_t *obj, const char *key, const char *ctx, double lo, double hi,
		   long long *out, char *err, size_t errlen)
{
	double d = 0;
	int rc = get_num(obj, key, ctx, lo, hi, &d, err, errlen);
	if (rc <= 0)
		return rc;
	if (d != floor(d))
		return probe_errf(err, errlen, "%s%s = %g is not a whole number", ctx, key, d);
	*out = (long long)d;
	return 1;
}

/* obj[key] must be absent, null or an object. */
static int get_obj(const json_t *obj, const char *key, const json_t **out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return probe_errf(err, errlen, "sample: %s is %s, expected an object", key, json_kind(v));
	*out = v;
	return 1;
}

/* obj[key] as a string, NULL if absent/null; -1 on a wrong type. */
static int get_str(const json_t *obj, const char *key, const char *ctx, const char **out,
		   char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return probe_errf(err, errlen, "%s%s is %s, expected a string", ctx, key, json_kind(v));
	*out = json_string_value(v);
	return 1;
}

/* The id of a command message: a positive integer (null allowed for errors). */
static int get_id(const json_t *root, const char *t, bool null_ok, long long *id, char *err, size_t errlen)
{
	const json_t *v = json_object_get(root, "id");
	*id = 0;
	if ((!v || json_is_null(v)) && null_ok)
		return 0;
	if (!v)
		return probe_errf(err, errlen, "%s: missing \"id\"", t);
	char ctx[24];
	snprintf(ctx, sizeof ctx, "%s: ", t);
	int rc = get_int(root, "id", ctx, 1, 9007199254740991.0, id, err, errlen);
	if (rc == 0)
		return probe_errf(err, errlen, "%s: \"id\" is null", t);
	return rc < 0 ? -1 : 0;
}

bool probe_line_attached(const vproc *p)
{
	return p->node && p->node->proto_version == PROBE_PROTO_VERSION && p->pstate == PROBE_ATTACHED;
}

/* ------------------------------------------------------------- messages */

static int apply_hello(model *m, vproc *p, const json_t *root, char *err, size_t errlen)
{
	const json_t *v = json_object_get(root, "v");
	if (!v)
		return probe_errf(err, errlen, "hello: missing \"v\"");
	if (!json_is_integer(v))
		return probe_errf(err, errlen, "hello: \"v\" is %s, expected an integer", json_kind(v));
	if (json_integer_value(v) != PROBE_PROTO_VERSION) {
		char why[sizeof p->probe_err];
		snprintf(why, sizeof why, "probe protocol v%lld not supported", (long long)json_integer_value(v));
		if (p->pstate != PROBE_FAILED || strcmp(p->probe_err, why) != 0) {
			p->pstate = PROBE_FAILED;
			snprintf(p->probe_err, sizeof p->probe_err, "%s", why);
			model_touch(m);
		}
		return probe_errf(err, errlen, "%s", why);
	}
	long long pid = 0, hz = 0;
	double limit = 0;
	const char *node = NULL, *v8 = NULL;
	int has_limit;
	if (get_int(root, "pid", "hello: ", 1, INT_MAX, &pid, err, errlen) < 0 ||
	    get_int(root, "hz", "hello: ", 1, 1000, &hz, err, errlen) < 0 ||
	    (has_limit = get_num(root, "heap_limit", "hello: ", 0, MAX_BYTES, &limit, err, errlen)) < 0 ||
	    get_str(root, "node", "hello: ", &node, err, errlen) < 0 ||
	    get_str(root, "v8", "hello: ", &v8, err, errlen) < 0)
		return -1;
	/* in a container the probe knows its PID there (NSpid), not ours */
	if (pid && pid != p->pid && !(p->nspid && pid == p->nspid))
		return probe_errf(err, errlen, "hello from pid %lld on the socket of pid %d", pid, p->pid);

	vnode *n = model_node(m, p);
	if (!n)
		return probe_errf(err, errlen, "out of memory");
	n->proto_version = PROBE_PROTO_VERSION;
	copy_clean(n->node_version, sizeof n->node_version, node ? node : "");
	copy_clean(n->v8_version, sizeof n->v8_version, v8 ? v8 : "");
	if (hz)
		n->hz = (int)hz;
	if (has_limit)
		n->heap_limit = limit;
	p->pstate = PROBE_ATTACHED;
	p->probe_err[0] = 0;
	return 0;
}

/* A sample, validated completely before any of it reaches the model. */
typedef struct sample_in {
	int64_t ts;
	double interval_ms;		/* 0 if absent */
	double next_ms;			/* NaN if absent (a probe before next_ms) */
	double v[PS_COUNT];		/* the table's numbers; NaN if absent */
	int nspaces;
	struct {
		char name[NAME_LEN];
		double size, used, avail, physical;
	} spaces[MAX_SPACES_IN];
	bool has_handles;
	int nhandles;
	long long handles_total;
	struct {
		char type[NAME_LEN];
		int count;
	} handles[MAX_HANDLES_IN];
	int ngc;
	long long gc_dropped;
	gc_event gc[MAX_GC_IN];
	bool has_culprit;
	stall_culprit culprit;		/* the sample's last stall culprit */
	int nworkers;			/* -1: the sample has no "workers" */
	worker_info workers[MAX_WORKERS];
	bool has_http[2];		/* http, http_client */
	double http_status[2][HTTP_CLASSES];	/* answers by status class */
	int nroutes;			/* -1: the sample's http has no "routes" */
	http_route routes[MAX_ROUTES];
} sample_in;

/* arr (the sample's key) must be an array of at most max elements (what
 * they are, for the reason). */
static int check_array(const json_t *arr, const char *key, const char *what, size_t max, char *err,
		       size_t errlen)
{
	if (!json_is_array(arr))
		return probe_errf(err, errlen, "sample: %s is %s, expected an array", key, json_kind(arr));
	if (json_array_size(arr) > max)
		return probe_errf(err, errlen, "sample: %zu %s, limit %zu", json_array_size(arr), what, max);
	return 0;
}

/* Element i of the sample's array key must be an object; ctx gets the
 * prefix of its fields' reasons ("sample: key[i]."). */
static int check_elem(const json_t *e, const char *key, size_t i, char *ctx, size_t n, char *err, size_t errlen)
{
	snprintf(ctx, n, "sample: %s[%zu].", key, i);
	if (!json_is_object(e))
		return probe_errf(err, errlen, "sample: %s[%zu] is %s, expected an object", key, i, json_kind(e));
	return 0;
}

static int parse_spaces(const json_t *arr, sample_in *s, char *err, size_t errlen)
{
	if (check_array(arr, "spaces", "heap spaces", MAX_SPACES_IN, err, errlen) < 0)
		return -1;
	size_t i;
	const json_t *sp;
	json_array_foreach(arr, i, sp) {
		char ctx[48];
		if (check_elem(sp, "spaces", i, ctx, sizeof ctx, err, errlen) < 0)
			return -1;
		const char *name;
		if (get_str(sp, "name", ctx, &name, err, errlen) < 0)
			return -1;
		if (!name || !*name)
			return probe_errf(err, errlen, "%sname is missing or empty", ctx);
		double size = 0, used = NAN, avail = 0, phys = 0;
		if (get_num(sp, "size", ctx, 0, MAX_BYTES, &size, err, errlen) < 0 ||
		    get_num(sp, "used", ctx, 0, MAX_BYTES, &used, err, errlen) < 0 ||
		    get_num(sp, "avail", ctx, 0, MAX_BYTES, &avail, err, errlen) < 0 ||
		    get_num(sp, "physical", ctx, 0, MAX_BYTES, &phys, err, errlen) < 0)
			return -1;
		int k = s->nspaces++;
		copy_clean(s->spaces[k].name, NAME_LEN, name);
		s->spaces[k].size = size;
		s->spaces[k].used = used;
		s->spaces[k].avail = avail;
		s->spaces[k].physical = phys;
	}
	return 0;
}

static int parse_handles(const json_t *obj, sample_in *s, char *err, size_t errlen)
{
	if (!json_is_object(obj))
		return probe_errf(err, errlen, "sample: handles is %s, expected an object", json_kind(obj));
	if (json_object_size(obj) > MAX_HANDLES_IN)
		return probe_errf(err, errlen, "sample: %zu handle types, limit %d", json_object_size(obj), MAX_HANDLES_IN);
	s->has_handles = true;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		long long c = 0;
		if (!*key)
			return probe_errf(err, errlen, "sample: handles has an empty type name");
		if (get_int(obj, key, "sample: handles.", 0, 1e9, &c, err, errlen) < 0)
			return -1;
		int k = s->nhandles++;
		copy_clean(s->handles[k].type, NAME_LEN, key);
		s->handles[k].count = (int)c;
		s->handles_total += c;
	}
	return 0;
}

static int parse_gc(const json_t *arr, sample_in *s, char *err, size_t errlen)
{
	if (check_array(arr, "gc", "GC events", MAX_GC_IN, err, errlen) < 0)
		return -1;
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e) {
		char ctx[48];
		if (check_elem(e, "gc", i, ctx, sizeof ctx, err, errlen) < 0)
			return -1;
		double ts = NAN, dur = NAN;
		long long kind = -1, flags = 0;
		if (get_num(e, "ts", ctx, 0, MAX_TS, &ts, err, errlen) < 0 ||
		    get_num(e, "dur", ctx, 0, MAX_MS, &dur, err, errlen) < 0 ||
		    get_int(e, "kind", ctx, 0, 255, &kind, err, errlen) < 0 ||
		    get_int(e, "flags", ctx, 0, 255, &flags, err, errlen) < 0)
			return -1;
		if (isnan(ts) || isnan(dur) || kind < 0)
			return probe_errf(err, errlen, "%s needs ts, kind and dur", ctx);
		s->gc[s->ngc++] = (gc_event){ .t_ms = (int64_t)ts, .dur_ms = (float)dur,
					      .kind = (uint8_t)kind, .flags = (uint8_t)flags };
	}
	return 0;
}

/* Read one table source, "key" or "obj.key", of a sample as a number in
 * 0..max: 1 (found), 0 (absent or null) or -1 with err set. */
static int get_src(const json_t *root, const char *src, double max, double *out, char *err, size_t errlen)
{
	const char *dot = strchr(src, '.');
	const json_t *obj = root;
	char ctx[48];
	if (dot) {
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)(dot - src), src);
		if (get_obj(root, name, &obj, err, errlen) < 0)
			return -1;
		snprintf(ctx, sizeof ctx, "sample: %s.", name);
		src = dot + 1;
	} else {
		snprintf(ctx, sizeof ctx, "sample: ");
	}
	return get_num(obj, src, ctx, 0, max, out, err, errlen);
}

/* The table's numbers of a sample (derived rows stay NaN here). */
static int parse_series(const json_t *root, sample_in *s, char *err, size_t errlen)
{
	for (int i = 0; i < PS_COUNT; i++) {
		const probe_series *ps = &probe_series_table[i];
		double max = probe_unit_max(ps->unit), alt = NAN;
		s->v[i] = NAN;
		if (!ps->src)
			continue;
		if (get_src(root, ps->src, max, &s->v[i], err, errlen) < 0 ||
		    (ps->alt && get_src(root, ps->alt, max, &alt, err, errlen) < 0))
			return -1;
		if (isnan(s->v[i]))
			s->v[i] = alt;
		if (ps->unit == PU_RATIO && s->v[i] > 1)
			s->v[i] = 1;
	}
	return 0;
}

/* http.routes: the server's top routes (more than the model keeps are dropped). */
static int parse_routes(const json_t *arr, sample_in *s, char *err, size_t errlen)
{
	if (check_array(arr, "http.routes", "routes", MAX_ROUTES_IN, err, errlen) < 0)
		return -1;
	s->nroutes = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char ctx[48];
		const json_t *e = json_array_get(arr, i);
		const char *method = NULL, *route = NULL;
		http_route r = { .count = NAN, .rps = NAN, .p50 = NAN, .p99 = NAN, .max = NAN, .e5xx = NAN };
		if (check_elem(e, "http.routes", i, ctx, sizeof ctx, err, errlen) < 0 ||
		    get_str(e, "method", ctx, &method, err, errlen) < 0 ||
		    get_str(e, "route", ctx, &route, err, errlen) < 0 ||
		    get_num(e, "count", ctx, 0, 1e12, &r.count, err, errlen) < 0 ||
		    get_num(e, "rps", ctx, 0, 1e9, &r.rps, err, errlen) < 0 ||
		    get_num(e, "p50_ms", ctx, 0, MAX_MS, &r.p50, err, errlen) < 0 ||
		    get_num(e, "p99_ms", ctx, 0, MAX_MS, &r.p99, err, errlen) < 0 ||
		    get_num(e, "max_ms", ctx, 0, MAX_MS, &r.max, err, errlen) < 0 ||
		    get_num(e, "5xx", ctx, 0, 1e12, &r.e5xx, err, errlen) < 0)
			return -1;
		if (!route)
			return probe_errf(err, errlen, "%sroute is missing", ctx);
		if (s->nroutes >= MAX_ROUTES)
			continue;
		copy_clean(r.method, sizeof r.method, method ? method : "");
		copy_clean(r.route, sizeof r.route, route);
		s->routes[s->nroutes++] = r;
	}
	return 0;
}

/* The status classes of http (side 0) or http_client (side 1). */
static int parse_http(const json_t *root, int side, sample_in *s, char *err, size_t errlen)
{
	static const char *const key[2] = { "http", "http_client" };
	const json_t *o, *st, *rt;
	int rc = get_obj(root, key[side], &o, err, errlen);
	if (rc <= 0)
		return rc;
	s->has_http[side] = true;
	if (side == 0 && (rt = json_object_get(o, "routes")) && !json_is_null(rt) &&
	    parse_routes(rt, s, err, errlen) < 0)
		return -1;
	for (int c = 0; c < HTTP_CLASSES; c++)
		s->http_status[side][c] = 0;
	if (!(st = json_object_get(o, "status")) || json_is_null(st))
		return 0;
	if (!json_is_object(st))
		return probe_errf(err, errlen, "sample: %s.status is %s, expected an object", key[side], json_kind(st));
	char ctx[40];
	snprintf(ctx, sizeof ctx, "sample: %s.status.", key[side]);
	for (int c = 0; c < HTTP_CLASSES; c++) {
		double v = 0;
		if (get_num(st, http_class_name[c], ctx, 0, 1e12, &v, err, errlen) < 0)
			return -1;
		s->http_status[side][c] = v;
	}
	return 0;
}

/* "workers": the worker threads (more than the model keeps are dropped). */
static int parse_workers(const json_t *arr, sample_in *s, char *err, size_t errlen)
{
	if (check_array(arr, "workers", "workers", MAX_WORKERS_IN, err, errlen) < 0)
		return -1;
	s->nworkers = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char ctx[48];
		const json_t *e = json_array_get(arr, i);
		const char *name = NULL;
		long long tid = 0;
		double ts = NAN;
		worker_info w = { .heap_used = NAN, .heap_total = NAN, .heap_limit = NAN, .elu = NAN,
				  .cpu_pct = NAN, .lag_max = NAN, .gc_count = NAN, .gc_ms = NAN, .gc_major = NAN };
		if (check_elem(e, "workers", i, ctx, sizeof ctx, err, errlen) < 0 ||
		    get_int(e, "thread_id", ctx, 0, 1e9, &tid, err, errlen) < 0 ||
		    get_str(e, "name", ctx, &name, err, errlen) < 0 ||
		    get_num(e, "ts", ctx, 0, MAX_TS, &ts, err, errlen) < 0 ||
		    get_num(e, "heap_used", ctx, 0, MAX_BYTES, &w.heap_used, err, errlen) < 0 ||
		    get_num(e, "heap_total", ctx, 0, MAX_BYTES, &w.heap_total, err, errlen) < 0 ||
		    get_num(e, "heap_limit", ctx, 0, MAX_BYTES, &w.heap_limit, err, errlen) < 0 ||
		    get_num(e, "elu", ctx, 0, 1.01, &w.elu, err, errlen) < 0 ||
		    get_num(e, "cpu", ctx, 0, 1.01, &w.cpu_pct, err, errlen) < 0 ||
		    get_num(e, "lag_max", ctx, 0, MAX_MS, &w.lag_max, err, errlen) < 0 ||
		    get_num(e, "gc_count", ctx, 0, 1e12, &w.gc_count, err, errlen) < 0 ||
		    get_num(e, "gc_ms", ctx, 0, MAX_MS, &w.gc_ms, err, errlen) < 0 ||
		    get_num(e, "gc_major", ctx, 0, 1e12, &w.gc_major, err, errlen) < 0)
			return -1;
		if (s->nworkers >= MAX_WORKERS)
			continue;
		w.thread_id = (int)tid;
		w.t_ms = isnan(ts) ? 0 : (int64_t)ts;
		if (w.elu > 1)
			w.elu = 1;
		if (w.cpu_pct > 1)
			w.cpu_pct = 1;
		w.cpu_pct *= 100;	/* a share of a core, as the process's CPU% (NaN stays NaN) */
		copy_clean(w.name, sizeof w.name, name ? name : "");
		s->workers[s->nworkers++] = w;
	}
	return 0;
}

/* One element of "stalls" into c. */
static int parse_stall(const json_t *e, const char *ctx, stall_culprit *c, char *err, size_t errlen)
{
	const char *fn = NULL, *url = NULL;
	double ts = NAN, ms = NAN;
	long long line = 0, col = 0;
	if (get_str(e, "fn", ctx, &fn, err, errlen) < 0 || get_str(e, "url", ctx, &url, err, errlen) < 0 ||
	    get_num(e, "ts", ctx, 0, MAX_TS, &ts, err, errlen) < 0 ||
	    get_num(e, "ms", ctx, 0, MAX_MS, &ms, err, errlen) < 0 ||
	    get_int(e, "line", ctx, 0, 1e9, &line, err, errlen) < 0 ||
	    get_int(e, "col", ctx, 0, 1e9, &col, err, errlen) < 0)
		return -1;
	if (!fn || !*fn || isnan(ts) || isnan(ms))
		return probe_errf(err, errlen, "%s needs fn, ts and ms", ctx);
	memset(c, 0, sizeof *c);
	c->t_ms = (int64_t)ts;
	c->ms = ms;
	c->line = (int)line;
	c->col = (int)col;
	copy_clean(c->fn, sizeof c->fn, fn);
	copy_clean(c->file, sizeof c->file, url ? url : "");
	return 0;
}

/* "stalls": the culprits of stalls; all are checked, the last is kept. */
static int parse_stalls(const json_t *arr, sample_in *s, char *err, size_t errlen)
{
	if (check_array(arr, "stalls", "stall culprits", MAX_STALLS_IN, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char ctx[48];
		const json_t *e = json_array_get(arr, i);
		if (check_elem(e, "stalls", i, ctx, sizeof ctx, err, errlen) < 0 ||
		    parse_stall(e, ctx, &s->culprit, err, errlen) < 0)
			return -1;
		s->has_culprit = true;
	}
	return 0;
}

static int parse_sample(const json_t *root, sample_in *s, char *err, size_t errlen)
{
	double ts = NAN;
	const json_t *v;
	s->nspaces = s->nhandles = s->ngc = 0;
	s->has_handles = false;
	s->has_culprit = false;
	s->has_http[0] = s->has_http[1] = false;
	s->nroutes = -1;
	s->nworkers = -1;
	s->handles_total = s->gc_dropped = 0;
	s->interval_ms = 0;
	s->next_ms = NAN;

	int rc = get_num(root, "ts", "sample: ", 0, MAX_TS, &ts, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return probe_errf(err, errlen, "sample: missing \"ts\"");
	s->ts = (int64_t)ts;
	if (get_num(root, "interval_ms", "sample: ", 0, MAX_MS, &s->interval_ms, err, errlen) < 0 ||
	    get_num(root, "next_ms", "sample: ", 0, MAX_MS, &s->next_ms, err, errlen) < 0 ||
	    parse_series(root, s, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(root, "spaces")) && !json_is_null(v) && parse_spaces(v, s, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(root, "handles")) && !json_is_null(v) && parse_handles(v, s, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(root, "gc")) && !json_is_null(v) && parse_gc(v, s, err, errlen) < 0)
		return -1;
	if (get_int(root, "gc_dropped", "sample: ", 0, 1e12, &s->gc_dropped, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(root, "stalls")) && !json_is_null(v) && parse_stalls(v, s, err, errlen) < 0)
		return -1;
	if (parse_http(root, 0, s, err, errlen) < 0 || parse_http(root, 1, s, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(root, "workers")) && !json_is_null(v) && parse_workers(v, s, err, errlen) < 0)
		return -1;
	return 0;
}

/* Apply a validated sample: latest values, one push per series at s->ts. */
static void apply_sample(model *m, vproc *p, sample_in *s)
{
	vnode *n = p->node;
	int64_t ts = s->ts;

	if (s->has_culprit)
		n->culprit = s->culprit;
	if (s->nroutes >= 0) {	/* a window with traffic: its routes */
		if (s->nroutes > 0 && !n->routes)
			n->routes = xcalloc(MAX_ROUTES, sizeof *n->routes);
		if (s->nroutes > 0)
			memcpy(n->routes, s->routes, (size_t)s->nroutes * sizeof *s->routes);
		n->nroutes = s->nroutes;
	}
	if (s->nworkers >= 0) {	/* the list as the probe has it now */
		if (s->nworkers > 0 && !n->workers)
			n->workers = xcalloc(MAX_WORKERS, sizeof *n->workers);
		if (s->nworkers > 0)
			memcpy(n->workers, s->workers, (size_t)s->nworkers * sizeof *s->workers);
		n->nworkers = s->nworkers;
	}
	for (int i = 0; i < s->nspaces; i++) {
		heap_space *sp = model_space(m, n, s->spaces[i].name);
		if (!sp)
			continue;	/* more spaces than the model keeps */
		sp->size = s->spaces[i].size;
		sp->used = s->spaces[i].used;
		sp->avail = s->spaces[i].avail;
		sp->physical = s->spaces[i].physical;
	}

	if (s->has_handles) {
		bool seen[MAX_HANDLE_TYPES] = { false };
		for (int i = 0; i < s->nhandles; i++) {
			handle_count *h = model_handle(m, n, s->handles[i].type);
			if (!h)
				continue;
			seen[h - n->handles] = true;
			h->count = s->handles[i].count;
			ring_push(&h->r, ts, h->count);
		}
		for (int i = 0; i < n->nhandles; i++) {	/* a type that vanished is 0 */
			if (seen[i])
				continue;
			n->handles[i].count = 0;
			ring_push(&n->handles[i].r, ts, 0);
		}
		s->v[PS_handles_total] = (double)s->handles_total;
	}

	double gc_ms = 0;
	/* scan-build: n (p->node) exists: samples are applied only after hello */
	memset(n->gc_count_interval, 0, sizeof n->gc_count_interval);
	for (int i = 0; i < s->ngc; i++) {
		model_gc_push(n, &s->gc[i]);
		n->gc_count_interval[gc_kind_index(s->gc[i].kind)]++;
		gc_ms += s->gc[i].dur_ms;
	}
	n->gc_total += (uint64_t)s->gc_dropped;
	/* The interval the GC time is measured against: the probe's own, else
	 * the gap since the previous sample, else the nominal period. */
	double interval = s->interval_ms;
	if (!(interval > 0) && n->samples && ts > n->last_sample_ms)
		interval = (double)(ts - n->last_sample_ms);
	if (!(interval > 0))
		interval = 1000.0 / (n->hz > 0 ? n->hz : 1);
	n->gc_ms_interval = gc_ms;
	s->v[PS_gc_pct] = fmin(gc_ms / interval * 100.0, 100);

	/* HTTP: the status classes as sent; the error share of the window
	 * (5xx of the answers; for outgoing requests failures count too), a
	 * gap when there was no traffic. */
	for (int side = 0; side < 2; side++) {
		if (!s->has_http[side])
			continue;
		memcpy(n->http_status[side], s->http_status[side], sizeof n->http_status[side]);
		s->v[side ? PS_httpc_err_pct : PS_http_err_pct] = model_http_err_pct(
			s->http_status[side], s->v[side ? PS_httpc_count : PS_http_count], side ? s->v[PS_httpc_errors] : NAN);
	}

	for (int i = 0; i < PS_COUNT; i++) {
		double *latest = (double *)(void *)((char *)n + probe_series_table[i].off);
		ring *r = vnode_ring(n, i);
		if (!isnan(s->v[i]))
			*latest = s->v[i];
		if (r && (!isnan(s->v[i]) || ring_len(r, 0) > 0))	/* no ring for a series never seen */
			ring_push(r, ts, s->v[i]);
	}

	n->last_sample_ms = ts;
	n->next_sample_ms = isnan(s->next_ms) ? 0 : ts + (int64_t)s->next_ms;
	n->samples++;
}

/* A process warning goes to the alert log.  One call, so base/alerts can take
 * it over (alerts_warning) without touching the parser. */
static void probe_warning(model *m, vproc *p, int64_t ts, const char *name, const char *message)
{
	model_alert a = { .t_ms = ts, .pid = p->pid, .severity = SEV_WARN, .state = ALERT_FIRING };
	char msg[sizeof a.msg + 80];	/* name: up to 63, then cut to fit a.msg */
	snprintf(a.rule, sizeof a.rule, "warning");
	snprintf(msg, sizeof msg, "%s: %s", name, message);
	copy_clean(a.msg, sizeof a.msg, msg);
	model_alert_push(m, &a);
}

static int apply_warning(model *m, vproc *p, const json_t *root, const probe_line_ops *ops,
			 char *err, size_t errlen)
{
	const char *name, *message;
	double ts = NAN;
	if (get_str(root, "name", "warning: ", &name, err, errlen) < 0 ||
	    get_str(root, "message", "warning: ", &message, err, errlen) < 0 ||
	    get_num(root, "ts", "warning: ", 0, MAX_TS, &ts, err, errlen) < 0)
		return -1;
	int64_t t = !isnan(ts) ? (int64_t)ts : m->now_ms ? m->now_ms : clock_wall_ms();
	/* cleaned here: whoever takes the warning puts it on screen */
	char cname[64], cmsg[sizeof(((model_alert *)0)->msg)];
	copy_clean(cname, sizeof cname, name && *name ? name : "Warning");
	copy_clean(cmsg, sizeof cmsg, message ? message : "");
	if (ops && ops->on_warning)
		ops->on_warning(ops->ud, p, cname, cmsg, t);
	else
		probe_warning(m, p, t, cname, cmsg);
	return 0;
}

static int apply_cmd_msg(vproc *p, const char *t, const json_t *root, const probe_line_ops *ops,
			 char *err, size_t errlen)
{
	long long id;
	if (strcmp(t, "chunk") == 0) {
		const json_t *d = json_object_get(root, "data");
		if (get_id(root, t, false, &id, err, errlen) < 0)
			return -1;
		if (!d || !json_is_string(d))
			return probe_errf(err, errlen, "chunk: data is %s, expected a string", d ? json_kind(d) : "missing");
		if (ops && ops->on_chunk)
			ops->on_chunk(ops->ud, p, id, json_string_value(d), json_string_length(d));
	} else if (strcmp(t, "progress") == 0) {
		/* checked, not used: probe_mgr_progress reports the bytes received,
		 * which move while the probe's own count (phase by phase) may not */
		double done = NAN;
		if (get_id(root, t, false, &id, err, errlen) < 0 ||
		    get_num(root, "done", "progress: ", 0, MAX_BYTES, &done, err, errlen) < 0)
			return -1;
	} else if (strcmp(t, "reply") == 0) {
		const json_t *ok = json_object_get(root, "ok");
		double bytes = NAN, hz = NAN;
		if (get_id(root, t, false, &id, err, errlen) < 0)
			return -1;
		if (!ok || !json_is_boolean(ok))
			return probe_errf(err, errlen, "reply: ok is %s, expected true or false", ok ? json_kind(ok) : "missing");
		if (get_num(root, "bytes", "reply: ", 0, MAX_BYTES, &bytes, err, errlen) < 0 ||
		    get_num(root, "hz", "reply: ", 1, 1000, &hz, err, errlen) < 0)
			return -1;
		if (ops && ops->on_reply)
			ops->on_reply(ops->ud, p, id, json_is_true(ok), bytes, hz);
	} else {	/* error */
		const char *code, *message;
		if (get_id(root, t, true, &id, err, errlen) < 0 ||
		    get_str(root, "code", "error: ", &code, err, errlen) < 0 ||
		    get_str(root, "message", "error: ", &message, err, errlen) < 0)
			return -1;
		char ccode[32], cmsg[200];
		copy_clean(ccode, sizeof ccode, code ? code : "EFAIL");
		copy_clean(cmsg, sizeof cmsg, message ? message : "");
		if (ops && ops->on_error)
			ops->on_error(ops->ud, p, id, ccode, cmsg);
	}
	return 0;
}

int probe_line_apply(model *m, vproc *p, const char *line, size_t len, char *err, size_t errlen)
{
	return probe_line_apply_ops(m, p, line, len, NULL, err, errlen);
}

int probe_line_apply_ops(model *m, vproc *p, const char *line, size_t len, const probe_line_ops *ops,
			 char *err, size_t errlen)
{
	if (len > PROBE_LINE_MAX)
		return probe_errf(err, errlen, "line of %zu bytes is over the 1 MiB limit", len);
	json_error_t je;
	json_t *root = json_loadb(line, len, JSON_ALLOW_NUL, &je);
	if (!root)
		return probe_errf(err, errlen, "invalid JSON at byte %d: %s", je.position, je.text);
	int rc = 0;
	const json_t *tv = json_object_get(root, "t");
	const char *t = tv && json_is_string(tv) ? json_string_value(tv) : NULL;
	if (!json_is_object(root)) {
		rc = probe_errf(err, errlen, "line is %s, expected an object", json_kind(root));
	} else if (!tv) {
		rc = probe_errf(err, errlen, "message without \"t\"");
	} else if (!t) {
		rc = probe_errf(err, errlen, "\"t\" is %s, expected a string", json_kind(tv));
	} else if (strcmp(t, "hello") == 0) {
		rc = apply_hello(m, p, root, err, errlen);
	} else if (strcmp(t, "sample") == 0 || strcmp(t, "warning") == 0 ||
		   strcmp(t, "progress") == 0 || strcmp(t, "chunk") == 0 ||
		   strcmp(t, "reply") == 0 || strcmp(t, "error") == 0) {
		if (!probe_line_attached(p) && strcmp(t, "error") != 0) {
			rc = probe_errf(err, errlen, "%s before hello", t);
		} else if (t[0] == 's') {
			sample_in *s = xmalloc(sizeof *s);
			if ((rc = parse_sample(root, s, err, errlen)) == 0)
				apply_sample(m, p, s);
			free(s);
		} else if (t[0] == 'w') {
			rc = apply_warning(m, p, root, ops, err, errlen);
		} else {
			/* may call back into the app, which may forget or remove p:
			 * touch only m after this */
			rc = apply_cmd_msg(p, t, root, ops, err, errlen);
		}
	} else {
		char shown[40];
		copy_clean(shown, sizeof shown, t);
		rc = probe_errf(err, errlen, "unknown message kind '%s'", shown);
	}
	json_decref(root);
	if (rc == 0)
		model_touch(m);
	return rc;
}
