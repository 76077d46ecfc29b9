/* alerts — rule evaluation over the model's series; see alerts.h.
 *
 * Data: one `pstate` per watched process, keyed by the vproc pointer and
 * checked against (pid, start_time) so a freed-and-reused pointer is never
 * mistaken for the old process.  States of processes that left the model are
 * freed by a mark-and-sweep at the end of each alerts_eval.
 *
 * Incremental: for every series a pstate remembers how many samples it has
 * consumed (ring.count), so each alerts_eval reads only the samples pushed
 * since the previous call (a process seen for the first time is back-filled
 * from the raw tier).  Windowed rules keep a `bwin`: time-aligned buckets of
 * span window/K with min/max/sum/count, K <= BW_MAX, so a windowed statistic
 * costs O(K) and the trend tests O(K^2) only when a bucket closes — never
 * O(samples in window).  We bucket the raw tier ourselves rather than read the
 * ring's 10 s tier because windows and sub-windows are configurable (the CI
 * variant uses 4 s sub-windows) and the ring layout is the user's choice.
 *
 * Every rule runs the same state machine (rule_step):
 *   quiet --evidence--> pending --condition--> firing --absent resolve_s--> quiet
 * A pending rule whose evidence disappears goes back to quiet silently; only
 * firing and resolved transitions are logged and passed to the callback.  The
 * "hold" condition that keeps a firing rule alive is looser than the one that
 * fires it (hysteresis), and it must be absent for resolve_s of sample time
 * before the rule resolves, so a flapping signal gives one alert.
 *
 * Leak test (heap floor, RSS floor, per-type handle counts): the minimum of
 * each sub-window is the post-GC floor; over the sub-windows inside the window
 * we require (1) near-full coverage, (2) a Theil–Sen slope (median of the
 * pairwise slopes, robust to one outlier floor) above the rate threshold,
 * (3) the floor rising (by more than noise) in most sub-window steps, (4) a
 * minimum absolute growth, (5) the newer half of the window still rising.
 * The test must pass at two consecutive bucket closes to fire (pending
 * first).  A cache that fills and plateaus fails (5) once half the window is
 * plateau and (3) soon after; a single spike or burst fails (2)/(3).  A cache
 * that keeps filling for longer than the window looks like a leak until it
 * stops, and then resolves.
 */
#include "core/alerts.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BW_MAX 32
#define MB (1024.0 * 1024.0)

/* ---- configuration -------------------------------------------------- */

void alerts_config_default(alert_config *c)
{
	*c = (alert_config){
		.leak_window_s = 300,
		.leak_min_mb_per_min = 1.0,
		.stall_ms = 100,
		.stall_samples = 3,
		.gc_pct = 10,
		.gc_window_s = 30,
		.gc_pause_ms = 200,
		.handle_window_s = 300,
		.handle_min_growth = 50,
		.cpu_pct = 95,
		.cpu_window_s = 60,
		.mem_limit_pct = 90,
		.resolve_s = 60,
		.leak_min_growth_mb = 5,
		.leak_rising_pct = 70,
		.leak_subwindows = 10,
	};
}

/* The [alerts] keys: name = field name, with the accepted range. */
static const struct config_key {
	const char *key;
	size_t off;
	bool is_int;
	double lo, hi;
} config_keys[] = {
#define D(f, lo, hi) { #f, offsetof(alert_config, f), false, lo, hi }
#define I(f, lo, hi) { #f, offsetof(alert_config, f), true, lo, hi }
	D(leak_window_s, 4, 86400),
	D(leak_min_mb_per_min, 0, 1e6),
	D(stall_ms, 1, 600000),
	I(stall_samples, 1, 20),
	D(gc_pct, 0.1, 100),
	D(gc_window_s, 1, 3600),
	D(gc_pause_ms, 1, 600000),
	D(handle_window_s, 4, 86400),
	I(handle_min_growth, 1, 10000000),
	D(cpu_pct, 1, 100000),
	D(cpu_window_s, 1, 86400),
	D(mem_limit_pct, 1, 100),
	D(resolve_s, 0, 86400),
	D(leak_min_growth_mb, 0, 1e6),
	D(leak_rising_pct, 0, 100),
	I(leak_subwindows, 4, 30),
#undef D
#undef I
};

int alerts_config_set(alert_config *c, const char *key, const char *value, char *err, size_t errlen)
{
	const struct config_key *k = NULL;
	for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++)
		if (key && strcmp(config_keys[i].key, key) == 0)
			k = &config_keys[i];
	if (!k) {
		snprintf(err, errlen, "unknown alerts key '%s'", key ? key : "");
		return -1;
	}
	if (!value) {
		snprintf(err, errlen, "%s: missing value", k->key);
		return -1;
	}
	char *end;
	errno = 0;
	double v = strtod(value, &end);
	while (end != value && (*end == ' ' || *end == '\t'))
		end++;
	if (end == value || *end || errno || !isfinite(v)) {
		snprintf(err, errlen, "%s: '%s' is not a number", k->key, value);
		return -1;
	}
	if (k->is_int && v != floor(v)) {
		snprintf(err, errlen, "%s: '%s' is not a whole number", k->key, value);
		return -1;
	}
	if (v < k->lo || v > k->hi) {
		snprintf(err, errlen, "%s: %s is out of range %g..%g", k->key, value, k->lo, k->hi);
		return -1;
	}
	if (k->is_int)
		*(int *)(void *)((char *)c + k->off) = (int)v;
	else
		*(double *)(void *)((char *)c + k->off) = v;
	return 0;
}

