/* probe_client — the dashboard's end of the probe protocol; see probe_client.h
 * and doc/PROTOCOL.md.
 *
 * Data: a probe_mgr keeps one pclient per process it has ever tried to reach
 * (hung on p->probe_data, owned here, freed by probe_mgr_forget/close).  A
 * pclient has at most one live pconn (a uv_pipe_t plus its line buffer); a
 * pconn is freed only in its close callback, and once closing it no longer
 * points at its client (c->cl == NULL), so a client can be forgotten while a
 * connection or a file sync is still winding down.  A pclient runs at most one
 * capture (capjob: temp file fd + counters) and one gc at a time.
 *
 * Invariants: cl->conn == NULL or cl->conn->cl == cl; every open handle and
 * every fs request in flight counts in pm->pending, and the manager is freed
 * when it is closing and pending drops to zero.  A capture's temp file either
 * becomes the final file (fsync + no-replace rename on the reply) or is
 * unlinked: no partial file is ever left under its final name.
 *
 * probe_line_apply() is the one parser of probe input.  It validates a whole
 * message before it changes anything, so a rejected line leaves the model as
 * it was.  Strings that reach the screen are cleaned of control characters.
 */
#include "collectors/probe_client.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "core/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/paths.h"

#define PROBE_LINE_MAX (1u << 20)	/* protocol: probe → dashboard line cap */
#define PROTO_VERSION 1
#define MAX_GC_IN 1000			/* protocol: at most 1000 GC events per sample */
#define MAX_SPACES_IN 64		/* V8 has ~9; more is garbage */
#define MAX_HANDLES_IN 256		/* distinct handle types in one sample */
#define MAX_BYTES 1e15			/* 1 PB: a larger "size" is garbage */
#define MAX_MS 1e12			/* ~31 years */
#define MAX_TS 1e14			/* epoch ms, year ~5000 */
#define RETRY_MS 2000			/* before reconnecting to the same socket file */
#define SWEEP_MS 60000			/* between looks for stale sockets */
#define OUT_DIR_MAX 400			/* so that every file name fits capture.path */
#define OUT_PATH_MAX 512

/* ------------------------------------------------------------------ types */

typedef struct pclient pclient;
typedef struct pconn pconn;

typedef struct capkind {
	const char *cmd;	/* protocol command */
	const char *ext;	/* file extension */
	const char *kind;	/* capture.kind in the model */
	const char *label;	/* for messages */
} capkind;

static const capkind capkinds[] = {
	{ "heap_snapshot", "heapsnapshot", "heapsnapshot", "heap snapshot" },
	{ "cpu_profile", "cpuprofile", "cpuprofile", "CPU profile" },
	{ "report", "json", "report", "report" },
};

/* One capture in flight: chunks go straight into fd (a temp file). */
typedef struct capjob {
	probe_mgr *pm;
	pclient *cl;		/* NULL once the process was forgotten (orphan) */
	const capkind *k;
	long long id;
	int fd;
	int pid;
	bool saving;		/* reply came; fsync in flight */
	long long bytes;	/* bytes written */
	long long units;	/* UTF-16 code units, what the probe counts */
	int64_t t_ms;
	char stamp[20];		/* YYYYmmdd-HHMMSS of the request */
	char name[NAME_LEN];	/* sanitized process name */
	char tmp[OUT_PATH_MAX];
	probe_done_cb cb;
	void *ud;
	uv_fs_t fsreq;
} capjob;

struct pconn {
	uv_pipe_t pipe;		/* pipe.data == this */
	uv_connect_t req;
	probe_mgr *pm;
	pclient *cl;		/* NULL once closing */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *line;		/* bytes of the current, unfinished line */
	size_t len, cap;
	bool skipping;		/* dropping an over-long line up to its newline */
	bool connected, closing;
};

struct pclient {
	probe_mgr *pm;
	vproc *p;
	pclient *prev, *next;	/* pm->clients */
	pconn *conn;		/* current connection or NULL */
	probe_state before;	/* pstate to restore if a connect attempt fails */
	bool have_sock;
	bool sock_refused;	/* that socket file gave no usable hello: not retried */
	dev_t sock_dev;		/* the socket file of the last attempt */
	ino_t sock_ino;
	uint64_t retry_at;	/* uv_now() before which that same file is not retried */
	long long next_id;
	long long hz_id;
	capjob *cap;
	long long gc_id;
	probe_done_cb gc_cb;
	void *gc_ud;
};

struct probe_mgr {
	uv_loop_t *loop;
	model *m;
	int hz;
	char out_dir[PATH_MAX];
	probe_sample_cb on_sample;
	probe_warning_cb on_warning;
	void *ud;
	pclient *clients;
	int pending;		/* open handles + fs requests */
	bool closing;
	bool dir_warned;
	uint64_t sweep_at;	/* uv_now() of the next sweep for stale sockets */
	unsigned gen;		/* bumped whenever a client is freed */
	char rbuf[65536];	/* read buffer shared by all connections (one loop thread) */
};

/* --------------------------------------------------------------- helpers */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
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
static void clean_str(char *dst, size_t n, const char *src)
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
		return fail(err, errlen, "%s%s is %s, expected a number", ctx, key, json_kind(v));
	double d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi)
		return fail(err, errlen, "%s%s = %g is out of range (%g..%g)", ctx, key, d, lo, hi);
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
		return fail(err, errlen, "%s%s = %g is not a whole number", ctx, key, d);
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
		return fail(err, errlen, "sample: %s is %s, expected an object", key, json_kind(v));
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
		return fail(err, errlen, "%s%s is %s, expected a string", ctx, key, json_kind(v));
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
		return fail(err, errlen, "%s: missing \"id\"", t);
	char ctx[24];
	snprintf(ctx, sizeof ctx, "%s: ", t);
	int rc = get_int(root, "id", ctx, 1, 9007199254740991.0, id, err, errlen);
	if (rc == 0)
		return fail(err, errlen, "%s: \"id\" is null", t);
	return rc < 0 ? -1 : 0;
}

/* UTF-16 code units of UTF-8 text: what JavaScript's string.length counts. */
static long long utf16_units(const char *s, size_t n)
{
	long long u = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch & 0xc0) != 0x80)
			u += ch >= 0xf0 ? 2 : 1;
	}
	return u;
}

static bool attached(const vproc *p)
{
	return p->node && p->node->proto_version == PROTO_VERSION && p->pstate == PROBE_ATTACHED;
}

/* ------------------------------------------------- command side (routing) */

