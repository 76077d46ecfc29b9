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
 * costs O(K) and the trend tests run only when a bucket closes — never
 * O(samples in window).  We bucket the raw tier ourselves rather than read the
 * ring's 10 s tier because windows and buckets are configurable (5 s by
 * default) and the ring layout is the user's choice.
 *
 * Every rule runs the same state machine (rule_step):
 *   quiet --evidence--> pending --condition--> firing --absent resolve_s--> quiet
 * A pending rule whose evidence disappears goes back to quiet silently; only
 * firing and resolved transitions are logged and passed to the callback.  The
 * "hold" condition that keeps a firing rule alive is looser than the one that
 * fires it (hysteresis), and it must be absent for resolve_s of sample time
 * before the rule resolves, so a flapping signal gives one alert.
 *
 * Leak test (heap floor, RSS floor): the minimum of each bucket (window /
 * leak_subwindows, 5 s by default) is the floor.  At every bucket close the
 * test runs over ~23 window lengths from 4 buckets to the longest (merging
 * neighbours beyond 16 floors, so each costs O(16^2)): Theil–Sen slope of
 * the floors, the newer half's, noise from the step-to-step changes, the
 * share of steps that rose, the two largest rises.  A window passes when
 * the floor rises steadily (slope above the minimum rate, 70% of steps up,
 * the newer half still rising, growth above 4x noise and not one step) and
 * rate × duration^2 >= E = 2 MB/s × leak_fast_s^2 — a steady leak at rate r
 * fires after sqrt(E / r): 40 s at 2 MB/s, 81 s at 500 KB/s, 181 s at
 * 100 KB/s; a healthy warm-up of a given size and length stays below (200
 * KB/s for 90 s needs 128 s).  The longest window passes on duration alone.
 * With GC events, the heap right after major GCs (the live set) judges the
 * floor: a GC a quarter or more into a window gives the live set's rate
 * (promoted garbage raises the floor until the next mark-compact and is not
 * a leak); growth that no GC has judged counts only since the latest GC,
 * must exceed 1.5x the garbage major GCs have been removing (RSS: 1.5x
 * the largest recent fall of its floor, as V8 returns memory and takes it
 * again), and needs 2E
 * (on the longest window it fires after one more window since the latest
 * GC).  Latest live sets bound both: growth a GC judged counts at most at
 * their rate, and in a process that makes garbage in cycles unjudged
 * growth below 4x the live set (V8's largest heap growing factor) waits
 * for the next GC (see leak_window_pass).  Between major GCs nothing else
 * tells a leak from promoted garbage (the heap after scavenges, old space
 * and RSS rise alike with both), and V8 may put its GC off for minutes:
 * once unjudged growth has E/2, the heap's rule asks for one through
 * alerts_set_gc_cb (the probe's `gc`; at most once per leak_gc_s), and
 * while it can, a window's growth since its latest GC over more than half
 * the window (a quarter, if that GC took back a good part of the climb
 * before it) is left for that GC to judge, and a window that would pass
 * with a tail over a quarter waits one close for a GC asked for then.
 * A firing leak
 * holds while the window that fired still rises (or the live set does) and
 * resolves resolve_s after it stops; while it fires the time to the heap or
 * cgroup limit is projected into vproc.oom_in_s.  Handle counts use the
 * same floors over handle_window_s.
 */
#include "base/alerts.h"

#include "base/fmt.h"
#include "base/text.h"
#include "base/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BW_MAX 66	/* buckets per window: leak_subwindows (<= 64) + 2 */
#define FLOORS_MAX 16	/* floors per trend test; neighbouring buckets merge beyond */
#define LIVE_PTS 8	/* post-GC heap values a leak rule remembers */
#define YOUNG_DEFAULT (16 * MB)	/* V8's largest semi-space on 64-bit: used young space */
#define LIVE_GROWTH 4.0	/* V8's largest old-generation growing factor: a heap
			   this many times its live set has outgrown garbage */
#define MB (1024.0 * 1024.0)

/* ---- configuration -------------------------------------------------- */

void alerts_config_default(alert_config *c)
{
	*c = (alert_config){
		.leak_window_s = 300,
		.leak_min_mb_per_min = 2.0,
		.http_err_pct = 5,
		.http_p99_ms = 1000,
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
		.leak_subwindows = 60,
		.leak_fast_s = 40,
		.leak_gc_s = 60,
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
	D(http_err_pct, 0.01, 100),
	D(http_p99_ms, 1, 600000),
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
	I(leak_subwindows, 4, 64),
	D(leak_fast_s, 1, 86400),
	D(leak_gc_s, 0, 86400),
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

/* A bucket as rules read it (the open one, and closed ones from bwin_get). */
typedef struct bw_bucket {
	int64_t t;		/* aligned start */
	int32_t dtmin;		/* the lowest sample was taken at t + dtmin (bw_tmin) */
	int32_t dtgc;		/* gcmin at t + dtgc (bw_tgc) */
	float min;
	float gcmin;		/* lowest sample right after a major GC, NaN if none */
	uint32_t n;
	float sum;		/* of the samples: the GC window's mean (shares <= 100) */
} bw_bucket;

/* ms from a bucket's start (negative after a clock step back), clamped. */
static int32_t bw_off(const bw_bucket *b, int64_t t)
{
	int64_t d = t - b->t;
	return d > INT32_MAX ? INT32_MAX : d < INT32_MIN ? INT32_MIN : (int32_t)d;
}

static int64_t bw_tmin(const bw_bucket *b)
{
	return b->t + b->dtmin;
}

/* When the bucket's post-GC minimum was taken, 0 without one. */
static int64_t bw_tgc(const bw_bucket *b)
{
	return isnan(b->gcmin) ? 0 : b->t + b->dtgc;
}

/* A closed bucket as stored: 20 bytes (32 as a bw_bucket: an attached
 * process has ~190 of them).  Its start is ms since the window's t0; the
 * sum and count only the GC window reads are kept beside, in windows made
 * with them (bw_sum). */
typedef struct bw_slot {
	uint32_t t;
	int32_t dtmin, dtgc;
	float min, gcmin;
} bw_slot;

typedef struct bw_sum {
	float sum;
	uint32_t n;
} bw_sum;

/* The closed buckets are allocated at the first close, cap of them (a GC
 * window needs 12, a leak window 62): a process that never reports the
 * series costs no buckets, and none costs BW_MAX. */
typedef struct bwin {
	int64_t span;		/* ms per bucket */
	int64_t t0;		/* what every slot's t counts from, <= the oldest kept */
	int cap, head, len;	/* closed buckets, head = next slot */
	bool sums;		/* keeps each closed bucket's sum and count */
	bw_slot *b;		/* owned: cap slots (then, with sums, cap bw_sums in the
				 * same block), NULL until the first close */
	bw_bucket open;		/* open.n == 0: none yet */
} bwin;

static bw_sum *bwin_sums(const bwin *w)
{
	return (bw_sum *)(void *)(w->b + w->cap);
}

static void bwin_init(bwin *w, double window_s, int k, bool sums)
{
	memset(w, 0, sizeof *w);
	w->sums = sums;
	if (k < 1)
		k = 1;
	if (k > BW_MAX - 2)
		k = BW_MAX - 2;
	w->span = (int64_t)(window_s * 1000.0 / k);
	if (w->span < 1)
		w->span = 1;
	w->cap = k + 2;
}

static void bwin_free(bwin *w)
{
	free(w->b);
	w->b = NULL;
	w->len = w->head = 0;
}

/* Store b (the bucket closing, later than every kept one) at head.  Slot
 * starts are 32-bit offsets from t0, which covers 49 days: past that t0
 * moves up to the oldest kept start, or, when the window itself spans that
 * long (a process silent for weeks), the old buckets go. */
static void bwin_store(bwin *w, const bw_bucket *b)
{
	if (w->len == 0)
		w->t0 = b->t;
	if (b->t - w->t0 > (int64_t)UINT32_MAX) {
		int oldest = (w->head + w->cap - w->len) % w->cap;
		uint32_t shift = w->b[oldest].t;
		if (b->t - w->t0 - shift > (int64_t)UINT32_MAX) {
			w->len = 0;
			w->t0 = b->t;
		} else {
			for (int i = 0; i < w->len; i++)
				w->b[(oldest + i) % w->cap].t -= shift;
			w->t0 += shift;
		}
	}
	w->b[w->head] = (bw_slot){ .t = (uint32_t)(b->t - w->t0), .dtmin = b->dtmin, .dtgc = b->dtgc,
				   .min = b->min, .gcmin = b->gcmin };
	if (w->sums)
		bwin_sums(w)[w->head] = (bw_sum){ .sum = b->sum, .n = b->n };
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
		if (!w->b)
			w->b = xcalloc((size_t)w->cap, sizeof *w->b + (w->sums ? sizeof(bw_sum) : 0));
		bwin_store(w, &w->open);
		w->head = (w->head + 1) % w->cap;
		if (w->len < w->cap)
			w->len++;
		w->open.n = 0;
		closed = true;
	}
	if (!w->open.n) {
		w->open = (bw_bucket){ .t = start, .min = (float)v, .gcmin = post_gc ? (float)v : NAN, .n = 1,
				       .sum = (float)v };
		w->open.dtmin = w->open.dtgc = bw_off(&w->open, t);
	} else {	/* same bucket, or a clock step backwards: keep it here */
		if (v < w->open.min) {
			w->open.min = (float)v;
			w->open.dtmin = bw_off(&w->open, t);
		}
		if (post_gc && !(v >= w->open.gcmin)) {
			w->open.gcmin = (float)v;
			w->open.dtgc = bw_off(&w->open, t);
		}
		w->open.sum += (float)v;
		w->open.n++;
	}
	return closed;
}

/* i-th closed bucket, 0 = oldest (sum and n 0 in a window without sums). */
static bw_bucket bwin_get(const bwin *w, int i)
{
	int k = (w->head + w->cap - w->len + i) % w->cap;
	const bw_slot *sl = &w->b[k];
	bw_bucket b = { .t = w->t0 + sl->t, .dtmin = sl->dtmin, .dtgc = sl->dtgc, .min = sl->min,
			.gcmin = sl->gcmin };
	if (w->sums) {
		b.sum = bwin_sums(w)[k].sum;
		b.n = bwin_sums(w)[k].n;
	}
	return b;
}

/* ---- trend test ----------------------------------------------------- */

typedef struct trend {
	int n;			/* floors in the window */
	double slope;		/* Theil–Sen over the floors, units per second */
	double recent;		/* the same over the newer half of them */
	double noise;		/* robust SD of the floors around that line */
	double rising;		/* % of floor-to-floor steps that rose */
	double top2;		/* the two largest rises, summed */
	double lo;		/* lowest floor */
	double fall;		/* largest fall from one floor to the next ... */
	double fall_lo;		/* ... the floor it fell to, */
	int64_t t_fall;		/* ... and when */
	double first, last;	/* oldest and newest floor ... */
	int64_t t_first, t_last;	/* ... and when they were sampled */
	int gc_n;		/* floors with a major GC in them */
	bool gc_late;		/* the latest of them is a quarter or more into the window */
	double gc_live, gc_live0;	/* the heap right after the latest and earliest GC */
	int64_t t_gc, t_gc0;	/* ... and when */
} trend;

static double trend_span_s(const trend *tr)
{
	return (double)(tr->t_last - tr->t_first) / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof v[0], cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of the pairwise slopes of n <= FLOORS_MAX points. */
static double theil_sen(const double *x, const double *y, int n)
{
	double slopes[FLOORS_MAX * (FLOORS_MAX - 1) / 2];
	int ns = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (x[j] > x[i])
				slopes[ns++] = (y[j] - y[i]) / (x[j] - x[i]);
	return median(slopes, ns);
}

/* Trend of the floors over the newest nb closed buckets.  Beyond FLOORS_MAX
 * buckets, neighbours are merged (the floor of a longer bucket), so a test
 * costs O(FLOORS_MAX^2) whatever the window.  A step counts as rising above
 * eps_per_s × its duration.  Returns false when the window is not covered
 * well enough to say anything: most floors present, and the oldest one (a
 * young process has no long trend yet).  Fewer steps rising than
 * need_rising %: the slopes and noise are left 0 (most windows of a
 * healthy process end here, before the O(n^2) fits). */
static bool bwin_trend(const bwin *w, int nb, double eps_per_s, double need_rising, trend *tr)
{
	memset(tr, 0, sizeof *tr);
	if (w->len < 2 || nb < 2)
		return false;
	int64_t end = bwin_get(w, w->len - 1).t + w->span;
	int64_t start = end - (int64_t)nb * w->span;
	int group = (nb + FLOORS_MAX - 1) / FLOORS_MAX;
	int ng = (nb + group - 1) / group;
	struct { float min, gcmin; int64_t tmin, tgc; } fl[FLOORS_MAX];
	bool have[FLOORS_MAX] = { false };
	for (int i = 0; i < w->len; i++) {
		const bw_bucket bk = bwin_get(w, i), *b = &bk;
		if (b->t < start)
			continue;
		int g = (int)((b->t - start) / w->span) / group;
		if (g >= ng)
			g = ng - 1;
		if (!have[g]) {
			fl[g].min = b->min;
			fl[g].tmin = bw_tmin(b);
			fl[g].gcmin = b->gcmin;
			fl[g].tgc = bw_tgc(b);
		} else {
			if (b->min < fl[g].min) {
				fl[g].min = b->min;
				fl[g].tmin = bw_tmin(b);
			}
			if (!isnan(b->gcmin) && bw_tgc(b) > fl[g].tgc) {	/* the latest GC */
				fl[g].gcmin = b->gcmin;
				fl[g].tgc = bw_tgc(b);
			}
		}
		have[g] = true;
	}
	double x[FLOORS_MAX], y[FLOORS_MAX];
	int n = 0;
	/* scan-build: fl[0] is read only when have[0], which is set with it */
	int64_t t0 = have[0] ? fl[0].tmin : start;	/* fl[0] is unset without have[0] */
	for (int g = 0; g < ng; g++) {
		if (!have[g])
			continue;
		tr->t_last = fl[g].tmin;
		x[n] = (double)(fl[g].tmin - t0) / 1000.0;
		y[n] = fl[g].min;
		/* Major GCs: the heap right after one is the live set then. */
		if (!isnan(fl[g].gcmin)) {
			if (!tr->gc_n++) {
				tr->gc_live0 = fl[g].gcmin;
				tr->t_gc0 = fl[g].tgc;
			}
			tr->gc_live = fl[g].gcmin;
			tr->t_gc = fl[g].tgc;
			tr->gc_late = fl[g].tgc - start >= (end - start) / 4;
		}
		n++;
	}
	if (n < 4 || n * 5 < ng * 4 || !have[0])
		return false;
	tr->n = n;
	int up = 0;
	double r1 = 0, r2 = 0;
	for (int i = 1; i < n; i++) {
		double dy = y[i] - y[i - 1];
		up += dy > eps_per_s * (x[i] - x[i - 1]);
		if (dy > r1) {
			r2 = r1;
			r1 = dy;
		} else if (dy > r2) {
			r2 = dy;
		}
	}
	tr->top2 = r1 + r2;
	tr->rising = 100.0 * up / (n - 1);
	tr->first = y[0];
	tr->lo = y[0];
	for (int i = 1; i < n; i++) {
		tr->lo = fmin(tr->lo, y[i]);
		if (y[i - 1] - y[i] > tr->fall) {
			tr->fall = y[i - 1] - y[i];
			tr->fall_lo = y[i];
			tr->t_fall = t0 + (int64_t)(x[i] * 1000.0);
		}
	}
	tr->last = y[n - 1];
	tr->t_first = t0;
	if (tr->rising < need_rising)	/* no fit needed: the caller rejects it */
		return true;
	tr->slope = theil_sen(x, y, n);
	tr->recent = theil_sen(x + n / 2, y + n / 2, n - n / 2);
	/* Noise from the step-to-step changes (robust SD of their deviation
	 * from the typical step, over sqrt 2): a wobbling plateau has it, a
	 * steady rise with the odd GC drop has little. */
	double res[FLOORS_MAX];
	for (int i = 1; i < n; i++)
		res[i - 1] = y[i] - y[i - 1];
	double mid = median(res, n - 1);
	for (int i = 1; i < n; i++)
		res[i - 1] = fabs(y[i] - y[i - 1] - mid);
	tr->noise = 1.4826 * median(res, n - 1) / sqrt(2.0);
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
} handle_state;

/* A leak rule (heap or RSS floor): its state machine plus what the hold
 * test and the time-to-limit projection need between bucket closes. */
typedef struct leak_st {
	rule_st r;
	int hold_nb;		/* buckets of the window that fired: hold looks at it */
	double fired_rate;	/* units/s that fired */
	int64_t oom_at;		/* projected time the first limit is hit, 0 none */
	const char *oom_limit;	/* which: "heap" or "cgroup" */
	int64_t gc_t[LIVE_PTS];	/* the live set: heap right after recent major GCs, */
	float gc_v[LIVE_PTS];	/* one per bucket, ring with gc_head = next slot, */
	float gc_drop[LIVE_PTS];	/* and how far each fell below the floor before, */
	float gc_climb[LIVE_PTS];	/* out of how much that floor had climbed since
					   the previous one (or the first floor seen) */
	int gc_head, gc_len;
	float first_floor;	/* the first floor this rule saw, 0 before */
	double young;		/* heap: new space's size (V8's young generation), 0 unknown */
	double fall;		/* largest fall between the longest window's floors, */
	int64_t fall_t;		/* ... lately, and when */
	int64_t gc_asked;	/* when a GC was last asked for (heap), 0 never */
	bool gc_want;		/* ask for one now: set by leak_step, taken by eval_heap */
} leak_st;

/* The live set as the latest major GCs measured it: the heap right after
 * the newest one, and its growth per second since the newest earlier one a
 * fifth of the longest window or more before it (NaN: fewer GCs than that,
 * or no GC events). */
typedef struct live_view {
	double set, rate;
	double young;	/* the young generation's capacity, bytes */
	double freed;	/* largest share of the heap one of those GCs freed */
	bool cycles;	/* one of them freed most of a climb: garbage comes in cycles */
	double took;	/* share of the climb before it the latest one freed */
	double last_cap;	/* the most the latest GC and the newest one >= 15 s
				   before it allow, B/s: their growth + half the
				   minimum growth (a noisy post-GC sample) */
} live_view;

/* A worker thread's heap leak rule: the same floors and tests as the
 * process's heap, fed with the latest figures the worker reported (workers
 * keep no history in the model; the probe asks each once a sample). */
typedef struct worker_st {
	int thread_id;
	char name[48];
	int64_t last_t;		/* the worker's ts of the last figures consumed */
	bool gc_known;		/* a major GC has been seen: floors are live sets */
	uint32_t mark;
	bwin w;
	leak_st l;
} worker_st;

/* An HTTP rule: 3 of the last 9 samples with traffic over the threshold. */
typedef struct http_rule {
	rule_st r;
	uint64_t seen;
	uint32_t bits;		/* 1 bit per sample, newest in bit 0 */
	double worst;
} http_rule;

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
	leak_st heap, rss;
	rule_st stall, gc, cpu, mem;
	http_rule http_err, http_lat;

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
	worker_st *wk[MAX_WORKERS];	/* per worker thread seen, allocated when seen */

	char warn_key[96];	/* last warning (name + message prefix) and when */
	int64_t warn_t;
} pstate;

struct alerts {
	alert_config c;
	alert_cb cb;
	void *ud;
	alert_gc_cb gc_cb;
	void *gc_ud;
	pstate **ps;
	size_t n, cap;
	uint32_t mark;
};

alerts *alerts_new(const alert_config *c, alert_cb cb, void *ud)
{
	alerts *a = xcalloc(1, sizeof *a);
	if (c)
		a->c = *c;
	else
		alerts_config_default(&a->c);
	a->cb = cb;
	a->ud = ud;
	return a;
}

void alerts_set_gc_cb(alerts *a, alert_gc_cb cb, void *ud)
{
	a->gc_cb = cb;
	a->gc_ud = ud;
}

static void pstate_free(pstate *s)
{
	if (!s)
		return;
	for (int j = 0; j < MAX_HANDLE_TYPES; j++) {
		if (s->h[j])
			bwin_free(&s->h[j]->w);
		free(s->h[j]);
	}
	for (int j = 0; j < MAX_WORKERS; j++) {
		if (s->wk[j])
			bwin_free(&s->wk[j]->w);
		free(s->wk[j]);
	}
	bwin_free(&s->heap_w);
	bwin_free(&s->rss_w);
	bwin_free(&s->gc_w);
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
		a->ps = xrealloc(a->ps, cap * sizeof *a->ps);
		a->cap = cap;
	}
	s = xcalloc(1, sizeof *s);
	s->p = p;
	s->pid = p->pid;
	s->start_time = p->start_time;
	s->mark = a->mark;
	s->cpu_run = -1;
	int k = a->c.leak_subwindows;
	bwin_init(&s->heap_w, a->c.leak_window_s, k, false);
	bwin_init(&s->rss_w, a->c.leak_window_s, k, false);
	bwin_init(&s->gc_w, a->c.gc_window_s, 10, true);
	a->ps[a->n++] = s;
	return s;
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
	/* warning text comes from the watched program */
	text_clean(al.msg, sizeof al.msg, al.msg, strlen(al.msg), TEXT_TABS | TEXT_UTF8);
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

/* ---- leak rules (heap floor, RSS floor) ----------------------------- */

/* Window lengths the leak test tries, in buckets: from 4 up by ~15% to k,
 * the longest (leak_subwindows). Returns how many, filled into nb[]. */
static int leak_windows(int k, int nb[24])
{
	int n = 0;
	for (int b = 4; b < k && n < 23; b = b * 115 / 100 > b ? b * 115 / 100 : b + 1)
		nb[n++] = b;
	nb[n++] = k;
	return n;
}

/* Growth rate of the live set the window supports, units per second: the
 * floors' slope, unless major GCs show less.  Two GCs a third of the window
 * or more apart: the slope between the heap right after each (both the live
 * set, garbage collected).  One a quarter or more into the window: from the
 * window's first floor to the heap after it — the first floor is at least
 * the live set then, so this errs low, never high.  NaN: no GC to judge by. */
static double trend_live_rate(const trend *tr, int64_t window_ms)
{
	if (tr->gc_n >= 2 && tr->t_gc - tr->t_gc0 >= window_ms / 3)
		return (tr->gc_live - tr->gc_live0) / ((double)(tr->t_gc - tr->t_gc0) / 1000.0);
	if (tr->gc_n >= 1 && tr->gc_late && tr->t_gc > tr->t_first)
		return (tr->gc_live - tr->first) / ((double)(tr->t_gc - tr->t_first) / 1000.0);
	return NAN;
}

/* The leak test on one window: a floor that rises steadily (Theil–Sen slope
 * at least the minimum rate, most steps up, the newer half still rising),
 * by more than its noise, for long enough given how fast: rate × duration²
 * at least E (the rate: the lower of the whole window's and its newer
 * half's), i.e. a steady leak at rate r fires after sqrt(E / r) — the
 * faster the growth, the less time it takes for it to be evidence, while a
 * healthy warm-up or cache fill of a given size and length stays below.
 * The longest window passes on duration alone.
 * When the process reports GC events, V8's promoted garbage (which raises
 * the floor until the next mark-compact) is told apart by the heap right
 * after major GCs: a GC a quarter or more into the window judges it — the
 * live set's growth is the rate (near 0: garbage, no leak).  With no such
 * GC the growth may be garbage still: only the time since the latest GC
 * counts, it must exceed 1.5 times the most garbage a major GC removed
 * lately (the heap climbs again to about where V8 collected last time),
 * and it needs twice the evidence; on the longest window it waits
 * (LW_WAIT): V8 can go many minutes between major GCs in a large heap, and
 * a trend that keeps rising for one more full window fires.
 * The live set across GCs (`lv`, from leak_step) judges both cases by what
 * the process does now, not what it did at the window's start: growth a GC
 * judged counts at most at the rate of the latest live sets (a cache that
 * filled and then stayed full has a rising live set early in the window
 * and a flat one since); and in a process known to make garbage in cycles
 * (live sets flat, or a GC that freed a quarter of the heap) growth no GC
 * has judged is one more cycle's garbage until the heap passes LIVE_GROWTH
 * times the live set plus the young generation — V8 grows the old
 * generation's limit by at most 4x the live set after a mark-compact, so
 * garbage is collected before that, and a leak shows in the next live set;
 * it can still fire by waiting on the longest window.
 * And a heap that will reach its limit within twice the time it has been
 * rising passes now: waiting longer would be too late. */
enum { LW_FAIL, LW_PASS, LW_WAIT };
static int leak_window_pass(const alert_config *c, const trend *tr, int64_t window_ms, bool longest,
			     bool gc_known, double garbage, const live_view *lv, double limit,
			     int gc_can, double *rate_out, double *unjudged)
{
	bool can_gc = gc_can > 0;	/* 1: a GC can be asked for, 2: and now */
	double min_rate = c->leak_min_mb_per_min * MB / 60.0;
	double d = trend_span_s(tr);
	double rate = tr->slope;
	bool confirmed = true, cycle = false, gc_first = false, tail_first = false;
	/* Without GC events (RSS): growth from the window's lowest floor must
	 * exceed 1.5 times the largest recent fall (see leak_step); and a
	 * window with such a fall in it counts only since, with twice the
	 * evidence, never on duration alone (like growth no GC has judged). */
	if (!gc_known && tr->last - tr->lo < 1.5 * garbage)
		return LW_FAIL;
	if (!gc_known && garbage > c->leak_min_growth_mb * MB && tr->fall >= 0.5 * garbage) {
		confirmed = false;
		d = (double)(tr->t_last - tr->t_fall) / 1000.0;
	}
	if (gc_known) {
		double live = trend_live_rate(tr, window_ms);
		/* GCs judged the growth up to the latest of them.  When that one
		 * freed a good part of the climb before it, the process makes
		 * garbage as well: growth since, over more than a quarter of the
		 * window, is not the live set's (a cache that filled, then
		 * garbage V8 has not collected since); when a GC can be asked
		 * for, it is left for that GC to judge */
		double tail = (double)(tr->t_last - tr->t_gc);
		if (can_gc && (tail > (double)window_ms / 2 || (lv->took >= 0.25 && tail > (double)window_ms / 4)))
			live = NAN;
		confirmed = !isnan(live);
		/* a shorter tail still counts at the judged rate, but not
		 * before a GC asked for now has had its say (a cache that
		 * filled between two GCs, then garbage; if the GC does not
		 * come, the next close judges as before) */
		tail_first = confirmed && gc_can == 2 && tail > (double)window_ms / 4;
		if (confirmed) {
			/* the live set's growth itself must stand out of a
			 * post-GC sample's noise (new space, 1 s of allocation) */
			double span = tr->gc_n >= 2 && tr->t_gc - tr->t_gc0 >= window_ms / 3
				      ? tr->t_gc - tr->t_gc0 : tr->t_gc - tr->t_first;
			if (live * (double)span / 1000.0 < c->leak_min_growth_mb * MB)
				return LW_FAIL;
			rate = fmin(rate, live);
			if (!isnan(lv->rate))
				rate = fmin(rate, lv->rate);
			/* and the latest two: a cache that filled between GCs a
			 * minute apart, then stayed full (a flat live set since) */
			if (!isnan(lv->last_cap))
				rate = fmin(rate, lv->last_cap);
		} else {
			/* only the time since the latest GC, and only growth
			 * beyond the garbage major GCs have been removing */
			double since = tr->last - (tr->gc_n ? tr->gc_live : tr->first);
			if (tr->gc_n)
				d = (double)(tr->t_last - tr->t_gc) / 1000.0;
			if (since < 1.5 * garbage)
				return LW_FAIL;
			/* a process known to make garbage in cycles (its live
			 * set flat across GCs, or a GC that freed a quarter
			 * of the heap): below V8's bound the growth may be
			 * one more cycle's garbage (the next GC tells),
			 * beyond it it cannot be */
			if (!isnan(lv->set) && (lv->rate < min_rate || lv->freed >= 0.25 || lv->cycles)) {
				cycle = tr->last < LIVE_GROWTH * lv->set + lv->young;
				/* beyond V8's bound with no GC: odd (flags such as
				 * --initial-old-space-size put GCs off); a GC
				 * asked for tells, else take V8's word */
				confirmed = !cycle;
				gc_first = !cycle && can_gc;
			}
		}
	}
	/* The rate it grows at now: a cache that filled and stopped halfway
	 * through the window has a steep slope but a flat newer half. */
	rate = fmin(rate, tr->recent);
	*rate_out = rate;
	if (d <= 0 || tr->slope < min_rate || rate < min_rate || tr->rising < c->leak_rising_pct ||
	    tr->recent < fmax(min_rate / 2, tr->slope / 4))
		return LW_FAIL;
	/* Growth spread over the window, not one step (a big allocation kept,
	 * with a little creep around it, also rises in most steps). */
	double growth = tr->last - tr->first;
	if (growth < c->leak_min_growth_mb * MB || growth < 4 * tr->noise || tr->top2 > 0.85 * growth)
		return LW_FAIL;
	double e = 2.0 * MB * c->leak_fast_s * c->leak_fast_s;	/* 2 MB/s for leak_fast_s */
	/* garbage waited for long, or a tail that would tip it: no verdict
	 * before a GC's */
	if (gc_first || (tail_first && rate * d * d >= e)) {
		*unjudged = fmax(*unjudged, 1);
		return LW_FAIL;
	}
	if (!confirmed && !cycle)	/* its evidence, in units of E: a GC would judge it */
		*unjudged = fmax(*unjudged, rate * d * d / e);
	if (rate * d * d >= (confirmed ? e : 2 * e) && !cycle)
		return LW_PASS;
	if (longest)
		return confirmed ? LW_PASS : LW_WAIT;
	return confirmed && limit > tr->last && (limit - tr->last) / rate <= 2 * d ? LW_PASS : LW_FAIL;
}

/* Live-set growth from the latest two remembered post-GC values at least
 * min_gap apart, units per second; NaN if none, or if the latest is older
 * than `fresh` ms at t (it says nothing about what the heap does now). */
static double leak_live_rate(const leak_st *l, int64_t min_gap, int64_t t, int64_t fresh)
{
	if (l->gc_len < 2)
		return NAN;
	int nw = (l->gc_head + LIVE_PTS - 1) % LIVE_PTS;
	if (t - l->gc_t[nw] > fresh)
		return NAN;
	for (int i = 1; i < l->gc_len; i++) {
		int j = (nw + LIVE_PTS - i) % LIVE_PTS;
		if (l->gc_t[nw] - l->gc_t[j] >= min_gap)
			return (l->gc_v[nw] - l->gc_v[j]) / ((double)(l->gc_t[nw] - l->gc_t[j]) / 1000.0);
	}
	return NAN;
}

/* Hold: the window that fired (8..36 buckets) still rises at half the
 * minimum rate and its newer half at a quarter — or the live set measured
 * by the latest major GCs grows at half the minimum rate (a leak with much
 * promoted garbage has a floor that drops at each major GC, so its recent
 * floors can look flat); and the live set, if measured, is not flat.
 * The minimum rate here is also a quarter of the rate that fired: a 60
 * MB/min warm-up that stopped is not held by promoted garbage creeping at
 * 1 MB/min (a leak that slowed that much fires again on its own evidence).
 * Unknown (a gap in the data) holds: it is not evidence of recovery. */
static bool leak_hold(const alert_config *c, const bwin *w, const leak_st *l, bool gc_known,
		      int64_t t, trend *tr, double *rate)
{
	double min_rate = fmax(c->leak_min_mb_per_min * MB / 60.0, l->fired_rate / 4);
	int64_t hold_ms = l->hold_nb * w->span;
	double live = gc_known ? leak_live_rate(l, (int64_t)(c->leak_window_s * 200), t, hold_ms) : NAN;
	if (!bwin_trend(w, l->hold_nb, min_rate / 2, 0, tr))
		return true;
	*rate = isnan(live) ? fmin(tr->slope, tr->recent) : live;
	bool floors = tr->slope >= min_rate / 2 && tr->recent >= min_rate / 4;
	/* A major GC in the hold window drops the floor (promoted garbage):
	 * the floors since it tell whether the heap is still rising. */
	if (!floors && gc_known && tr->gc_n) {
		int since = (int)((bwin_get(w, w->len - 1).t + w->span - tr->t_gc) / w->span);
		trend st;
		if (since >= 4 && since < l->hold_nb && bwin_trend(w, since, min_rate / 2, 0, &st))
			floors = st.slope >= min_rate / 2 && st.recent >= min_rate / 4;
	}
	return (floors || live >= min_rate / 2) && !(live < min_rate / 4);
}

/* Evaluate the leak rule at a bucket close.  `what` names the series in the
 * messages; limit is the series' own limit (V8's heap limit for the heap,
 * 0 unknown) and mem_limit the cgroup's; rss the process's RSS now. */
static void leak_step(alerts *a, model *m, pstate *s, leak_st *l, const bwin *w, int64_t t,
		      const char *rule_name, const char *what, double limit, double mem_limit,
		      double rss, bool gc_known)
{
	const alert_config *c = &a->c;
	double min_rate = c->leak_min_mb_per_min * MB / 60.0;
	int nb[24], nw = leak_windows(c->leak_subwindows, nb);
	const bw_bucket last = bwin_get(w, w->len - 1), *nb_last = &last;	/* just closed */
	if (l->first_floor == 0)
		l->first_floor = bwin_get(w, 0).min;
	if (!isnan(nb_last->gcmin)) {
		bw_bucket prev = { 0 };
		const bw_bucket *before = NULL;
		if (w->len > 1) {
			prev = bwin_get(w, w->len - 2);
			before = &prev;
		}
		l->gc_t[l->gc_head] = bw_tgc(nb_last);
		l->gc_v[l->gc_head] = nb_last->gcmin;
		l->gc_drop[l->gc_head] = before ? fmaxf(0, before->min - nb_last->gcmin) : 0;
		float base = l->gc_len ? l->gc_v[(l->gc_head + LIVE_PTS - 1) % LIVE_PTS] : l->first_floor;
		l->gc_climb[l->gc_head] = before ? fmaxf(0, before->min - base) : 0;
		l->gc_head = (l->gc_head + 1) % LIVE_PTS;
		if (l->gc_len < LIVE_PTS)
			l->gc_len++;
	}
	/* The most garbage a major GC removed lately: growth since the latest
	 * GC that no GC has judged must be more than that to count. */
	double garbage = 0, freed = 0;
	bool cycles = false;
	for (int i = 0; i < l->gc_len; i++) {
		garbage = fmax(garbage, l->gc_drop[i]);
		freed = fmax(freed, l->gc_drop[i] / (l->gc_v[i] + l->gc_drop[i]));
		/* a GC that took back most of a climb of some size: the process
		 * makes garbage in cycles, however large its live set (a share
		 * of the heap says so only for small ones) */
		cycles |= l->gc_climb[i] >= c->leak_min_growth_mb * MB && l->gc_drop[i] >= 0.5 * l->gc_climb[i];
	}
	/* RSS has no GC events: the largest fall of its floor in the last two
	 * windows plays that part — memory that V8 returns to the system and
	 * takes again rises and falls by as much. */
	trend lt;	/* over the longest window: floors long enough to span a sawtooth */
	bool of_rss = l == &s->rss;
	if (of_rss && bwin_trend(w, c->leak_subwindows, min_rate / 2, 100, &lt) &&
	    (lt.fall >= l->fall || t - l->fall_t > (int64_t)(2 * c->leak_window_s * 1000))) {
		l->fall = lt.fall;
		l->fall_t = t;
	}
	if (of_rss)
		garbage = l->fall;
	live_view lv = { NAN, NAN, l->young > 0 ? l->young : YOUNG_DEFAULT, freed, cycles, 0, NAN };
	if (l->gc_len) {
		int k = (l->gc_head + LIVE_PTS - 1) % LIVE_PTS;
		if (l->gc_climb[k] >= c->leak_min_growth_mb * MB)
			lv.took = l->gc_drop[k] / l->gc_climb[k];
	}
	/* a GC can be asked for (the heap's rule, a probe to ask), and now
	 * (not asked lately) */
	bool can_gc = l == &s->heap && gc_known && a->gc_cb && c->leak_gc_s > 0;
	bool can_ask = can_gc && (!l->gc_asked || t - l->gc_asked >= (int64_t)(c->leak_gc_s * 1000));
	if (gc_known && l->gc_len) {
		lv.set = l->gc_v[(l->gc_head + LIVE_PTS - 1) % LIVE_PTS];
		lv.rate = leak_live_rate(l, (int64_t)(c->leak_window_s * 200), t, INT64_MAX);
	}
	lv.last_cap = NAN;
	for (int i = 1; gc_known && i < l->gc_len; i++) {
		int k1 = (l->gc_head + LIVE_PTS - 1) % LIVE_PTS, k0 = (k1 + LIVE_PTS - i) % LIVE_PTS;
		double gap = (double)(l->gc_t[k1] - l->gc_t[k0]) / 1000.0;
		if (gap >= 15) {
			lv.last_cap = fmax(0, l->gc_v[k1] - l->gc_v[k0] + c->leak_min_growth_mb * MB / 2) / gap;
			break;
		}
	}
	trend tr, best = { 0 };
	double rate = 0;
	int best_nb = 0;
	bool pass = false, wait = false;
	double unjudged = 0;
	for (int i = 0; i < nw; i++) {
		if (!bwin_trend(w, nb[i], min_rate / 2, c->leak_rising_pct, &tr))
			continue;	/* a young process, or a gap */
		double r = 0;
		int v = leak_window_pass(c, &tr, nb[i] * w->span, i == nw - 1, gc_known, garbage, &lv,
					 limit, can_ask ? 2 : can_gc, &r, &unjudged);
		if (v == LW_PASS || (v == LW_WAIT && !pass)) {
			best = tr;	/* keep the longest that passes: the most evidence */
			best_nb = nb[i];
			rate = r;
		}
		pass |= v == LW_PASS;
		wait = v == LW_WAIT;
	}
	/* Unconfirmed growth over the longest window fires once the rule has
	 * been pending for one more window since the latest major GC (a GC
	 * that took the heap back to its live set restarts the wait: the
	 * climbs of a slow sawtooth are not one long climb). */
	int64_t wait_from = l->r.since;
	if (l->gc_len && l->gc_t[(l->gc_head + LIVE_PTS - 1) % LIVE_PTS] > wait_from)
		wait_from = l->gc_t[(l->gc_head + LIVE_PTS - 1) % LIVE_PTS];
	if (wait && !pass && l->r.st == R_PENDING &&
	    t - wait_from >= (int64_t)(c->leak_window_s * 1000))
		pass = true;
	/* Growth that would fire if a GC had judged it, with half the
	 * evidence it needs then (E/2: at 2 MB/s 28 s of growth, so the GC's
	 * answer is in before E; not sooner: a GC right after a cache filled
	 * judges the fill, not the garbage that follows): ask for a major GC.  V8 may not run one
	 * for minutes (until the heap is up to 4x its last live set), and
	 * nothing else tells a leak from promoted garbage — the heap after
	 * scavenges, old space and RSS all rise alike with both; the heap right
	 * after a GC is the live set, and the windows it falls in are judged by
	 * it (with the evidence E, not 2E). */
	if (can_ask && !pass && unjudged >= 0.5 && l->r.st != R_FIRING)
		l->gc_want = true;
	bool hold = false;
	trend htr = { 0 };
	if (l->r.st == R_FIRING) {
		hold = leak_hold(c, w, l, gc_known, t, &htr, &rate);
	}
	/* Many windows and the shape tests guard against an odd floor: no
	 * second close is waited for. */
	int tx = rule_step(&l->r, (int64_t)(c->resolve_s * 1000), t, pass || wait, pass, hold);
	if (tx == T_FIRE) {	/* 8..36 buckets: a hold that sees a stop soon */
		l->hold_nb = best_nb < 8 ? 8 : best_nb > 36 ? 36 : best_nb;
		l->fired_rate = rate;
	}
	/* Time to the first limit at the current rate, while firing. */
	l->oom_at = 0;
	l->oom_limit = NULL;
	if (l->r.st == R_FIRING && rate > 0) {
		double floor_now = htr.n ? htr.last : best.last;
		double secs = INFINITY;
		if (limit > 0)
			secs = fmax(0, (limit - floor_now) / rate);
		if (limit > 0)
			l->oom_limit = of_rss ? "cgroup" : "heap";
		if (mem_limit > 0 && rss > 0 && (mem_limit - rss) / rate < secs) {
			secs = fmax(0, (mem_limit - rss) / rate);
			l->oom_limit = "cgroup";
		}
		if (isfinite(secs) && secs < 1e9)
			l->oom_at = t + (int64_t)(secs * 1000);
		else
			l->oom_limit = NULL;
	}
	if (tx == T_FIRE) {
		/* The numbers in the text are the floors seen, when, and their
		 * difference over that time; the projection uses that rate too. */
		double d = trend_span_s(&best), grow = best.last - best.first;
		double shown = grow > 0 && d > 0 ? grow / d : rate;
		char ttl[64] = "", span[24];
		int sev = SEV_WARN;
		double left = INFINITY;
		const char *lname = NULL;
		if (limit > 0 && best.last < limit) {
			left = (limit - best.last) / shown;
			lname = of_rss ? "cgroup limit" : "heap limit";
		}
		if (mem_limit > 0 && rss > 0 && rss < mem_limit && (mem_limit - rss) / shown < left) {
			left = (mem_limit - rss) / shown;
			lname = "cgroup limit";
		}
		if (lname) {
			char dur[24];
			fmt_duration(dur, sizeof dur, (int64_t)(left * 1000));
			snprintf(ttl, sizeof ttl, "; %s in ~%s", lname, dur);
			if (left < 3600)
				sev = SEV_CRIT;
		}
		fmt_duration(span, sizeof span, (int64_t)(d * 1000));
		/* the GC that judged it was one we asked for: say so (it paused
		 * the process, and it is why the alert came before V8's own) */
		bool asked = l->gc_asked && best.gc_n && best.t_gc >= l->gc_asked;
		emit(a, m, s, t, sev, ALERT_FIRING, rule_name,
		     "%s leak: floor %.1f -> %.1f MB in %s (+%.2f MB/min%s)%s", what, best.first / MB,
		     best.last / MB, span, shown * 60.0 / MB, asked ? ", live after a forced GC" : "", ttl);
	} else if (tx == T_RESOLVE) {
		char span[24], after[24];
		fmt_duration(after, sizeof after, t - l->r.since);
		if (htr.n) {
			fmt_duration(span, sizeof span, htr.t_last - htr.t_first);
			emit(a, m, s, t, SEV_INFO, ALERT_RESOLVED, rule_name,
			     "%s leak resolved after %s: floor %.1f -> %.1f MB in the last %s", what,
			     after, htr.first / MB, htr.last / MB, span);
		} else {
			emit(a, m, s, t, SEV_INFO, ALERT_RESOLVED, rule_name,
			     "%s leak resolved after %s", what, after);
		}
	}
}

/* Heap floor trend.  A heap sample is "post-GC" when a major GC (any,
 * forced included: it is the best floor there is) started since the previous
 * heap sample; the probe sends a sample's GC events with it. */
static void eval_heap(alerts *a, model *m, pstate *s, vproc *p, vnode *n)
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
		gc_event ev = model_gc_get(n, i);
		const gc_event *e = &ev;
		if (e->kind != GC_MAJOR)
			continue;
		if (nmajor == 64) {	/* keep the newest */
			memmove(major, major + 1, 63 * sizeof major[0]);
			nmajor--;
		}
		major[nmajor++] = e->t_ms;
	}
	for (int i = 0; i < n->nspaces; i++)
		if (strcmp(n->spaces[i].name, "new_space") == 0)
			s->heap.young = n->spaces[i].size;
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
			leak_step(a, m, s, &s->heap, &s->heap_w, pt.t_ms, "heap_leak", "heap",
				  n->heap_limit, p->mem_limit, p->rss_bytes, n->gc_total > 0);
		if (s->heap.gc_want) {	/* can_ask: there is a gc_cb */
			s->heap.gc_want = false;
			s->heap.gc_asked = pt.t_ms;
			a->gc_cb(a->gc_ud, p);
		}
	}
	if (g < nmajor)
		s->gc_carry = major[g];
}