/* ---- bucketed window ------------------------------------------------ */

typedef struct bw_bucket {
	int64_t t;		/* aligned start */
	float min, max;
	float gcmin;		/* lowest sample right after a major GC, NaN if none */
	double sum;
	uint32_t n;
} bw_bucket;

typedef struct bwin {
	int64_t span;		/* ms per bucket */
	int cap, head, len;	/* closed buckets, head = next slot */
	bw_bucket b[BW_MAX];
	bw_bucket open;		/* open.n == 0: none yet */
} bwin;

static void bwin_init(bwin *w, double window_s, int k)
{
	memset(w, 0, sizeof *w);
	if (k < 1)
		k = 1;
	if (k > BW_MAX - 2)
		k = BW_MAX - 2;
	w->span = (int64_t)(window_s * 1000.0 / k);
	if (w->span < 1)
		w->span = 1;
	w->cap = k + 2;
}

/* Add a sample (post_gc: the first after a major GC); returns true when it
 * closed the previous bucket. */
static bool bwin_push(bwin *w, int64_t t, double v, bool post_gc)
{
	if (isnan(v))
		return false;
	int64_t start = t - ((t % w->span) + w->span) % w->span;
	bool closed = false;
	if (w->open.n && start > w->open.t) {
		w->b[w->head] = w->open;
		w->head = (w->head + 1) % w->cap;
		if (w->len < w->cap)
			w->len++;
		w->open.n = 0;
		closed = true;
	}
	if (!w->open.n) {
		w->open = (bw_bucket){ start, (float)v, (float)v, post_gc ? (float)v : NAN, v, 1 };
	} else {	/* same bucket, or a clock step backwards: keep it here */
		if (v < w->open.min) w->open.min = (float)v;
		if (v > w->open.max) w->open.max = (float)v;
		if (post_gc && !(v >= w->open.gcmin)) w->open.gcmin = (float)v;
		w->open.sum += v;
		w->open.n++;
	}
	return closed;
}

/* i-th closed bucket, 0 = oldest. */
static const bw_bucket *bwin_get(const bwin *w, int i)
{
	return &w->b[(w->head + w->cap - w->len + i) % w->cap];
}

/* ---- trend test ----------------------------------------------------- */

typedef struct trend {
	int n;			/* floors in the window */
	double slope;		/* Theil–Sen, units per minute */
	double recent;		/* the same over the newer half of the window */
	double growth;		/* slope × covered span */
	double rising;		/* share of steps where the floor rose, % */
	double first, last;	/* first and latest floor */
	double span_min;	/* minutes covered */
	int gc_n;		/* sub-windows with a major GC */
	double gc_x;		/* minutes from the first floor to the latest of them */
	double gc_floor;	/* heap right after that GC */
} trend;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of the pairwise slopes of n <= BW_MAX points. */
static double theil_sen(const double *x, const double *y, int n)
{
	double slopes[BW_MAX * (BW_MAX - 1) / 2];
	int ns = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			slopes[ns++] = (y[j] - y[i]) / (x[j] - x[i]);
	if (ns == 0)
		return 0;
	qsort(slopes, (size_t)ns, sizeof slopes[0], cmp_double);
	return ns % 2 ? slopes[ns / 2] : (slopes[ns / 2 - 1] + slopes[ns / 2]) / 2;
}

/* Trend of the closed buckets' minima within window_ms; a floor step counts
 * as rising above eps_per_min × sub-window. Returns false when the window is
 * not covered well enough to say anything. */
static bool bwin_trend(const bwin *w, int64_t window_ms, double eps_per_min, trend *tr)
{
	memset(tr, 0, sizeof *tr);
	if (w->len < 2)
		return false;
	int64_t end = bwin_get(w, w->len - 1)->t + w->span;
	double x[BW_MAX], y[BW_MAX];
	int n = 0;
	for (int i = 0; i < w->len; i++) {
		const bw_bucket *b = bwin_get(w, i);
		if (b->t < end - window_ms)
			continue;
		x[n] = (double)(b->t - (end - window_ms)) / 60000.0;
		y[n] = b->min;
		if (!isnan(b->gcmin)) {
			tr->gc_n++;
			tr->gc_x = x[n];
			tr->gc_floor = b->gcmin;
		}
		n++;
	}
	int k = (int)(window_ms / w->span);
	/* Coverage: most sub-windows present, and the oldest one near the start
	 * of the window (a young process has no trend yet). */
	if (n < 4 || n * 5 < k * 4 || x[0] * 60000.0 > 0.15 * (double)window_ms)
		return false;
	int up = 0;
	tr->slope = theil_sen(x, y, n);
	tr->recent = theil_sen(x + n / 2, y + n / 2, n - n / 2);
	/* A step "rises" by more than eps per sub-window: noise on a plateau
	 * wobbles by less and must not count. */
	double eps = eps_per_min * (double)w->span / 60000.0;
	for (int i = 1; i < n; i++)
		up += y[i] - y[i - 1] > eps;
	tr->n = n;
	tr->rising = 100.0 * up / (n - 1);
	tr->span_min = x[n - 1] - x[0] + (double)w->span / 60000.0;
	tr->growth = tr->slope * tr->span_min;
	tr->first = y[0];
	tr->last = y[n - 1];
	tr->gc_x -= x[0];
	return true;
}