static void route_chunk(pclient *cl, long long id, const char *data, size_t n);
static void route_reply(pclient *cl, long long id, bool ok, const json_t *root);
static void route_error(pclient *cl, long long id, const char *code, const char *message);

/* ------------------------------------------------------------- messages */

static int apply_hello(model *m, vproc *p, const json_t *root, char *err, size_t errlen)
{
	const json_t *v = json_object_get(root, "v");
	if (!v)
		return fail(err, errlen, "hello: missing \"v\"");
	if (!json_is_integer(v))
		return fail(err, errlen, "hello: \"v\" is %s, expected an integer", json_kind(v));
	if (json_integer_value(v) != PROTO_VERSION) {
		char why[sizeof p->probe_err];
		snprintf(why, sizeof why, "probe protocol v%lld not supported", (long long)json_integer_value(v));
		if (p->pstate != PROBE_FAILED || strcmp(p->probe_err, why) != 0) {
			p->pstate = PROBE_FAILED;
			snprintf(p->probe_err, sizeof p->probe_err, "%s", why);
			model_touch(m);
		}
		return fail(err, errlen, "%s", why);
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
	if (pid && pid != p->pid)
		return fail(err, errlen, "hello from pid %lld on the socket of pid %d", pid, p->pid);

	vnode *n = model_node(m, p);
	if (!n)
		return fail(err, errlen, "out of memory");
	n->proto_version = PROTO_VERSION;
	clean_str(n->node_version, sizeof n->node_version, node ? node : "");
	clean_str(n->v8_version, sizeof n->v8_version, v8 ? v8 : "");
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
	double heap_used, heap_total, heap_limit, external, array_buffers, rss;	/* NaN if absent */
	double lag[5];			/* min p50 p99 max mean */
	double elu;
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
} sample_in;

static int parse_spaces(const json_t *arr, sample_in *s, char *err, size_t errlen)
{
	if (!json_is_array(arr))
		return fail(err, errlen, "sample: spaces is %s, expected an array", json_kind(arr));
	if (json_array_size(arr) > MAX_SPACES_IN)
		return fail(err, errlen, "sample: %zu heap spaces, limit %d", json_array_size(arr), MAX_SPACES_IN);
	size_t i;
	const json_t *sp;
	json_array_foreach(arr, i, sp) {
		char ctx[48];
		snprintf(ctx, sizeof ctx, "sample: spaces[%zu].", i);
		if (!json_is_object(sp))
			return fail(err, errlen, "sample: spaces[%zu] is %s, expected an object", i, json_kind(sp));
		const char *name;
		if (get_str(sp, "name", ctx, &name, err, errlen) < 0)
			return -1;
		if (!name || !*name)
			return fail(err, errlen, "%sname is missing or empty", ctx);
		double size = 0, used = NAN, avail = 0, phys = 0;
		if (get_num(sp, "size", ctx, 0, MAX_BYTES, &size, err, errlen) < 0 ||
		    get_num(sp, "used", ctx, 0, MAX_BYTES, &used, err, errlen) < 0 ||
		    get_num(sp, "avail", ctx, 0, MAX_BYTES, &avail, err, errlen) < 0 ||
		    get_num(sp, "physical", ctx, 0, MAX_BYTES, &phys, err, errlen) < 0)
			return -1;
		int k = s->nspaces++;
		clean_str(s->spaces[k].name, NAME_LEN, name);
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
		return fail(err, errlen, "sample: handles is %s, expected an object", json_kind(obj));
	if (json_object_size(obj) > MAX_HANDLES_IN)
		return fail(err, errlen, "sample: %zu handle types, limit %d", json_object_size(obj), MAX_HANDLES_IN);
	s->has_handles = true;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		long long c = 0;
		if (!*key)
			return fail(err, errlen, "sample: handles has an empty type name");
		if (get_int(obj, key, "sample: handles.", 0, 1e9, &c, err, errlen) < 0)
			return -1;
		int k = s->nhandles++;
		clean_str(s->handles[k].type, NAME_LEN, key);
		s->handles[k].count = (int)c;
		s->handles_total += c;
	}
	return 0;
}

static int parse_gc(const json_t *arr, sample_in *s, char *err, size_t errlen)
{
	if (!json_is_array(arr))
		return fail(err, errlen, "sample: gc is %s, expected an array", json_kind(arr));
	if (json_array_size(arr) > MAX_GC_IN)
		return fail(err, errlen, "sample: %zu GC events, limit %d", json_array_size(arr), MAX_GC_IN);
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e) {
		char ctx[48];
		snprintf(ctx, sizeof ctx, "sample: gc[%zu].", i);
		if (!json_is_object(e))
			return fail(err, errlen, "sample: gc[%zu] is %s, expected an object", i, json_kind(e));
		double ts = NAN, dur = NAN;
		long long kind = -1, flags = 0;
		if (get_num(e, "ts", ctx, 0, MAX_TS, &ts, err, errlen) < 0 ||
		    get_num(e, "dur", ctx, 0, MAX_MS, &dur, err, errlen) < 0 ||
		    get_int(e, "kind", ctx, 0, 255, &kind, err, errlen) < 0 ||
		    get_int(e, "flags", ctx, 0, 255, &flags, err, errlen) < 0)
			return -1;
		if (isnan(ts) || isnan(dur) || kind < 0)
			return fail(err, errlen, "%s needs ts, kind and dur", ctx);
		s->gc[s->ngc++] = (gc_event){ .t_ms = (int64_t)ts, .dur_ms = (float)dur,
					      .kind = (uint8_t)kind, .flags = (uint8_t)flags };
	}
	return 0;
}