/* "thread 3 (leaky)": how alerts name a worker thread. */
static const char *worker_label(const worker_st *w, char *buf, size_t n)
{
	if (w->name[0])
		snprintf(buf, n, "thread %d (%s)", w->thread_id, w->name);
	else
		snprintf(buf, n, "thread %d", w->thread_id);
	return buf;
}

/* Worker threads' heap floors: each worker's latest figures, once per new
 * worker timestamp, through the heap leak rule of its own (rule
 * "worker_leak", the message naming the thread).  A worker that ended
 * resolves its alert and is forgotten. */
static void eval_workers(alerts *a, model *m, pstate *s, const vnode *n, int64_t now)
{
	char label[80], what[96];
	for (int i = 0; i < n->nworkers; i++) {
		const worker_info *wi = &n->workers[i];
		worker_st *w = NULL;
		int free_slot = -1;
		for (int j = 0; j < MAX_WORKERS && !w; j++) {
			if (s->wk[j] && s->wk[j]->thread_id == wi->thread_id)
				w = s->wk[j];
			else if (!s->wk[j] && free_slot < 0)
				free_slot = j;
		}
		if (!w) {
			if (free_slot < 0)
				continue;
			w = s->wk[free_slot] = xcalloc(1, sizeof *w);
			w->thread_id = wi->thread_id;
			bwin_init(&w->w, a->c.leak_window_s, a->c.leak_subwindows, false);
		}
		snprintf(w->name, sizeof w->name, "%s", wi->name);
		w->mark = a->mark;
		if (wi->t_ms <= w->last_t || isnan(wi->heap_used))
			continue;
		w->last_t = wi->t_ms;
		bool post_gc = wi->gc_major > 0;
		w->gc_known |= post_gc;
		if (!bwin_push(&w->w, wi->t_ms, wi->heap_used, post_gc))
			continue;
		snprintf(what, sizeof what, "%s heap", worker_label(w, label, sizeof label));
		leak_step(a, m, s, &w->l, &w->w, wi->t_ms, "worker_leak", what, wi->heap_limit, 0, 0,
			  w->gc_known);
	}
	for (int j = 0; j < MAX_WORKERS; j++) {
		worker_st *w = s->wk[j];
		if (!w || w->mark == a->mark)
			continue;
		if (w->l.r.st == R_FIRING)
			emit(a, m, s, now, SEV_INFO, ALERT_RESOLVED, "worker_leak", "%s ended",
			     worker_label(w, label, sizeof label));
		bwin_free(&w->w);
		free(w);
		s->wk[j] = NULL;
	}
}