/* ---- per-rule state machine ----------------------------------------- */

enum { R_QUIET = 0, R_PENDING, R_FIRING };
enum { T_NONE = 0, T_FIRE, T_RESOLVE };

typedef struct rule_st {
	uint8_t st;
	int64_t since;		/* pending or firing since */
	int64_t last_hold;	/* last time the hold condition was true */
} rule_st;

/* Advance one rule at sample time t. `hint`: evidence (enter pending);
 * `fire`: the rule's condition; `hold`: the looser condition that keeps a
 * firing rule alive. Returns T_FIRE / T_RESOLVE on a transition to log. */
static int rule_step(rule_st *r, int64_t resolve_ms, int64_t t, bool hint, bool fire, bool hold)
{
	switch (r->st) {
	case R_QUIET:
	case R_PENDING:
		if (fire) {
			if (r->st == R_QUIET)
				r->since = t;
			r->st = R_FIRING;
			r->last_hold = t;
			return T_FIRE;
		}
		if (hint && r->st == R_QUIET) {
			r->st = R_PENDING;
			r->since = t;
		} else if (!hint) {
			r->st = R_QUIET;
		}
		return T_NONE;
	default:
		if (fire || hold) {
			if (t > r->last_hold)
				r->last_hold = t;
		} else if (t - r->last_hold >= resolve_ms) {
			r->st = R_QUIET;
			return T_RESOLVE;
		}
		return T_NONE;
	}
}

/* ---- per-process state ---------------------------------------------- */

typedef struct handle_state {
	char type[NAME_LEN];
	uint64_t seen;
	bwin w;
	rule_st r;
	double growth;		/* at firing, for the resolved message */
} handle_state;

typedef struct pstate {
	const vproc *p;
	int pid;
	uint64_t start_time;
	uint32_t mark;
	bool exited;		/* exit handled: rules resolved, no more evaluation */

	uint64_t seen_heap, seen_rss, seen_lag, seen_gcpct, seen_cpu, seen_gc, seen_gc_heap;
	int64_t heap_prev_t;	/* time of the previous heap sample */
	int64_t gc_carry;	/* major GC not yet followed by a heap sample, 0 none */

	bwin heap_w, rss_w, gc_w;
	rule_st heap, rss, stall, gc, cpu, mem;
	trend heap_tr, rss_tr;	/* at the latest bucket close */

	uint32_t stall_bits;	/* 1 bit per lag sample, newest in bit 0 */
	int64_t lag_prev_t;	/* time of the previous lag sample */
	double stall_elu;	/* loop utilisation of the latest stalled sample */
	int stall_nbits;
	double stall_worst;

	int64_t cpu_run;	/* start of the current run above threshold, -1 none */
	double cpu_peak;
	int mem_run;		/* consecutive samples above the limit share */
	double mem_peak;
	double gc_pause;	/* longest major pause while pending/firing */
	double gc_share;

	handle_state *h[MAX_HANDLE_TYPES];	/* per vnode handle slot, allocated when seen */

	char warn_key[96];	/* last warning (name + message prefix) and when */
	int64_t warn_t;
} pstate;

struct alerts {
	alert_config c;
	alert_cb cb;
	void *ud;
	pstate **ps;
	size_t n, cap;
	uint32_t mark;
};

alerts *alerts_new(const alert_config *c, alert_cb cb, void *ud)
{
	alerts *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	if (c)
		a->c = *c;
	else
		alerts_config_default(&a->c);
	a->cb = cb;
	a->ud = ud;
	return a;
}

static void pstate_free(pstate *s)
{
	if (!s)
		return;
	for (int j = 0; j < MAX_HANDLE_TYPES; j++)
		free(s->h[j]);
	free(s);
}

void alerts_free(alerts *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		pstate_free(a->ps[i]);
	free(a->ps);
	free(a);
}

static pstate *pstate_find(const alerts *a, const vproc *p, size_t hint)
{
	if (hint < a->n && a->ps[hint]->p == p && a->ps[hint]->pid == p->pid &&
	    a->ps[hint]->start_time == p->start_time)
		return a->ps[hint];
	for (size_t i = 0; i < a->n; i++)
		if (a->ps[i]->p == p && a->ps[i]->pid == p->pid &&
		    a->ps[i]->start_time == p->start_time)
			return a->ps[i];
	return NULL;
}

static pstate *pstate_get(alerts *a, const vproc *p, size_t hint)
{
	pstate *s = pstate_find(a, p, hint);
	if (s)
		return s;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		pstate **np = realloc(a->ps, cap * sizeof *np);
		if (!np)
			return NULL;
		a->ps = np;
		a->cap = cap;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->p = p;
	s->pid = p->pid;
	s->start_time = p->start_time;
	s->mark = a->mark;
	s->cpu_run = -1;
	int k = a->c.leak_subwindows;
	bwin_init(&s->heap_w, a->c.leak_window_s, k);
	bwin_init(&s->rss_w, a->c.leak_window_s, k);
	bwin_init(&s->gc_w, a->c.gc_window_s, 10);
	a->ps[a->n++] = s;
	return s;
}