static int parse_sample(const json_t *root, sample_in *s, char *err, size_t errlen)
{
	double ts = NAN, d;
	const json_t *mem, *heap, *lag, *v;
	memset(s, 0, offsetof(sample_in, spaces));
	s->nspaces = s->nhandles = s->ngc = 0;
	s->has_handles = false;
	s->handles_total = s->gc_dropped = 0;
	s->heap_used = s->heap_total = s->heap_limit = s->external = s->array_buffers = s->rss = NAN;
	s->elu = NAN;
	for (int i = 0; i < 5; i++)
		s->lag[i] = NAN;

	int rc = get_num(root, "ts", "sample: ", 0, MAX_TS, &ts, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return fail(err, errlen, "sample: missing \"ts\"");
	s->ts = (int64_t)ts;
	if (get_num(root, "interval_ms", "sample: ", 0, MAX_MS, &s->interval_ms, err, errlen) < 0 ||
	    get_obj(root, "mem", &mem, err, errlen) < 0 ||
	    get_obj(root, "heap", &heap, err, errlen) < 0 ||
	    get_obj(root, "lag", &lag, err, errlen) < 0)
		return -1;
	if (get_num(mem, "rss", "sample: mem.", 0, MAX_BYTES, &s->rss, err, errlen) < 0 ||
	    get_num(mem, "heapTotal", "sample: mem.", 0, MAX_BYTES, &s->heap_total, err, errlen) < 0 ||
	    get_num(mem, "heapUsed", "sample: mem.", 0, MAX_BYTES, &s->heap_used, err, errlen) < 0 ||
	    get_num(mem, "external", "sample: mem.", 0, MAX_BYTES, &s->external, err, errlen) < 0 ||
	    get_num(mem, "arrayBuffers", "sample: mem.", 0, MAX_BYTES, &s->array_buffers, err, errlen) < 0)
		return -1;
	/* heap.* repeats what mem.* has; it fills in what mem lacks */
	if ((rc = get_num(heap, "used", "sample: heap.", 0, MAX_BYTES, &d, err, errlen)) < 0)
		return -1;
	if (rc && isnan(s->heap_used))
		s->heap_used = d;
	if ((rc = get_num(heap, "total", "sample: heap.", 0, MAX_BYTES, &d, err, errlen)) < 0)
		return -1;
	if (rc && isnan(s->heap_total))
		s->heap_total = d;
	if (get_num(heap, "limit", "sample: heap.", 0, MAX_BYTES, &s->heap_limit, err, errlen) < 0)
		return -1;
	static const char *lagk[5] = { "min", "p50", "p99", "max", "mean" };
	for (int i = 0; i < 5; i++)
		if (get_num(lag, lagk[i], "sample: lag.", 0, MAX_MS, &s->lag[i], err, errlen) < 0)
			return -1;
	/* utilisation is a ratio; allow float noise above 1 and clamp */
	if (get_num(root, "elu", "sample: ", 0, 1.01, &s->elu, err, errlen) < 0)
		return -1;
	if (s->elu > 1)
		s->elu = 1;
	if ((v = json_object_get(root, "spaces")) && !json_is_null(v) && parse_spaces(v, s, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(root, "handles")) && !json_is_null(v) && parse_handles(v, s, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(root, "gc")) && !json_is_null(v) && parse_gc(v, s, err, errlen) < 0)
		return -1;
	if (get_int(root, "gc_dropped", "sample: ", 0, 1e12, &s->gc_dropped, err, errlen) < 0)
		return -1;
	return 0;
}

static void set_if(double *dst, double v)
{
	if (!isnan(v))
		*dst = v;
}

/* Apply a validated sample: latest values, one push per series at s->ts. */
static void apply_sample(model *m, vproc *p, const sample_in *s)
{
	vnode *n = p->node;
	int64_t ts = s->ts;

	set_if(&n->heap_used, s->heap_used);
	set_if(&n->heap_total, s->heap_total);
	set_if(&n->heap_limit, s->heap_limit);
	set_if(&n->external, s->external);
	set_if(&n->array_buffers, s->array_buffers);
	set_if(&n->probe_rss, s->rss);
	set_if(&n->lag_min, s->lag[0]);
	set_if(&n->lag_p50, s->lag[1]);
	set_if(&n->lag_p99, s->lag[2]);
	set_if(&n->lag_max, s->lag[3]);
	set_if(&n->lag_mean, s->lag[4]);
	set_if(&n->elu, s->elu);

	for (int i = 0; i < s->nspaces; i++) {
		heap_space *sp = model_space(m, n, s->spaces[i].name);
		if (!sp)
			continue;	/* more spaces than the model keeps */
		sp->size = s->spaces[i].size;
		sp->used = s->spaces[i].used;
		sp->avail = s->spaces[i].avail;
		sp->physical = s->spaces[i].physical;
		ring_push(&sp->used_r, ts, sp->used);
	}

	double handles = NAN;
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
		n->handles_total = s->handles_total > INT_MAX ? INT_MAX : (int)s->handles_total;
		handles = n->handles_total;
	}

	double gc_ms = 0;
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
	n->gc_pct = gc_ms / interval * 100.0;
	if (n->gc_pct > 100)
		n->gc_pct = 100;

	ring_push(&n->heap_used_r, ts, s->heap_used);
	ring_push(&n->heap_total_r, ts, s->heap_total);
	ring_push(&n->external_r, ts, s->external);
	ring_push(&n->lag_p99_r, ts, s->lag[2]);
	ring_push(&n->lag_max_r, ts, s->lag[3]);
	ring_push(&n->elu_r, ts, s->elu);
	ring_push(&n->gc_pct_r, ts, n->gc_pct);
	ring_push(&n->handles_r, ts, handles);

	n->last_sample_ms = ts;
	n->samples++;
}

/* A process warning goes to the alert log.  One call, so core/alerts can take
 * it over (alerts_warning) without touching the parser. */
static void probe_warning(model *m, vproc *p, int64_t ts, const char *name, const char *message)
{
	model_alert a = { .t_ms = ts, .pid = p->pid, .severity = SEV_WARN, .state = ALERT_FIRING };
	char msg[sizeof a.msg + 80];	/* name: up to 63, then cut to fit a.msg */
	snprintf(a.rule, sizeof a.rule, "warning");
	snprintf(msg, sizeof msg, "%s: %s", name, message);
	clean_str(a.msg, sizeof a.msg, msg);
	model_alert_push(m, &a);
}

static int apply_warning(model *m, vproc *p, const json_t *root, probe_warning_cb on_warning,
			 void *ud, char *err, size_t errlen)
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
	clean_str(cname, sizeof cname, name && *name ? name : "Warning");
	clean_str(cmsg, sizeof cmsg, message ? message : "");
	if (on_warning)
		on_warning(ud, p, cname, cmsg, t);
	else
		probe_warning(m, p, t, cname, cmsg);
	return 0;
}