/* RSS: floor trend for processes without a probe, and the cgroup limit share. */
static void eval_rss(alerts *a, model *m, pstate *s, vproc *p, bool leak_rule)
{
	const alert_config *c = &a->c;
	size_t first, k = ring_fresh(&p->rss_r, &s->seen_rss, &first);
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(&p->rss_r, 0, i);
		if (bwin_push(&s->rss_w, pt.t_ms, pt.mean, false) && leak_rule)
			leak_step(a, m, s, &s->rss, &s->rss_w, pt.t_ms, "rss_leak", "RSS",
				  p->mem_limit, 0, 0, false);
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

/* The highest share of its runnable time the main thread spent waiting for
 * a CPU (schedstat: wait / (wait + run), one point per /proc tick) over the
 * ticks that overlap (t_ms - dt_ms, t_ms]: the ticks are not aligned with
 * the probe's samples, and the highest is the cautious reading.  0 when
 * unknown (no schedstats, a recording without them, --remote). */
static double sched_wait_share(const vproc *p, int64_t t_ms, double dt_ms)
{
	const ring *r = &p->sched_share_r;
	double share = 0;
	for (size_t i = ring_len(r, 0); i-- > 0;) {
		ring_point q = ring_get(r, 0, i);
		if ((double)q.t_ms <= (double)t_ms - dt_ms)
			break;
		if (q.mean > share)	/* NaN: not known */
			share = q.mean;
	}
	return fmin(share, 1);
}

/* Time of the newest /proc tick that knows the run-queue wait, 0 if none:
 * a probe sample after it waits for the next tick to be judged. */
static int64_t sched_known_until(const vproc *p)
{
	size_t len = ring_len(&p->sched_share_r, 0);
	if (!len)
		return 0;
	ring_point q = ring_get(&p->sched_share_r, 0, len - 1);
	return isnan(q.mean) ? 0 : q.t_ms;
}

/* A sample stalls when lag p99 > stall_ms and the loop itself was busy for
 * at least half of that delay (event-loop utilisation × interval): a
 * process starved of CPU by a loaded machine sees its timers late too, but
 * its loop sits idle waiting to be scheduled, and its code is not at fault.
 * A loop that was busy can be starved too (its work preempted by other
 * processes on the core): through a late stretch the main thread is
 * runnable, either running (the app's time) or waiting for a CPU (the
 * machine's), so only the running share of the lag counts — lag × (1 −
 * wait / (wait + run)) of the thread over the interval (schedstat,
 * sched_wait_share).  A 300 ms block stretched to 600 ms by a CPU hog on
 * its core counts 300; a healthy loop's 150 ms of waiting to run counts
 * the few ms it ran.  A sample newer than the /proc tick that tells its wait is
 * judged at the next tick (at most one tick late).  The rule fires when stall_samples of the last 3×stall_samples samples
 * stalled: N in a row fires at the Nth, and a loop blocked every other
 * second (p99 high in every second sample) is caught too. Hold: any sample
 * above 80% of the threshold. */
static void eval_stall(alerts *a, model *m, pstate *s, vproc *p, vnode *n)
{
	const alert_config *c = &a->c;
	int need = c->stall_samples, win = 3 * need;
	uint32_t mask = win >= 32 ? 0xffffffffu : (1u << win) - 1;
	size_t first, k = ring_fresh(&n->lag_p99_r, &s->seen_lag, &first);
	int64_t known = sched_known_until(p);
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(&n->lag_p99_r, 0, i);
		double v = pt.mean, lag = v;
		if (isnan(v))
			continue;
		if (known && pt.t_ms > known && pt.t_ms - known < 5000) {
			s->seen_lag -= first + k - i;	/* again at the next tick */
			break;
		}
		double mx = ring_beside(&n->lag_p99_r, i, &n->lag_max_r);
		if (!(mx > v))
			mx = v;
		double elu = ring_beside(&n->lag_p99_r, i, &n->elu_r);
		double dt = s->lag_prev_t && pt.t_ms > s->lag_prev_t ? (double)(pt.t_ms - s->lag_prev_t) : 1000;
		s->lag_prev_t = pt.t_ms;
		bool starved = !isnan(elu) && elu * dt < 0.5 * fmin(v, dt);
		/* the app's part: the share of the late stretch it was running */
		double own = 1 - sched_wait_share(p, pt.t_ms, dt);
		v *= own;
		mx *= own;
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
			char busy[64] = "";
			int bl = 0;
			if (!isnan(s->stall_elu))
				bl = snprintf(busy, sizeof busy, ", loop busy %.0f%%", 100 * s->stall_elu);
			if (p->sched_wait >= 1 && bl >= 0 && (size_t)bl < sizeof busy)
				snprintf(busy + bl, sizeof busy - (size_t)bl, ", waited for CPU %.0f ms/s", p->sched_wait);
			char who[256];	/* the probe's culprit of a recent stall, if any */
			if (*model_culprit_text(n, pt.t_ms, 60000, who, sizeof who))
				emit(a, m, s, pt.t_ms, s->stall_worst >= 1000 ? SEV_CRIT : SEV_WARN, ALERT_FIRING, "stall",
				     "event loop blocked %.0f ms%s: lag p99 %.0f ms, %d of last %d samples > %.0f ms (worst %.0f ms%s)",
				     n->culprit.ms, who, lag, count, win, c->stall_ms, s->stall_worst, busy);
			else
				emit(a, m, s, pt.t_ms, s->stall_worst >= 1000 ? SEV_CRIT : SEV_WARN, ALERT_FIRING,
				     "stall", "event loop stalled: lag p99 %.0f ms, %d of last %d samples > %.0f ms (worst %.0f ms%s)",
				     lag, count, win, c->stall_ms, s->stall_worst, busy);
		}
		else if (tx == T_RESOLVE)
			emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, "stall",
			     "event loop recovered after %.0f s (worst lag %.0f ms)",
			     (double)(pt.t_ms - s->stall.since) / 1000.0, s->stall_worst);
	}
}