/* Make s safe to show and to put in JSON: control characters become spaces,
 * bytes that are not valid UTF-8 become '?', and a multi-byte character cut
 * by truncation is dropped.  Warning text comes from the watched program. */
static void clean_text(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
			: (*p & 0xf8) == 0xf0 ? 4 : 0;
		int ok = len > 0 && !(len == 2 && *p < 0xc2);
		for (int i = 1; ok && i < len; i++) {
			if (!p[i]) {	/* cut at the end of the buffer */
				*p = 0;
				return;
			}
			ok = (p[i] & 0xc0) == 0x80;
		}
		if (!ok) {
			*p++ = '?';
			continue;
		}
		if (len == 1 && (*p < 0x20 || *p == 0x7f))
			*p = ' ';
		p += len;
	}
}

/* Log a transition and tell the callback. */
static void emit(alerts *a, model *m, const pstate *s, int64_t t, int sev, int state,
		 const char *rule, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void emit(alerts *a, model *m, const pstate *s, int64_t t, int sev, int state,
		 const char *rule, const char *fmt, ...)
{
	model_alert al = { .t_ms = t, .pid = s->pid, .severity = (uint8_t)sev, .state = (uint8_t)state };
	snprintf(al.rule, sizeof al.rule, "%s", rule);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(al.msg, sizeof al.msg, fmt, ap);
	va_end(ap);
	clean_text(al.msg);
	const model_alert *stored = model_alert_push(m, &al);
	if (a->cb)
		a->cb(a->ud, stored);
}

/* New raw samples of r since *seen: sets *first (tier-0 index) and returns
 * how many; a ring that was reset or wrapped past us is read from its oldest
 * retained sample. */
static size_t ring_fresh(const ring *r, uint64_t *seen, size_t *first)
{
	size_t len = ring_len(r, 0);
	uint64_t nnew = r->count >= *seen ? r->count - *seen : r->count;
	if (nnew > len)
		nnew = len;
	*seen = r->count;
	*first = len - (size_t)nnew;
	return (size_t)nnew;
}

static void fmt_duration(char *buf, size_t len, double minutes)
{
	if (minutes < 1)
		snprintf(buf, len, "%.0f s", minutes * 60);
	else if (minutes < 120)
		snprintf(buf, len, "%.0f min", minutes);
	else if (minutes < 48 * 60)
		snprintf(buf, len, "%.1f h", minutes / 60);
	else
		snprintf(buf, len, "%.0f days", minutes / 1440);
}

/* ---- leak rules (heap floor, RSS floor) ----------------------------- */

/* Evaluate a floor trend at a bucket close. `what` names the series in the
 * message; limit (bytes, 0 unknown) gives the time-to-limit projection. */
static void leak_step(alerts *a, model *m, pstate *s, rule_st *r, trend *keep, const bwin *w,
		      int64_t t, const char *rule_name, const char *what, const char *limit_name,
		      double limit, bool gc_known)
{
	const alert_config *c = &a->c;
	trend tr;
	bool ok = bwin_trend(w, (int64_t)(c->leak_window_s * 1000), c->leak_min_mb_per_min * MB / 2, &tr);
	double rate = tr.slope / MB;	/* MB/min */
	/* Still growing now (newer half), not a cache that filled and stopped. */
	bool pass = ok && rate >= c->leak_min_mb_per_min && tr.rising >= c->leak_rising_pct &&
		    tr.growth / MB >= c->leak_min_growth_mb && tr.growth > 0 &&
		    tr.recent / MB >= c->leak_min_mb_per_min / 2;
	/* V8 leaves promoted garbage in old space until the next mark-compact,
	 * so between major GCs a healthy heap's floor rises too.  When we see GC
	 * events, the heap right after the latest major GC in the window (at
	 * least a third into it) decides: above the window's first floor by half
	 * the trend's growth up to then confirms the leak; below that, the rise
	 * was garbage and the rule goes quiet.  With no such GC in the window
	 * (V8 can go minutes between major GCs in a growing heap), the trend
	 * must hold for one more full window before it fires. */
	int64_t window_ms = (int64_t)(c->leak_window_s * 1000);
	bool confirmed = true;
	if (pass && gc_known) {
		bool usable = tr.gc_n > 0 && tr.gc_x >= tr.span_min / 3;
		bool up = usable && tr.gc_floor - tr.first >= 0.5 * tr.slope * tr.gc_x;
		if (usable && !up)
			pass = false;
		confirmed = up || (r->st == R_PENDING && t - r->since >= window_ms);
	}
	/* Confirmation: the test must pass at two consecutive closes. */
	bool fire = pass && confirmed && r->st == R_PENDING;
	bool hold = ok && rate >= c->leak_min_mb_per_min / 2 && tr.slope > 0;
	if (!ok && r->st == R_FIRING)
		hold = true;	/* a gap in the data is not evidence of recovery */
	int tx = rule_step(r, (int64_t)(c->resolve_s * 1000), t, pass, fire, hold);
	if (tx == T_FIRE) {
		*keep = tr;
		char ttl[64] = "";
		int sev = SEV_WARN;
		if (limit > 0 && tr.slope > 0) {
			double mins = (limit - tr.last) / tr.slope;
			char d[24];
			fmt_duration(d, sizeof d, mins < 0 ? 0 : mins);
			snprintf(ttl, sizeof ttl, ", %s in ~%s", limit_name, d);
			if (mins < 60)
				sev = SEV_CRIT;
		}
		char span[24];
		fmt_duration(span, sizeof span, tr.span_min);
		emit(a, m, s, t, sev, ALERT_FIRING, rule_name,
		     "%s leak: +%.1f MB/min%s (floor %.0f -> %.0f MB over %s)", what, rate, ttl,
		     tr.first / MB, tr.last / MB, span);
	} else if (tx == T_RESOLVE) {
		emit(a, m, s, t, SEV_INFO, ALERT_RESOLVED, rule_name,
		     "%s leak resolved: floor %s (%+.1f MB/min)", what, ok ? "flat" : "unknown",
		     ok ? rate : 0.0);
	}
}

/* Heap floor trend.  A heap sample is "post-GC" when a major GC (any,
 * forced included: it is the best floor there is) started since the previous
 * heap sample; the probe sends a sample's GC events with it. */
static void eval_heap(alerts *a, model *m, pstate *s, vnode *n)
{
	int64_t major[64];
	int nmajor = 0;
	if (s->gc_carry)	/* a major GC newer than the last heap sample */
		major[nmajor++] = s->gc_carry;
	s->gc_carry = 0;
	uint64_t fresh = n->gc_total - s->seen_gc_heap;
	if (n->gc_total < s->seen_gc_heap || fresh > n->gc_len)
		fresh = n->gc_len;
	s->seen_gc_heap = n->gc_total;
	for (uint32_t i = n->gc_len - (uint32_t)fresh; i < n->gc_len; i++) {
		const gc_event *e = model_gc_get(n, i);
		if (e->kind != GC_MAJOR)
			continue;
		if (nmajor == 64) {	/* keep the newest */
			memmove(major, major + 1, 63 * sizeof major[0]);
			nmajor--;
		}
		major[nmajor++] = e->t_ms;
	}
	size_t first, k = ring_fresh(&n->heap_used_r, &s->seen_heap, &first);
	int g = 0;
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(&n->heap_used_r, 0, i);
		bool post_gc = false;
		while (g < nmajor && major[g] <= pt.t_ms) {
			post_gc |= major[g] > s->heap_prev_t;
			g++;
		}
		if (isnan(pt.mean))
			continue;
		s->heap_prev_t = pt.t_ms;
		if (bwin_push(&s->heap_w, pt.t_ms, pt.mean, post_gc))
			leak_step(a, m, s, &s->heap, &s->heap_tr, &s->heap_w, pt.t_ms, "heap_leak",
				  "heap", "heap limit", n->heap_limit, n->gc_total > 0);
	}
	if (g < nmajor)
		s->gc_carry = major[g];
}