static int apply_cmd_msg(vproc *p, const char *t, const json_t *root, char *err, size_t errlen)
{
	pclient *cl = p->probe_data;
	long long id;
	if (strcmp(t, "chunk") == 0) {
		const json_t *d = json_object_get(root, "data");
		if (get_id(root, t, false, &id, err, errlen) < 0)
			return -1;
		if (!d || !json_is_string(d))
			return fail(err, errlen, "chunk: data is %s, expected a string", d ? json_kind(d) : "missing");
		if (cl)
			route_chunk(cl, id, json_string_value(d), json_string_length(d));
	} else if (strcmp(t, "progress") == 0) {
		/* checked, not used: probe_mgr_progress reports the bytes received,
		 * which move while the probe's own count (phase by phase) may not */
		double done = NAN;
		if (get_id(root, t, false, &id, err, errlen) < 0 ||
		    get_num(root, "done", "progress: ", 0, MAX_BYTES, &done, err, errlen) < 0)
			return -1;
	} else if (strcmp(t, "reply") == 0) {
		const json_t *ok = json_object_get(root, "ok");
		double d;
		if (get_id(root, t, false, &id, err, errlen) < 0)
			return -1;
		if (!ok || !json_is_boolean(ok))
			return fail(err, errlen, "reply: ok is %s, expected true or false", ok ? json_kind(ok) : "missing");
		if (get_num(root, "bytes", "reply: ", 0, MAX_BYTES, &d, err, errlen) < 0 ||
		    get_num(root, "hz", "reply: ", 1, 1000, &d, err, errlen) < 0)
			return -1;
		if (cl)
			route_reply(cl, id, json_is_true(ok), root);
	} else {	/* error */
		const char *code, *message;
		if (get_id(root, t, true, &id, err, errlen) < 0 ||
		    get_str(root, "code", "error: ", &code, err, errlen) < 0 ||
		    get_str(root, "message", "error: ", &message, err, errlen) < 0)
			return -1;
		if (cl)
			route_error(cl, id, code ? code : "EFAIL", message ? message : "");
	}
	return 0;
}

int probe_line_apply(model *m, vproc *p, const char *line, size_t len, char *err, size_t errlen)
{
	return probe_line_apply_cb(m, p, line, len, NULL, NULL, err, errlen);
}

int probe_line_apply_cb(model *m, vproc *p, const char *line, size_t len, probe_warning_cb on_warning,
			void *ud, char *err, size_t errlen)
{
	if (len > PROBE_LINE_MAX)
		return fail(err, errlen, "line of %zu bytes is over the 1 MiB limit", len);
	json_error_t je;
	json_t *root = json_loadb(line, len, JSON_ALLOW_NUL, &je);
	if (!root)
		return fail(err, errlen, "invalid JSON at byte %d: %s", je.position, je.text);
	int rc = 0;
	const json_t *tv = json_object_get(root, "t");
	const char *t = tv && json_is_string(tv) ? json_string_value(tv) : NULL;
	if (!json_is_object(root)) {
		rc = fail(err, errlen, "line is %s, expected an object", json_kind(root));
	} else if (!tv) {
		rc = fail(err, errlen, "message without \"t\"");
	} else if (!t) {
		rc = fail(err, errlen, "\"t\" is %s, expected a string", json_kind(tv));
	} else if (strcmp(t, "hello") == 0) {
		rc = apply_hello(m, p, root, err, errlen);
	} else if (strcmp(t, "sample") == 0 || strcmp(t, "warning") == 0 ||
		   strcmp(t, "progress") == 0 || strcmp(t, "chunk") == 0 ||
		   strcmp(t, "reply") == 0 || strcmp(t, "error") == 0) {
		if (!attached(p) && strcmp(t, "error") != 0) {
			rc = fail(err, errlen, "%s before hello", t);
		} else if (t[0] == 's') {
			sample_in *s = malloc(sizeof *s);
			if (!s)
				rc = fail(err, errlen, "out of memory");
			else if ((rc = parse_sample(root, s, err, errlen)) == 0)
				apply_sample(m, p, s);
			free(s);
		} else if (t[0] == 'w') {
			rc = apply_warning(m, p, root, on_warning, ud, err, errlen);
		} else {
			/* may call back into the app, which may forget or remove p:
			 * touch only m after this */
			rc = apply_cmd_msg(p, t, root, err, errlen);
		}
	} else {
		char shown[40];
		clean_str(shown, sizeof shown, t);
		rc = fail(err, errlen, "unknown message kind '%s'", shown);
	}
	json_decref(root);
	if (rc == 0)
		model_touch(m);
	return rc;
}

/* ------------------------------------------------------------ manager */

static void mgr_unref(probe_mgr *pm)
{
	if (--pm->pending == 0 && pm->closing)
		free(pm);
}

static void write_done(uv_write_t *req, int status)
{
	free(req);	/* the request heads the allocation that also holds the data */
}

/* Send one command line (without the newline). */
static int conn_send(pconn *c, const char *line)
{
	size_t n = strlen(line);
	struct wreq {
		uv_write_t req;
		char data[];
	} *w = malloc(sizeof *w + n + 1);
	if (!w)
		return UV_ENOMEM;
	memcpy(w->data, line, n);
	w->data[n] = '\n';
	uv_buf_t b = uv_buf_init(w->data, (unsigned)n + 1);
	int rc = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, write_done);
	if (rc < 0)
		free(w);
	return rc;
}

static void conn_closed(uv_handle_t *h)
{
	pconn *c = h->data;
	probe_mgr *pm = c->pm;
	free(c->line);
	free(c);
	mgr_unref(pm);
}

/* Start closing c; it lets go of its client at once. */
static void conn_close(pconn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->cl && c->cl->conn == c)
		c->cl->conn = NULL;
	c->cl = NULL;
	uv_close((uv_handle_t *)&c->pipe, conn_closed);
}

/* True when the process is gone: exited in the model, no such PID, or a
 * zombie (kill(2) still succeeds on those). */