/* ---- GC pressure ---------------------------------------------------- */

/* Mean GC share over gc_window_s (10 buckets), sustained (half the buckets
 * above half the threshold), or one non-forced major pause longer than
 * gc_pause_ms.  Pauses are wall time: a GC preempted by other processes on
 * its core lasts longer, so both count only the share of their time the
 * main thread was not waiting for a CPU (× (1 − its run-queue wait share)
 * over the last two /proc ticks, as for lag). */
static void eval_gc(alerts *a, model *m, pstate *s, vproc *p, vnode *n)
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
		gc_event ev = model_gc_get(n, i);
		const gc_event *e = &ev;
		double dur = e->dur_ms * (1 - sched_wait_share(p, e->t_ms, 2000));
		if (e->kind == GC_MAJOR && !(e->flags & GC_FLAG_FORCED) && dur > pause) {
			pause = dur;
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
		pt.mean *= 1 - sched_wait_share(p, pt.t_ms, 2000);
		any = true;
		bwin_push(&s->gc_w, pt.t_ms, pt.mean, false);
		/* Window mean over closed buckets inside the window plus the open one. */
		double sum = s->gc_w.open.sum;
		double cnt = s->gc_w.open.n;
		int64_t oldest = s->gc_w.open.t;
		int busy = 0, nb = 0;
		for (int b = s->gc_w.len - 1; b >= 0; b--) {
			const bw_bucket bb = bwin_get(&s->gc_w, b), *bk = &bb;
			if (bk->t < pt.t_ms - window)
				break;
			sum += bk->sum;
			cnt += bk->n;
			oldest = bk->t;
			nb++;
			busy += bk->sum / bk->n > c->gc_pct / 2;
		}
		double share = cnt ? sum / cnt : 0;
		bool covered = pt.t_ms - oldest >= window * 8 / 10;
		bool big = pause > c->gc_pause_ms;	/* seen with this batch of samples */
		/* Pressure is sustained: most of the window's buckets above half
		 * the threshold, not one burst (a big one-off allocation can spend
		 * 3 s of a 30 s window in GC). */
		bool fire = (covered && share > c->gc_pct && 2 * busy >= nb) || big;
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
				     (double)(pt.t_ms - oldest) / 1000.0, c->gc_pct);
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