/* RSS: floor trend for processes without a probe, and the cgroup limit share. */
static void eval_rss(alerts *a, model *m, pstate *s, vproc *p, bool leak_rule)
{
	const alert_config *c = &a->c;
	size_t first, k = ring_fresh(&p->rss_r, &s->seen_rss, &first);
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(&p->rss_r, 0, i);
		if (bwin_push(&s->rss_w, pt.t_ms, pt.mean, false) && leak_rule)
			leak_step(a, m, s, &s->rss, &s->rss_tr, &s->rss_w, pt.t_ms, "rss_leak", "RSS",
				  "memory limit", p->mem_limit, false);
		if (isnan(pt.mean))
			continue;
		double lim = p->mem_limit;
		double share = lim > 0 ? 100.0 * pt.mean / lim : 0;
		bool above = lim > 0 && share >= c->mem_limit_pct;
		s->mem_run = above ? s->mem_run + 1 : 0;
		if (s->mem.st == R_QUIET)
			s->mem_peak = 0;
		if (share > s->mem_peak)
			s->mem_peak = share;
		int tx = rule_step(&s->mem, (int64_t)(c->resolve_s * 1000), pt.t_ms, above,
				   s->mem_run >= 2, lim > 0 && share >= c->mem_limit_pct - 5);
		if (tx == T_FIRE)
			emit(a, m, s, pt.t_ms, SEV_CRIT, ALERT_FIRING, "mem_limit",
			     "RSS %.0f MB is %.0f%% of the cgroup limit %.0f MB", pt.mean / MB, share,
			     lim / MB);
		else if (tx == T_RESOLVE)
			emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, "mem_limit",
			     "RSS back to %.0f%% of the cgroup limit (peak %.0f%%)", share, s->mem_peak);
	}
}

/* ---- event-loop stall ----------------------------------------------- */

/* The value of `other`, pushed alongside `r` (same time stamps), for r's
 * tier-0 entry i; NaN if it has none. */
static double ring_beside(const ring *r, size_t i, const ring *other)
{
	size_t len = ring_len(r, 0), no = ring_len(other, 0);
	if (no < len - i)
		return NAN;
	ring_point q = ring_get(other, 0, no - (len - i));
	return q.t_ms == ring_get(r, 0, i).t_ms ? q.mean : NAN;
}

/* A sample stalls when lag p99 > stall_ms and the loop itself was busy for
 * at least half of that delay (event-loop utilisation × interval): a
 * process starved of CPU by a loaded machine sees its timers late too, but
 * its loop sits idle waiting to be scheduled, and its code is not at fault.
 * The rule fires when stall_samples of the last 3×stall_samples samples
 * stalled: N in a row fires at the Nth, and a loop blocked every other
 * second (p99 high in every second sample) is caught too. Hold: any sample
 * above 80% of the threshold. */