static bool proc_gone(const vproc *p)
{
	if (p->state == PROC_EXITED)
		return true;
	if (kill(p->pid, 0) < 0 && errno == ESRCH)
		return true;
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", p->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* After EOF the kernel may still be tearing the process down: give it a
 * moment before deciding it was alive (only on the rare capture-lost path). */
static bool proc_gone_settled(const vproc *p)
{
	for (int i = 0; i < 50; i++) {
		if (proc_gone(p))
			return true;
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

/* End a capture that will not produce a file: remove the temp file, tell the
 * caller why.  The callback runs last: it may forget the process. */
static void job_fail(capjob *j, const char *why)
{
	probe_done_cb cb = j->cb;
	void *ud = j->ud;
	vproc *p = j->cl ? j->cl->p : NULL;
	if (j->cl)
		j->cl->cap = NULL;
	if (j->fd >= 0)
		close(j->fd);
	unlink(j->tmp);
	model_status(j->pm->m, "%s", why);
	free(j);
	if (cb && p)
		cb(ud, p, 0, why);
}

/* Pick the final name: <dir>/<name>-<pid>-<stamp>.<ext>, never replacing an
 * existing file (a second capture in the same second gets a -2 suffix). */
static int job_rename(capjob *j, char *final, size_t n)
{
	for (int k = 1; k < 100; k++) {
		if (k == 1)
			snprintf(final, n, "%.400s/%s-%d-%s.%s", j->pm->out_dir, j->name, j->pid, j->stamp, j->k->ext);
		else
			snprintf(final, n, "%.400s/%s-%d-%s-%d.%s", j->pm->out_dir, j->name, j->pid, j->stamp, k, j->k->ext);
		if (renameat2(AT_FDCWD, j->tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* file system without RENAME_NOREPLACE: link() also refuses to replace */
		if (link(j->tmp, final) == 0)
			return unlink(j->tmp), 0;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static void job_synced(uv_fs_t *req)
{
	capjob *j = req->data;
	probe_mgr *pm = j->pm;
	ssize_t res = req->result;
	uv_fs_req_cleanup(req);
	close(j->fd);
	j->fd = -1;
	if (!j->cl || pm->closing) {	/* forgotten or shutting down meanwhile */
		unlink(j->tmp);
		free(j);
		mgr_unref(pm);
		return;
	}
	char why[OUT_PATH_MAX + 128], final[OUT_PATH_MAX], size[32];
	if (res < 0) {
		snprintf(why, sizeof why, "%s not saved: cannot write %s: %s", j->k->label, j->tmp,
			 uv_strerror((int)res));
		job_fail(j, why);
	} else if (job_rename(j, final, sizeof final) < 0) {
		snprintf(why, sizeof why, "%s not saved: cannot rename %s: %s", j->k->label, j->tmp,
			 strerror(errno));
		job_fail(j, why);
	} else {
		vproc *p = j->cl->p;
		j->cl->cap = NULL;
		capture c = { .t_ms = j->t_ms, .bytes = (uint64_t)j->bytes };
		snprintf(c.kind, sizeof c.kind, "%s", j->k->kind);
		snprintf(c.path, sizeof c.path, "%s", final);
		model_capture_add(p, &c);
		model_status(pm->m, "%s saved: %s (%s)", j->k->label, final, (fmt_bytes(size, sizeof size, (double)j->bytes), size));
		probe_done_cb cb = j->cb;
		void *ud = j->ud;
		free(j);
		if (cb)
			cb(ud, p, 1, final);
	}
	mgr_unref(pm);
}

/* The reply came: make the data durable off the loop thread (fsync of a
 * 200 MB file can take a second), then rename. */
static void job_save(capjob *j, double bytes)
{
	char why[256];
	/* the probe counts JS characters; we count UTF-16 units of what we wrote */
	if (!isnan(bytes) && (long long)bytes != j->units && (long long)bytes != j->bytes) {
		snprintf(why, sizeof why, "%s not saved: got %lld of %.0f characters", j->k->label, j->units, bytes);
		job_fail(j, why);
		return;
	}
	j->saving = true;
	j->fsreq.data = j;
	int rc = uv_fs_fsync(j->pm->loop, &j->fsreq, j->fd, job_synced);
	if (rc < 0) {
		snprintf(why, sizeof why, "%s not saved: %s", j->k->label, uv_strerror(rc));
		j->saving = false;
		job_fail(j, why);
		return;
	}
	j->pm->pending++;
}

/* Chunks are written with plain write(2) from the read callback: at most
 * 64 Ki characters at a time into the page cache, a few microseconds each;
 * only the final fsync can block for long, and that runs on the thread pool. */
static void route_chunk(pclient *cl, long long id, const char *data, size_t n)
{
	capjob *j = cl->cap;
	if (!j || j->id != id || j->saving)
		return;	/* a capture we gave up on; its late chunks are dropped */
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(j->fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			char why[OUT_PATH_MAX + 128];
			snprintf(why, sizeof why, "%s not saved: cannot write %s: %s", j->k->label, j->tmp,
				 strerror(w < 0 ? errno : EIO));
			job_fail(j, why);
			return;
		}
		off += (size_t)w;
	}
	j->bytes += (long long)n;
	j->units += utf16_units(data, n);
}

static void gc_finish(pclient *cl, int ok, const char *msg)
{
	probe_done_cb cb = cl->gc_cb;
	void *ud = cl->gc_ud;
	vproc *p = cl->p;
	cl->gc_id = 0;
	cl->gc_cb = NULL;
	if (cb)
		cb(ud, p, ok, msg);
}

static void route_reply(pclient *cl, long long id, bool ok, const json_t *root)
{
	double d = NAN;
	if (id == cl->hz_id) {
		cl->hz_id = 0;
		if (ok && get_num(root, "hz", "", 1, 1000, &d, NULL, 0) == 1 && cl->p->node)
			cl->p->node->hz = (int)d;
	} else if (cl->gc_id && id == cl->gc_id) {
		gc_finish(cl, ok, ok ? "garbage collected" : "GC failed");
	} else if (cl->cap && id == cl->cap->id && !cl->cap->saving) {
		if (!ok) {
			char why[128];
			snprintf(why, sizeof why, "%s failed in the probe; no file written", cl->cap->k->label);
			job_fail(cl->cap, why);
			return;
		}
		get_num(root, "bytes", "", 0, MAX_BYTES, &d, NULL, 0);
		job_save(cl->cap, d);
	}
}

static void route_error(pclient *cl, long long id, const char *code, const char *message)
{
	char why[320], clean[200];
	clean_str(clean, sizeof clean, message);
	if (id && cl->gc_id && id == cl->gc_id) {
		snprintf(why, sizeof why, "GC failed: %s (%s)", clean, code);
		gc_finish(cl, 0, why);
	} else if (id && cl->cap && id == cl->cap->id && !cl->cap->saving) {
		snprintf(why, sizeof why, "%s failed: %s (%s); no file written", cl->cap->k->label, clean, code);
		job_fail(cl->cap, why);
	} else if (id && id == cl->hz_id) {
		cl->hz_id = 0;
	} else {
		snprintf(why, sizeof why, "probe %d: %s: %s", cl->p->pid, code, clean);
		model_status(cl->pm->m, "%s", why);
	}
}

/* Whether nobody listens on the socket at path (a synchronous connect to a
 * Unix socket answers at once). */
static bool sock_refuses(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	close(fd);
	return rc < 0 && e == ECONNREFUSED;
}

/* After the probe of a dead process hung up: its socket file is stale if it
 * is still the one we were connected to and nobody listens on it.  The
 * listening socket closes only when the last thread of the process is gone,
 * which can be a moment after the main thread: wait up to 100 ms for it
 * (rare path); the periodic sweep catches what is left. */
static void remove_dead_sock(pclient *cl)
{
	char path[PATH_MAX];
	struct stat st;
	paths_sock_for(cl->p->pid, path, sizeof path);
	if (!cl->have_sock || stat(path, &st) < 0 || st.st_dev != cl->sock_dev || st.st_ino != cl->sock_ino)
		return;
	for (int i = 0; i < 50; i++) {
		if (sock_refuses(path)) {
			if (unlink(path) == 0)
				model_status(cl->pm->m, "removed stale probe socket %s (process %d is gone)", path,
					     cl->p->pid);
			return;
		}
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* At the first scan and then every SWEEP_MS: remove <pid>.sock files of dead
 * processes (killed by a signal, whether or not we watched them).  One
 * readdir of a small directory; a connect only for files of dead PIDs. */
static void sweep_stale(probe_mgr *pm)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	pm->sweep_at = uv_now(pm->loop) + SWEEP_MS;
	DIR *d = opendir(paths_sock_dir(dir, sizeof dir));
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (pid <= 0 || pid > INT_MAX || strcmp(end, ".sock") != 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (sock_refuses(path) && unlink(path) == 0)
			model_status(pm->m, "removed stale probe socket %s (process %ld is gone)", path, pid);
	}
	closedir(d);
}

/* Whether cl is still one of pm's clients (compares pointers only). */
static bool client_alive(probe_mgr *pm, const pclient *cl)
{
	for (pclient *x = pm->clients; x; x = x->next)
		if (x == cl)
			return true;
	return false;
}

/* The connection is gone (EOF, error): the process is LOST and whatever was
 * in flight fails.  Callbacks last, as they may forget the process. */
static void conn_lost(pconn *c, const char *why)
{
	pclient *cl = c->cl;
	conn_close(c);
	if (!cl)
		return;
	probe_mgr *pm = cl->pm;
	vproc *p = cl->p;
	if (p->pstate == PROBE_ATTACHED || p->pstate == PROBE_CONNECTING) {
		p->pstate = PROBE_LOST;
		snprintf(p->probe_err, sizeof p->probe_err, "probe connection lost: %s", why);
	}
	cl->retry_at = uv_now(pm->loop) + RETRY_MS;
	model_touch(pm->m);
	/* Probes go away rarely (exit, detach); waiting up to 100 ms here to
	 * tell the two apart is affordable. */
	bool gone = proc_gone_settled(p);
	if (gone)
		remove_dead_sock(cl);	/* a probe killed by a signal could not */
	unsigned gen = pm->gen;
	if (cl->cap && !cl->cap->saving) {
		char msg[160];
		snprintf(msg, sizeof msg, gone ? "process exited during the %s; no file written"
					       : "probe connection lost during the %s; no file written",
			 cl->cap->k->label);
		job_fail(cl->cap, msg);
	}
	/* job_fail's callback may have forgotten p (and then client_free told
	 * the gc's caller already): touch cl only if it is certainly alive */
	if ((gen == pm->gen || client_alive(pm, cl)) && cl->gc_id)
		gc_finish(cl, 0, gone ? "process exited before the GC finished" : "probe connection lost before the GC finished");
}

/* One complete line from the probe. */
static void conn_line(pconn *c, const char *line, size_t len)
{
	pclient *cl = c->cl;
	probe_mgr *pm = c->pm;
	char err[256];
	vproc *p = cl->p;
	uint64_t before = p->node ? p->node->samples : 0;
	int pid = p->pid;
	if (len == 0)
		return;
	if (probe_line_apply_cb(pm->m, p, line, len, pm->on_warning, pm->ud, err, sizeof err) < 0) {
		model_status(pm->m, "probe %d: %s", pid, err);
		if (c->cl && p->pstate == PROBE_CONNECTING) {
			/* the first line must be a good hello: this is no probe we
			 * can talk to (wrong pid, garbage); do not retry this socket */
			p->pstate = PROBE_FAILED;
			snprintf(p->probe_err, sizeof p->probe_err, "%.159s", err);
		}
		if (c->cl && p->pstate == PROBE_FAILED) {	/* wrong version or no hello: stop */
			c->cl->sock_refused = true;
			conn_close(c);
		}
		return;
	}
	/* p may have been removed by a command callback; c->cl says it is still ours */
	if (c->cl && p->node && p->node->samples != before && pm->on_sample)
		pm->on_sample(pm->ud, p);
}

/* Split what arrived into lines; a line over the cap is dropped and the
 * stream resynchronises at the next newline. */
static void conn_feed(pconn *c, const char *data, size_t n)
{
	while (n > 0 && !c->closing && c->cl) {
		if (c->skipping) {
			const char *nl = memchr(data, '\n', n);
			if (!nl)
				return;
			c->skipping = false;
			n -= (size_t)(nl + 1 - data);
			data = nl + 1;
			continue;
		}
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		if (c->len + take > PROBE_LINE_MAX) {
			model_status(c->pm->m, "probe %d: line over the 1 MiB limit dropped", c->cl->p->pid);
			c->len = 0;
			c->skipping = true;
			continue;
		}
		if (c->len + take > c->cap) {
			size_t cap = c->cap ? c->cap : 4096;
			while (cap < c->len + take)
				cap *= 2;
			if (cap > PROBE_LINE_MAX)
				cap = PROBE_LINE_MAX;
			char *nb = realloc(c->line, cap);
			if (!nb) {
				conn_lost(c, "out of memory");
				return;
			}
			c->line = nb;
			c->cap = cap;
		}
		memcpy(c->line + c->len, data, take);
		c->len += take;
		if (!nl)
			return;
		n -= take + 1;
		data = nl + 1;
		size_t len = c->len;
		c->len = 0;
		conn_line(c, c->line, len);
	}
}

static void conn_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	pconn *c = h->data;
	*b = uv_buf_init(c->pm->rbuf, sizeof c->pm->rbuf);
}

static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	pconn *c = s->data;
	if (c->closing)
		return;
	if (nread < 0) {
		conn_lost(c, nread == UV_EOF ? "the probe closed the connection" : uv_strerror((int)nread));
		return;
	}
	conn_feed(c, b->base, (size_t)nread);
}

static int send_hz(pclient *cl, int hz)
{
	char line[64];
	cl->hz_id = cl->next_id++;
	snprintf(line, sizeof line, "{\"id\":%lld,\"cmd\":\"hz\",\"hz\":%d}", cl->hz_id, hz);
	return conn_send(cl->conn, line);
}

static void conn_connected(uv_connect_t *req, int status)
{
	pconn *c = req->data;
	pclient *cl = c->cl;
	if (c->closing || !cl)
		return;
	probe_mgr *pm = c->pm;
	vproc *p = cl->p;
	if (status < 0) {
		if ((status == UV_ECONNREFUSED || status == UV_ENOENT) && proc_gone(p)) {
			/* a probe killed by a signal leaves its socket behind */
			if (unlink(c->path) == 0)
				model_status(pm->m, "removed stale probe socket %s (process %d is gone)", c->path, p->pid);
		} else {
			snprintf(p->probe_err, sizeof p->probe_err, "cannot connect to the probe: %s", uv_strerror(status));
		}
		if (p->pstate == PROBE_CONNECTING)
			p->pstate = cl->before;
		cl->retry_at = uv_now(pm->loop) + RETRY_MS;
		conn_close(c);
		model_touch(pm->m);
		return;
	}
	c->connected = true;
	int rc = uv_read_start((uv_stream_t *)&c->pipe, conn_alloc, conn_read);
	if (rc == 0)
		rc = send_hz(cl, pm->hz);
	if (rc < 0)
		conn_lost(c, uv_strerror(rc));
}

/* Open a connection to the socket at path (already stat'ed as st). */
static int client_connect(pclient *cl, const char *path, const struct stat *st)
{
	probe_mgr *pm = cl->pm;
	vproc *p = cl->p;
	if (strlen(path) >= sizeof(((pconn *)0)->path)) {
		snprintf(p->probe_err, sizeof p->probe_err, "socket path too long: %.100s", path);
		return -1;
	}
	pconn *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	c->pm = pm;
	c->cl = cl;
	snprintf(c->path, sizeof c->path, "%s", path);
	if (uv_pipe_init(pm->loop, &c->pipe, 0) < 0) {
		free(c);
		return -1;
	}
	c->pipe.data = c;
	c->req.data = c;
	pm->pending++;
	cl->conn = c;
	cl->have_sock = true;
	cl->sock_dev = st->st_dev;
	cl->sock_ino = st->st_ino;
	cl->sock_refused = false;
	cl->before = p->pstate == PROBE_CONNECTING ? PROBE_NONE : p->pstate;
	cl->next_id = 1;
	cl->hz_id = 0;
	p->pstate = PROBE_CONNECTING;
	model_touch(pm->m);
	uv_pipe_connect(&c->req, &c->pipe, c->path, conn_connected);
	return 0;
}

static pclient *client_get(probe_mgr *pm, vproc *p)
{
	if (p->probe_data)
		return p->probe_data;
	pclient *cl = calloc(1, sizeof *cl);
	if (!cl)
		return NULL;
	cl->pm = pm;
	cl->p = p;
	cl->next_id = 1;
	cl->next = pm->clients;
	if (pm->clients)
		pm->clients->prev = cl;
	pm->clients = cl;
	p->probe_data = cl;
	return cl;
}

/* Drop a client: close its connection, end its work; callbacks only when
 * notify (forget), not at shutdown. */
static void client_free(probe_mgr *pm, pclient *cl, bool notify, const char *why)
{
	vproc *p = cl->p;
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		pm->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	p->probe_data = NULL;
	pm->gen++;
	if (cl->conn)
		conn_close(cl->conn);
	capjob *j = cl->cap;
	probe_done_cb gcb = cl->gc_id ? cl->gc_cb : NULL;
	void *gud = cl->gc_ud;
	free(cl);
	if (j) {
		j->cl = NULL;
		if (j->saving) {	/* job_synced sees the orphan and removes the file */
			if (notify && j->cb)
				j->cb(j->ud, p, 0, why);
		} else {
			probe_done_cb cb = notify ? j->cb : NULL;
			void *ud = j->ud;
			close(j->fd);
			unlink(j->tmp);
			free(j);
			if (cb)
				cb(ud, p, 0, why);
		}
	}
	if (notify && gcb)
		gcb(gud, p, 0, why);
}

probe_mgr *probe_mgr_new(uv_loop_t *loop, model *m, const probe_mgr_opts *o)
{
	probe_mgr *pm = calloc(1, sizeof *pm);
	if (!pm)
		return NULL;
	pm->loop = loop;
	pm->m = m;
	pm->hz = o && o->hz >= 1 && o->hz <= 20 ? o->hz : 1;
	snprintf(pm->out_dir, sizeof pm->out_dir, "%s", o && o->out_dir && *o->out_dir ? o->out_dir : ".");
	pm->on_sample = o ? o->on_sample : NULL;
	pm->on_warning = o ? o->on_warning : NULL;
	pm->ud = o ? o->ud : NULL;
	/* A probe that goes away mid-write must give EPIPE, not kill the dashboard. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	return pm;
}

void probe_mgr_close(probe_mgr *pm)
{
	if (!pm || pm->closing)
		return;
	pm->closing = true;
	while (pm->clients)
		client_free(pm, pm->clients, false, NULL);
	if (pm->pending == 0)
		free(pm);
}

void probe_mgr_forget(probe_mgr *pm, vproc *p)
{
	pclient *cl = p->probe_data;
	if (!pm || !cl || cl->pm != pm)
		return;
	client_free(pm, cl, true, "process removed; nothing written");
}

/* The socket directory must be ours and private, or we do not talk to what
 * is in it (someone else could feed us samples and files). */
static bool sock_dir_ok(probe_mgr *pm)
{
	char dir[PATH_MAX];
	struct stat st;
	paths_sock_dir(dir, sizeof dir);
	if (lstat(dir, &st) < 0)
		return false;	/* no probe has run yet */
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
		if (!pm->dir_warned)
			model_status(pm->m, "ignoring probe sockets in %s: not a 0700 directory of uid %u",
				     dir, (unsigned)getuid());
		pm->dir_warned = true;
		return false;
	}
	return true;
}

/* Connect p if its socket exists and may be tried now.  Returns 0 when a
 * connection is under way or open, -1 otherwise (p->probe_err may say why). */
static int try_connect(probe_mgr *pm, vproc *p, bool force)
{
	pclient *cl = p->probe_data;
	if (cl && cl->conn)
		return 0;
	char path[PATH_MAX];
	struct stat st;
	paths_sock_for(p->pid, path, sizeof path);
	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != getuid())
		return -1;
	bool same = cl && cl->have_sock && cl->sock_dev == st.st_dev && cl->sock_ino == st.st_ino;
	if (same && !force && (cl->sock_refused || uv_now(pm->loop) < cl->retry_at))
		return -1;
	if (!cl && !(cl = client_get(pm, p)))
		return -1;
	return client_connect(cl, path, &st);
}

void probe_mgr_scan(probe_mgr *pm)
{
	if (pm->closing || !sock_dir_ok(pm))
		return;
	if (uv_now(pm->loop) >= pm->sweep_at)
		sweep_stale(pm);
	for (size_t i = 0; i < pm->m->nprocs; i++) {
		vproc *p = pm->m->procs[i];
		if (p->state != PROC_LIVE)
			continue;
		if (p->pstate != PROBE_NONE && p->pstate != PROBE_LOST && p->pstate != PROBE_FAILED)
			continue;
		try_connect(pm, p, false);
	}
}

int probe_mgr_connect(probe_mgr *pm, vproc *p)
{
	if (pm->closing)
		return -1;
	if (!sock_dir_ok(pm)) {
		snprintf(p->probe_err, sizeof p->probe_err, "probe socket directory missing or not private");
		return -1;
	}
	p->probe_err[0] = 0;
	if (try_connect(pm, p, true) < 0) {
		if (!p->probe_err[0])
			snprintf(p->probe_err, sizeof p->probe_err, "no probe socket for pid %d", p->pid);
		/* the caller may have set CONNECTING, which scans skip: make it
		 * FAILED so that a scan connects once the socket appears */
		if (p->pstate == PROBE_CONNECTING)
			p->pstate = PROBE_FAILED;
		model_touch(pm->m);
		return -1;
	}
	return 0;
}

/* The client of an attached process, or NULL with err set. */
static pclient *attached_client(vproc *p, char *err, size_t errlen)
{
	pclient *cl = p->probe_data;
	if (!cl || !cl->conn || !cl->conn->connected || !attached(p)) {
		fail(err, errlen, "process %d has no probe attached", p->pid);
		return NULL;
	}
	return cl;
}

static void sanitize_name(char *dst, size_t n, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < n; i++) {
		char ch = src[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			  ch == '-' || ch == '_' || (ch == '.' && i > 0);
		dst[i] = ok ? ch : '_';
	}
	dst[i] = 0;
	if (!i)
		snprintf(dst, n, "node");
}

int probe_mgr_capture(probe_mgr *pm, vproc *p, const char *cmd, int seconds, probe_done_cb cb, void *ud,
		      char *err, size_t errlen)
{
	const capkind *k = NULL;
	for (size_t i = 0; i < sizeof capkinds / sizeof capkinds[0]; i++)
		if (cmd && strcmp(cmd, capkinds[i].cmd) == 0)
			k = &capkinds[i];
	if (!k)
		return fail(err, errlen, "unknown capture '%s' (heap_snapshot, cpu_profile or report)", cmd ? cmd : "");
	if (strlen(pm->out_dir) > OUT_DIR_MAX)
		return fail(err, errlen, "output directory path is over %d characters", OUT_DIR_MAX);
	if (k == &capkinds[1] && (seconds < 1 || seconds > 300))
		return fail(err, errlen, "CPU profile length must be 1..300 seconds, not %d", seconds);
	pclient *cl = attached_client(p, err, errlen);
	if (!cl)
		return -1;
	if (cl->cap)
		return fail(err, errlen, "a %s of process %d is still running", cl->cap->k->label, p->pid);

	capjob *j = calloc(1, sizeof *j);
	if (!j)
		return fail(err, errlen, "out of memory");
	j->pm = pm;
	j->cl = cl;
	j->k = k;
	j->pid = p->pid;
	j->fd = -1;
	j->cb = cb;
	j->ud = ud;
	j->t_ms = clock_wall_ms();
	time_t now = (time_t)(j->t_ms / 1000);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(j->stamp, sizeof j->stamp, "%Y%m%d-%H%M%S", &tm);
	char label[NAME_LEN + 16];
	sanitize_name(j->name, sizeof j->name, model_proc_label(p, label, sizeof label));
	for (int i = 0; i < 10 && j->fd < 0; i++) {
		if (i == 0)
			snprintf(j->tmp, sizeof j->tmp, "%.400s/.%s-%d-%s.%s.tmp", pm->out_dir, j->name, j->pid, j->stamp, k->ext);
		else
			snprintf(j->tmp, sizeof j->tmp, "%.400s/.%s-%d-%s-%d.%s.tmp", pm->out_dir, j->name, j->pid, j->stamp, i, k->ext);
		j->fd = open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (j->fd < 0 && errno != EEXIST)
			break;
	}
	if (j->fd < 0) {
		fail(err, errlen, "cannot create %s: %s", j->tmp, strerror(errno));
		free(j);
		return -1;
	}
	char line[96];
	j->id = cl->next_id++;
	if (k == &capkinds[1])
		snprintf(line, sizeof line, "{\"id\":%lld,\"cmd\":\"%s\",\"seconds\":%d}", j->id, k->cmd, seconds);
	else
		snprintf(line, sizeof line, "{\"id\":%lld,\"cmd\":\"%s\"}", j->id, k->cmd);
	int rc = conn_send(cl->conn, line);
	if (rc < 0) {
		close(j->fd);
		unlink(j->tmp);
		free(j);
		return fail(err, errlen, "cannot send to the probe of %d: %s", p->pid, uv_strerror(rc));
	}
	cl->cap = j;
	return 0;
}

int probe_mgr_gc(probe_mgr *pm, vproc *p, probe_done_cb cb, void *ud, char *err, size_t errlen)
{
	pclient *cl = attached_client(p, err, errlen);
	if (!cl)
		return -1;
	if (cl->gc_id)
		return fail(err, errlen, "a GC of process %d is still running", p->pid);
	char line[64];
	long long id = cl->next_id++;
	snprintf(line, sizeof line, "{\"id\":%lld,\"cmd\":\"gc\"}", id);
	int rc = conn_send(cl->conn, line);
	if (rc < 0)
		return fail(err, errlen, "cannot send to the probe of %d: %s", p->pid, uv_strerror(rc));
	cl->gc_id = id;
	cl->gc_cb = cb;
	cl->gc_ud = ud;
	return 0;
}

int probe_mgr_set_hz(probe_mgr *pm, int hz)
{
	if (hz < 1 || hz > 20)
		return -1;
	pm->hz = hz;
	for (pclient *cl = pm->clients; cl; cl = cl->next)
		if (cl->conn && cl->conn->connected)
			send_hz(cl, hz);
	return 0;
}

long long probe_mgr_progress(probe_mgr *pm, vproc *p)
{
	pclient *cl = p->probe_data;
	return cl && cl->cap ? cl->cap->bytes : -1;
}