/* Per-type handle counts: the same floor trend over handle_window_s in
 * HANDLE_BUCKETS buckets (a leaked handle never goes away, so the count's
 * floor rises one for one); the growth is the floors' difference. */
#define HANDLE_BUCKETS 10
static void eval_handles(alerts *a, model *m, pstate *s, vnode *n)
{
	const alert_config *c = &a->c;
	for (int j = 0; j < n->nhandles && j < MAX_HANDLE_TYPES; j++) {
		handle_count *hc = &n->handles[j];
		if (!s->h[j])
			s->h[j] = xcalloc(1, sizeof *s->h[j]);
		handle_state *h = s->h[j];
		if (strcmp(h->type, hc->type) != 0) {	/* new slot (or reused): start over */
			bwin_free(&h->w);
			memset(h, 0, sizeof *h);
			snprintf(h->type, sizeof h->type, "%s", hc->type);
			bwin_init(&h->w, c->handle_window_s, HANDLE_BUCKETS, false);
		}
		size_t first, k = ring_fresh(&hc->r, &h->seen, &first);
		for (size_t i = first; i < first + k; i++) {
			ring_point pt = ring_get(&hc->r, 0, i);
			if (!bwin_push(&h->w, pt.t_ms, pt.mean, false))
				continue;
			trend tr;
			bool ok = bwin_trend(&h->w, HANDLE_BUCKETS, 500.0 / (double)h->w.span,
					     h->r.st == R_FIRING ? 0 : c->leak_rising_pct, &tr);
			double growth = tr.last - tr.first;
			bool pass = ok && tr.slope > 0 && tr.rising >= c->leak_rising_pct &&
				    growth >= c->handle_min_growth && tr.recent > 0;
			bool hold = ok ? tr.slope > 0 && growth >= c->handle_min_growth / 2.0
				       : h->r.st == R_FIRING;
			int tx = rule_step(&h->r, (int64_t)(c->resolve_s * 1000), pt.t_ms, pass,
					   pass && h->r.st == R_PENDING, hold);
			if (tx == T_FIRE) {
				char span[24];
				double d = trend_span_s(&tr);
				fmt_duration(span, sizeof span, (int64_t)(d * 1000));
				emit(a, m, s, pt.t_ms, SEV_WARN, ALERT_FIRING, "handle_leak",
				     "handle leak: %s %.0f -> %.0f in %s (+%.1f/min), now %d", h->type,
				     tr.first, tr.last, span, d > 0 ? growth * 60.0 / d : 0.0, hc->count);
			} else if (tx == T_RESOLVE) {
				emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, "handle_leak",
				     "handle leak resolved: %s count steady at %d", h->type, hc->count);
			}
		}
	}
}