static void eval_stall(alerts *a, model *m, pstate *s, vnode *n)
{
	const alert_config *c = &a->c;
	int need = c->stall_samples, win = 3 * need;
	uint32_t mask = win >= 32 ? 0xffffffffu : (1u << win) - 1;
	size_t first, k = ring_fresh(&n->lag_p99_r, &s->seen_lag, &first);
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(&n->lag_p99_r, 0, i);
		double v = pt.mean;
		if (isnan(v))
			continue;
		double mx = ring_beside(&n->lag_p99_r, i, &n->lag_max_r);
		if (!(mx > v))
			mx = v;
		double elu = ring_beside(&n->lag_p99_r, i, &n->elu_r);
		double dt = s->lag_prev_t && pt.t_ms > s->lag_prev_t ? (double)(pt.t_ms - s->lag_prev_t) : 1000;
		s->lag_prev_t = pt.t_ms;
		bool starved = !isnan(elu) && elu * dt < 0.5 * fmin(v, dt);
		if (!starved)
			s->stall_elu = elu;	/* NaN: the probe sends no utilisation */
		bool stalled = v > c->stall_ms && !starved;
		s->stall_bits = ((s->stall_bits << 1) | stalled) & mask;
		int count = __builtin_popcount(s->stall_bits);
		if (s->stall.st == R_QUIET)
			s->stall_worst = 0;
		if (stalled && mx > s->stall_worst)
			s->stall_worst = mx;
		int tx = rule_step(&s->stall, (int64_t)(c->resolve_s * 1000), pt.t_ms, count > 0,
				   count >= need, v > 0.8 * c->stall_ms && !starved);
		if (s->stall.st == R_FIRING && mx > s->stall_worst && v > 0.8 * c->stall_ms)
			s->stall_worst = mx;
		if (tx == T_FIRE) {
			char busy[32] = "";
			if (!isnan(s->stall_elu))
				snprintf(busy, sizeof busy, ", loop busy %.0f%%", 100 * s->stall_elu);
			emit(a, m, s, pt.t_ms, s->stall_worst >= 1000 ? SEV_CRIT : SEV_WARN, ALERT_FIRING,
			     "stall", "event loop stalled: lag p99 %.0f ms, %d of last %d samples > %.0f ms (worst %.0f ms%s)",
			     v, count, win, c->stall_ms, s->stall_worst, busy);
		}
		else if (tx == T_RESOLVE)
			emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, "stall",
			     "event loop recovered after %.0f s (worst lag %.0f ms)",
			     (double)(pt.t_ms - s->stall.since) / 1000.0, s->stall_worst);
	}
}

/* ---- GC pressure ---------------------------------------------------- */

/* Mean GC share over gc_window_s (10 buckets), or one non-forced major
 * pause longer than gc_pause_ms. */
static void eval_gc(alerts *a, model *m, pstate *s, vnode *n)
{
	const alert_config *c = &a->c;
	int64_t resolve = (int64_t)(c->resolve_s * 1000);
	/* Long major pauses since the last look. */
	uint64_t fresh = n->gc_total - s->seen_gc;
	if (n->gc_total < s->seen_gc || fresh > n->gc_len)
		fresh = n->gc_len;
	s->seen_gc = n->gc_total;
	double pause = 0;
	int64_t pause_t = 0;
	for (uint32_t i = n->gc_len - (uint32_t)fresh; i < n->gc_len; i++) {
		const gc_event *e = model_gc_get(n, i);
		if (e->kind == GC_MAJOR && !(e->flags & GC_FLAG_FORCED) && e->dur_ms > pause) {
			pause = e->dur_ms;
			pause_t = e->t_ms;
		}
	}
	size_t first, k = ring_fresh(&n->gc_pct_r, &s->seen_gcpct, &first);
	int64_t window = (int64_t)(c->gc_window_s * 1000);
	bool any = false;
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(&n->gc_pct_r, 0, i);
		if (isnan(pt.mean))
			continue;
		any = true;
		bwin_push(&s->gc_w, pt.t_ms, pt.mean, false);
		/* Window mean over closed buckets inside the window plus the open one. */
		double sum = s->gc_w.open.sum;
		double cnt = s->gc_w.open.n;
		int64_t oldest = s->gc_w.open.t;
		for (int b = s->gc_w.len - 1; b >= 0; b--) {
			const bw_bucket *bk = bwin_get(&s->gc_w, b);
			if (bk->t < pt.t_ms - window)
				break;
			sum += bk->sum;
			cnt += bk->n;
			oldest = bk->t;
		}
		double share = cnt ? sum / cnt : 0;
		bool covered = pt.t_ms - oldest >= window * 8 / 10;
		bool big = pause > c->gc_pause_ms;	/* seen with this batch of samples */
		bool fire = (covered && share > c->gc_pct) || big;
		if (s->gc.st == R_QUIET)
			s->gc_pause = 0;
		if (big && pause > s->gc_pause)
			s->gc_pause = pause;
		s->gc_share = share;
		int tx = rule_step(&s->gc, resolve, pt.t_ms, pt.mean > c->gc_pct || big, fire,
				   share > 0.8 * c->gc_pct || big);
		if (big)
			pause = 0;	/* counted once */
		if (tx == T_FIRE) {
			if (s->gc_pause > 0 && !(covered && share > c->gc_pct))
				emit(a, m, s, pt.t_ms, SEV_WARN, ALERT_FIRING, "gc_pressure",
				     "GC pressure: major GC pause %.0f ms (> %.0f ms)", s->gc_pause,
				     c->gc_pause_ms);
			else
				emit(a, m, s, pt.t_ms, SEV_WARN, ALERT_FIRING, "gc_pressure",
				     "GC pressure: %.1f%% of time in GC over %.0f s (> %.0f%%)", share,
				     c->gc_window_s, c->gc_pct);
		} else if (tx == T_RESOLVE) {
			emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, "gc_pressure",
			     "GC pressure resolved: %.1f%% of time in GC", share);
		}
	}
	/* A long pause with no gc_pct series (older probe): judge it alone. */
	if (!any && pause > c->gc_pause_ms) {
		int tx = rule_step(&s->gc, resolve, pause_t, true, true, true);
		if (tx == T_FIRE)
			emit(a, m, s, pause_t, SEV_WARN, ALERT_FIRING, "gc_pressure",
			     "GC pressure: major GC pause %.0f ms (> %.0f ms)", pause, c->gc_pause_ms);
	}
}

/* ---- handle leak ---------------------------------------------------- */

static void eval_handles(alerts *a, model *m, pstate *s, vnode *n)
{
	const alert_config *c = &a->c;
	int64_t window = (int64_t)(c->handle_window_s * 1000);
	for (int j = 0; j < n->nhandles && j < MAX_HANDLE_TYPES; j++) {
		handle_count *hc = &n->handles[j];
		if (!s->h[j] && !(s->h[j] = calloc(1, sizeof *s->h[j])))
			continue;	/* out of memory: this type is not watched */
		handle_state *h = s->h[j];
		if (strcmp(h->type, hc->type) != 0) {	/* new slot (or reused): start over */
			memset(h, 0, sizeof *h);
			snprintf(h->type, sizeof h->type, "%s", hc->type);
			bwin_init(&h->w, c->handle_window_s, c->leak_subwindows);
		}
		size_t first, k = ring_fresh(&hc->r, &h->seen, &first);
		for (size_t i = first; i < first + k; i++) {
			ring_point pt = ring_get(&hc->r, 0, i);
			if (!bwin_push(&h->w, pt.t_ms, pt.mean, false))
				continue;
			trend tr;
			bool ok = bwin_trend(&h->w, window, 0.5 * 60000.0 / (double)h->w.span, &tr);
			bool pass = ok && tr.slope > 0 && tr.rising >= c->leak_rising_pct &&
				    tr.growth >= c->handle_min_growth && tr.recent > 0;
			bool hold = ok ? tr.slope > 0 && tr.growth >= c->handle_min_growth / 2.0
				       : h->r.st == R_FIRING;
			int tx = rule_step(&h->r, (int64_t)(c->resolve_s * 1000), pt.t_ms, pass,
					   pass && h->r.st == R_PENDING, hold);
			if (tx == T_FIRE) {
				char span[24];
				fmt_duration(span, sizeof span, tr.span_min);
				h->growth = tr.growth;
				emit(a, m, s, pt.t_ms, SEV_WARN, ALERT_FIRING, "handle_leak",
				     "handle leak: %s +%.0f over %s (+%.1f/min, now %d)", h->type,
				     tr.growth, span, tr.slope, hc->count);
			} else if (tx == T_RESOLVE) {
				emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, "handle_leak",
				     "handle leak resolved: %s count steady at %d", h->type, hc->count);
			}
		}
	}
}

/* ---- CPU saturation ------------------------------------------------- */

/* One core pegged: a run of samples >= cpu_pct lasting cpu_window_s. A
 * sample within 5 points below the threshold does not break the run. */
static void eval_cpu(alerts *a, model *m, pstate *s, vproc *p)
{
	const alert_config *c = &a->c;
	size_t first, k = ring_fresh(&p->cpu_r, &s->seen_cpu, &first);
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(&p->cpu_r, 0, i);
		double v = pt.mean;
		if (isnan(v))
			continue;
		if (v >= c->cpu_pct) {
			if (s->cpu_run < 0) {
				s->cpu_run = pt.t_ms;
				s->cpu_peak = 0;
			}
		} else if (v < c->cpu_pct - 5) {
			s->cpu_run = -1;
		}
		if (s->cpu_run >= 0 && v > s->cpu_peak)
			s->cpu_peak = v;
		bool fire = s->cpu_run >= 0 && pt.t_ms - s->cpu_run >= (int64_t)(c->cpu_window_s * 1000);
		int tx = rule_step(&s->cpu, (int64_t)(c->resolve_s * 1000), pt.t_ms, s->cpu_run >= 0,
				   fire, v >= c->cpu_pct - 10);
		if (tx == T_FIRE)
			emit(a, m, s, pt.t_ms, SEV_WARN, ALERT_FIRING, "cpu_saturation",
			     "CPU saturated: %.0f%% of a core for %.0f s (peak %.0f%%)", v,
			     (double)(pt.t_ms - s->cpu_run) / 1000.0, s->cpu_peak);
		else if (tx == T_RESOLVE)
			emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, "cpu_saturation",
			     "CPU back to %.0f%% of a core", v);
	}
}