/* ---- HTTP: 5xx share and latency ----------------------------------- */

/* The server's 5xx share (kind 0, %) or p99 (kind 1, ms) from ring r: fires
 * when 3 of the last 9 samples with traffic were over thr; a sample without
 * requests (a gap) neither counts nor breaks the run. Hold: over 0.8 thr. */
static void eval_http(alerts *a, model *m, pstate *s, http_rule *h, const ring *r, double thr, int kind)
{
	static const char *const rule[2] = { "http_errors", "http_latency" };
	const int need = 3, win = 9;
	size_t first, k = ring_fresh(r, &h->seen, &first);
	for (size_t i = first; i < first + k; i++) {
		ring_point pt = ring_get(r, 0, i);
		double v = pt.mean;
		if (isnan(v))
			continue;
		bool over = v > thr;
		h->bits = ((h->bits << 1) | over) & ((1u << win) - 1);
		int count = __builtin_popcount(h->bits);
		if (h->r.st == R_QUIET)
			h->worst = 0;
		if (v > h->worst && (over || h->r.st == R_FIRING))
			h->worst = v;
		int tx = rule_step(&h->r, (int64_t)(a->c.resolve_s * 1000), pt.t_ms, count > 0, count >= need,
				   v > 0.8 * thr);
		if (tx == T_FIRE && kind == 0)
			emit(a, m, s, pt.t_ms, SEV_WARN, ALERT_FIRING, rule[kind],
			     "HTTP errors: %.1f%% of responses were 5xx, %d of last %d samples > %.1f%% (worst %.1f%%)",
			     v, count, win, thr, h->worst);
		else if (tx == T_FIRE)
			emit(a, m, s, pt.t_ms, SEV_WARN, ALERT_FIRING, rule[kind],
			     "HTTP latency: p99 %.0f ms, %d of last %d samples > %.0f ms (worst %.0f ms)",
			     v, count, win, thr, h->worst);
		else if (tx == T_RESOLVE)
			emit(a, m, s, pt.t_ms, SEV_INFO, ALERT_RESOLVED, rule[kind], kind == 0
			     ? "HTTP errors back to %.1f%% (worst %.1f%%)" : "HTTP p99 back to %.0f ms (worst %.0f ms)",
			     v, h->worst);
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
		{ &s->heap.r, "heap_leak" }, { &s->rss.r, "rss_leak" }, { &s->stall, "stall" },
		{ &s->gc, "gc_pressure" }, { &s->cpu, "cpu_saturation" }, { &s->mem, "mem_limit" },
		{ &s->http_err.r, "http_errors" }, { &s->http_lat.r, "http_latency" },
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
	for (int j = 0; j < MAX_WORKERS; j++) {
		char label[80];
		if (s->wk[j] && s->wk[j]->l.r.st == R_FIRING)
			emit(a, m, s, now, SEV_INFO, ALERT_RESOLVED, "worker_leak", "process exited (%s)",
			     worker_label(s->wk[j], label, sizeof label));
		if (s->wk[j])
			s->wk[j]->l.r.st = R_QUIET;
	}
	s->heap.oom_at = s->rss.oom_at = 0;
	s->exited = true;
	/* no rule looks at an exited process again: its windows' buckets go
	 * now rather than when the model lets go of it (exited_keep) */
	bwin_free(&s->heap_w);
	bwin_free(&s->rss_w);
	bwin_free(&s->gc_w);
	for (int j = 0; j < MAX_HANDLE_TYPES; j++)
		if (s->h[j])
			bwin_free(&s->h[j]->w);
	for (int j = 0; j < MAX_WORKERS; j++)
		if (s->wk[j])
			bwin_free(&s->wk[j]->w);
}

/* The model's time to OOM: the sooner projection of a firing leak rule,
 * counted down between bucket closes; 0 when nothing fires. */
static void publish_oom(const pstate *s, vproc *p, int64_t now)
{
	const leak_st *l = s->heap.oom_at && (!s->rss.oom_at || s->heap.oom_at <= s->rss.oom_at)
			   ? &s->heap : &s->rss;
	p->oom_in_s = 0;
	p->oom_limit = NULL;
	if (l->oom_at) {
		p->oom_in_s = fmax(1, (double)(l->oom_at - now) / 1000.0);
		p->oom_limit = l->oom_limit;
	}
}

void alerts_eval(alerts *a, model *m, int64_t now_ms)
{
	a->mark++;
	for (size_t i = 0; i < m->nprocs; i++) {
		vproc *p = m->procs[i];
		pstate *s = pstate_get(a, p, i);
		s->mark = a->mark;
		if (p->state == PROC_EXITED) {
			if (!s->exited)
				resolve_exited(a, m, s, p->exited_ms ? p->exited_ms : now_ms);
			publish_oom(s, p, now_ms);
			continue;
		}
		if (p->state == PROC_DENIED)
			continue;
		vnode *n = p->node;
		bool probed = n && n->heap_used_r.count > 0;
		eval_rss(a, m, s, p, !probed);
		eval_cpu(a, m, s, p);
		if (n) {
			eval_heap(a, m, s, p, n);
			eval_stall(a, m, s, p, n);
			eval_gc(a, m, s, p, n);
			eval_handles(a, m, s, n);
			eval_http(a, m, s, &s->http_err, &n->http_err_pct_r, a->c.http_err_pct, 0);
			eval_http(a, m, s, &s->http_lat, &n->http_p99_r, a->c.http_p99_ms, 1);
			eval_workers(a, m, s, n, now_ms);
		}
		publish_oom(s, p, now_ms);
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
	if (strcmp(s->warn_key, key) == 0 && now_ms - s->warn_t < (int64_t)(a->c.resolve_s * 1000))
		return;
	memcpy(s->warn_key, key, sizeof key);
	s->warn_t = now_ms;
	if (strcmp(name, "MaxListenersExceededWarning") == 0)
		emit(a, m, s, now_ms, SEV_WARN, ALERT_FIRING, "listener_leak", "listener leak: %s", message);
	else
		emit(a, m, s, now_ms, SEV_INFO, ALERT_FIRING, "warning", "%s%s%s", name,
		     *message ? ": " : "", message);
}

int alerts_state(const alerts *a, const vproc *p, const char *rule)
{
	const pstate *s = pstate_find(a, p, 0);
	if (!s || !rule)
		return -1;
	const rule_st *r = NULL;
	if (strcmp(rule, "heap_leak") == 0) r = &s->heap.r;
	else if (strcmp(rule, "rss_leak") == 0) r = &s->rss.r;
	else if (strcmp(rule, "stall") == 0) r = &s->stall;
	else if (strcmp(rule, "gc_pressure") == 0) r = &s->gc;
	else if (strcmp(rule, "cpu_saturation") == 0) r = &s->cpu;
	else if (strcmp(rule, "mem_limit") == 0) r = &s->mem;
	else if (strcmp(rule, "http_errors") == 0) r = &s->http_err.r;
	else if (strcmp(rule, "http_latency") == 0) r = &s->http_lat.r;
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

/* Bytes of a window's closed buckets. */
static size_t bwin_bytes(const bwin *w)
{
	return w->b ? (size_t)w->cap * (sizeof *w->b + (w->sums ? sizeof(bw_sum) : 0)) : 0;
}

size_t alerts_bytes(const alerts *a)
{
	size_t b = sizeof *a + a->cap * sizeof *a->ps;
	for (size_t i = 0; i < a->n; i++) {
		const pstate *s = a->ps[i];
		b += sizeof *s + bwin_bytes(&s->heap_w) + bwin_bytes(&s->rss_w) + bwin_bytes(&s->gc_w);
		for (int j = 0; j < MAX_HANDLE_TYPES; j++)
			b += s->h[j] ? sizeof *s->h[j] + bwin_bytes(&s->h[j]->w) : 0;
		for (int j = 0; j < MAX_WORKERS; j++)
			b += s->wk[j] ? sizeof *s->wk[j] + bwin_bytes(&s->wk[j]->w) : 0;
	}
	return b;
}