/* ---- driver --------------------------------------------------------- */

/* The process ended: resolve what is firing, then stop evaluating it. */
static void resolve_exited(alerts *a, model *m, pstate *s, int64_t now)
{
	struct { rule_st *r; const char *name; } rs[] = {
		{ &s->heap, "heap_leak" }, { &s->rss, "rss_leak" }, { &s->stall, "stall" },
		{ &s->gc, "gc_pressure" }, { &s->cpu, "cpu_saturation" }, { &s->mem, "mem_limit" },
	};
	for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
		if (rs[i].r->st == R_FIRING)
			emit(a, m, s, now, SEV_INFO, ALERT_RESOLVED, rs[i].name, "process exited");
		rs[i].r->st = R_QUIET;
	}
	for (int j = 0; j < MAX_HANDLE_TYPES; j++) {
		if (!s->h[j])
			continue;
		if (s->h[j]->r.st == R_FIRING)
			emit(a, m, s, now, SEV_INFO, ALERT_RESOLVED, "handle_leak",
			     "process exited (%s)", s->h[j]->type);
		s->h[j]->r.st = R_QUIET;
	}
	s->exited = true;
}

void alerts_eval(alerts *a, model *m, int64_t now_ms)
{
	a->mark++;
	for (size_t i = 0; i < m->nprocs; i++) {
		vproc *p = m->procs[i];
		pstate *s = pstate_get(a, p, i);
		if (!s)
			continue;	/* out of memory: skip this process this tick */
		s->mark = a->mark;
		if (p->state == PROC_EXITED) {
			if (!s->exited)
				resolve_exited(a, m, s, p->exited_ms ? p->exited_ms : now_ms);
			continue;
		}
		if (p->state == PROC_DENIED)
			continue;
		vnode *n = p->node;
		bool probed = n && n->heap_used_r.count > 0;
		eval_rss(a, m, s, p, !probed);
		eval_cpu(a, m, s, p);
		if (n) {
			eval_heap(a, m, s, n);
			eval_stall(a, m, s, n);
			eval_gc(a, m, s, n);
			eval_handles(a, m, s, n);
		}
	}
	/* Sweep: states of processes no longer in the model. */
	size_t j = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->ps[i]->mark == a->mark)
			a->ps[j++] = a->ps[i];
		else
			pstate_free(a->ps[i]);
	}
	a->n = j;
}

void alerts_warning(alerts *a, model *m, vproc *p, const char *name, const char *message, int64_t now_ms)
{
	pstate *s = pstate_get(a, p, 0);
	if (!name || !*name)
		name = "Warning";
	if (!message)
		message = "";
	/* The same warning again within resolve_s is the same alert. */
	char key[sizeof s->warn_key];
	snprintf(key, sizeof key, "%s|%s", name, message);
	if (s && strcmp(s->warn_key, key) == 0 && now_ms - s->warn_t < (int64_t)(a->c.resolve_s * 1000))
		return;
	if (s) {
		memcpy(s->warn_key, key, sizeof key);
		s->warn_t = now_ms;
	}
	bool listener = strcmp(name, "MaxListenersExceededWarning") == 0;
	pstate tmp = { .pid = p->pid };
	if (listener)
		emit(a, m, s ? s : &tmp, now_ms, SEV_WARN, ALERT_FIRING, "listener_leak",
		     "listener leak: %s", message);
	else
		emit(a, m, s ? s : &tmp, now_ms, SEV_INFO, ALERT_FIRING, "warning", "%s%s%s", name,
		     *message ? ": " : "", message);
}

int alerts_state(const alerts *a, const vproc *p, const char *rule)
{
	const pstate *s = pstate_find(a, p, 0);
	if (!s || !rule)
		return -1;
	const rule_st *r = NULL;
	if (strcmp(rule, "heap_leak") == 0) r = &s->heap;
	else if (strcmp(rule, "rss_leak") == 0) r = &s->rss;
	else if (strcmp(rule, "stall") == 0) r = &s->stall;
	else if (strcmp(rule, "gc_pressure") == 0) r = &s->gc;
	else if (strcmp(rule, "cpu_saturation") == 0) r = &s->cpu;
	else if (strcmp(rule, "mem_limit") == 0) r = &s->mem;
	else if (strcmp(rule, "handle_leak") == 0) {
		int best = -1;
		for (int j = 0; j < MAX_HANDLE_TYPES; j++) {
			if (s->h[j] && s->h[j]->r.st == R_FIRING)
				return ALERT_FIRING;
			if (s->h[j] && s->h[j]->r.st == R_PENDING)
				best = ALERT_PENDING;
		}
		return best;
	}
	if (!r)
		return -1;
	return r->st == R_FIRING ? ALERT_FIRING : r->st == R_PENDING ? ALERT_PENDING : -1;
}

size_t alerts_bytes(const alerts *a)
{
	size_t b = sizeof *a + a->cap * sizeof *a->ps;
	for (size_t i = 0; i < a->n; i++)
	{
		b += sizeof *a->ps[i];
		for (int j = 0; j < MAX_HANDLE_TYPES; j++)
			b += a->ps[i]->h[j] ? sizeof *a->ps[i]->h[j] : 0;
	}
	return b;
}
