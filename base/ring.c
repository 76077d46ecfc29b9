/* ring — multi-tier time series; see ring.h for the data model.
 *
 * Invariants: for every tier, 0 <= len <= cap and head == (oldest + len) % cap.
 * Times only move forward (a push older than the last is pinned to it).
 * Coarse tiers are filled only from raw pushes: a bucket opens at the first
 * sample whose aligned start differs from the open one, and the previous open
 * bucket is then committed, preceded by empty buckets for any whole spans
 * that had no sample — so committed bucket k (0 = oldest) starts at
 * newest_start - (len - 1 - k) * span_ms; only the open bucket may start
 * after a gap not yet filled (its own start is kept).  Raw times are stored
 * as uint32 ms since t0 <= every kept raw time; t0 moves up when that would
 * overflow.  Storage follows the history kept, up to the configured bound:
 * the raw tier, 8 bytes per sample (exact float values), grows by doubling
 * until it first wraps (raw_grow); a coarse tier is allocated at its first
 * commit, 6 bytes per bucket (bfloat16, ring.h).  With the default tiers a
 * ring is 6.3 KB once 5 minutes old (10.2 KB with float buckets), 5.1 KB on
 * a shared axis.
 *
 * On an axis (ring.h), a ring's raw tier is its values alone, the newest
 * `len` of them at the axis entries up to last_seq (consecutive: a push
 * that skips entries fills them with NaN first), so raw entry k's time is
 * the axis's at seq last_seq - (len - 1 - k).  The axis keeps its newest
 * `cap` times only, so a ring left behind (no longer pushed while others
 * are) shows only the values whose times the axis still has (raw_visible).
 */
#include "base/ring.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const ring_config ring_config_default = {
	.ntiers = 3,
	.tier = { { 0, 300 }, { 10000, 360 }, { 300000, 288 } },
};

void ring_init(ring *r, const ring_config *cfg)
{
	memset(r, 0, sizeof *r);
	if (!cfg)
		cfg = &ring_config_default;
	r->ntiers = cfg->ntiers > RING_MAX_TIERS ? RING_MAX_TIERS : cfg->ntiers;
	if (r->ntiers > 0)
		r->raw.cap = cfg->tier[0].cap ? cfg->tier[0].cap : 1;
	for (int i = 1; i < r->ntiers; i++) {
		r->spec[i - 1].span_ms = cfg->tier[i].span_ms ? cfg->tier[i].span_ms : 1000;
		r->spec[i - 1].cap = cfg->tier[i].cap ? cfg->tier[i].cap : 1;
	}
	r->last = NAN;
}

void ring_init_axis(ring *r, const ring_config *cfg, ring_axis *axis)
{
	ring_init(r, cfg);
	if (axis && r->ntiers > 0 && r->raw.cap <= axis->cap)
		r->axis = axis;
}

void ring_axis_init(ring_axis *a, uint32_t cap)
{
	memset(a, 0, sizeof *a);
	a->cap = cap ? cap : 1;
}

void ring_axis_free(ring_axis *a)
{
	free(a->t);
	a->t = NULL;
	a->room = a->len = 0;
}

size_t ring_axis_bytes(const ring_axis *a)
{
	return a->room * sizeof *a->t;
}

/* Make room for one more time: RAW_MIN at first, doubled up to cap while
 * the axis has not wrapped (slot = seq % cap = seq until then; `full` asks
 * for cap at once, for an axis starting afresh at a later seq). */
static int axis_grow(ring_axis *a, bool full)
{
	uint32_t room = full ? a->cap : a->room ? a->room * 2 : 32;
	if (room > a->cap)
		room = a->cap;
	uint32_t *t = malloc(room * sizeof *t);
	if (!t)
		return -1;
	for (uint64_t s = a->seq - a->len; s < a->seq; s++)
		t[s % a->cap] = a->t[s % a->cap];
	free(a->t);
	a->t = t;
	a->room = room;
	return 0;
}

/* Append time t_ms (>= the newest) to the axis; 0, or -1 without memory. */
static int axis_append(ring_axis *a, int64_t t_ms)
{
	if (!a->t || (a->len == a->room && a->room < a->cap))
		if (axis_grow(a, false) < 0)
			return -1;
	if (a->len == 0) {
		a->t0 = t_ms;
	} else if (t_ms - a->t0 > UINT32_MAX) {
		/* 32-bit offsets cover 49 days: move t0 up to the oldest time
		 * kept, or start afresh when the axis itself spans that long */
		uint64_t oldest = a->seq - a->len;
		uint32_t shift = a->t[oldest % a->cap];
		if (t_ms - a->t0 - shift > UINT32_MAX) {
			if (a->room < a->cap && axis_grow(a, true) < 0)
				return -1;
			a->len = 0;
			a->t0 = t_ms;
		} else {
			for (uint64_t s = oldest; s < a->seq; s++)
				a->t[s % a->cap] -= shift;
			a->t0 += shift;
		}
	}
	a->t[a->seq % a->cap] = (uint32_t)(t_ms - a->t0);
	a->seq++;
	if (a->len < a->cap)
		a->len++;
	return 0;
}

/* Raw entries readers see: on an axis, those whose times it still has. */
static uint32_t raw_visible(const ring *r)
{
	const ring_raw *raw = &r->raw;
	const ring_axis *a = r->axis;
	if (!a || raw->len == 0)
		return raw->len;
	uint64_t behind = a->seq - 1 - r->last_seq;	/* axis entries newer than ours */
	if (a->seq == 0 || r->last_seq >= a->seq || behind >= a->len)
		return 0;
	uint64_t avail = a->len - behind;
	return raw->len < avail ? raw->len : (uint32_t)avail;
}

void ring_free(ring *r)
{
	ring_raw *raw = &r->raw;
	free(raw->v);	/* the raw tier's values and times (raw_grow) */
	raw->v = NULL;
	raw->t = NULL;
	raw->len = raw->head = raw->room = 0;
	for (int i = 1; r->coarse && i < r->ntiers; i++)
		free(r->coarse[i - 1].b);	/* a coarse tier's buckets, from its first commit */
	free(r->coarse);	/* the coarse tiers' state, from the first push */
	r->coarse = NULL;
	r->count = 0;
	r->last = NAN;
	r->last_seq = 0;
}

/* The raw tier: values then times, in one block of `room` entries, RAW_MIN at
 * the first push and doubled up to cap as it fills (before it first wraps,
 * slot k is entry k, so growing copies two prefixes).  Each coarse tier gets
 * its buckets at its first commit (tier_commit_open).  So memory follows the
 * history kept: a ring 40 s old costs 0.5 KB rather than 6.3, and one 5
 * minutes old or more the full bound. */
#define RAW_MIN 32
static int raw_grow(ring *r)
{
	ring_raw *raw = &r->raw;
	uint32_t room = raw->room ? raw->room * 2 : RAW_MIN;
	if (room > raw->cap)
		room = raw->cap;
	/* on an axis, values alone: the axis has the times */
	char *block = malloc(room * (sizeof *raw->v + (r->axis ? 0 : sizeof *raw->t)));
	if (!block)
		return -1;
	float *v = (float *)block;
	uint32_t *t = r->axis ? NULL : (uint32_t *)(block + room * sizeof *raw->v);
	if (raw->v) {
		memcpy(v, raw->v, raw->len * sizeof *v);
		if (t)
			memcpy(t, raw->t, raw->len * sizeof *t);
		free(raw->v);
	}
	raw->v = v;
	raw->t = t;
	raw->room = room;
	return 0;
}

/* float -> bfloat16, rounded to nearest even; NaN stays a (quiet) NaN. */
static uint16_t bf16_from(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	if (isnan(f))
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fff + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static float bf16_to(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* The slot to write in a ring buffer of cap entries, advancing head/len. */
static uint32_t slot_take(uint32_t *head, uint32_t *len, uint32_t cap)
{
	uint32_t s = *head;
	*head = (*head + 1) % cap;
	if (*len < cap)
		(*len)++;
	return s;
}

static uint32_t raw_slot(ring_raw *raw)
{
	return slot_take(&raw->head, &raw->len, raw->cap);
}

/* Raw times are 32-bit offsets from t0, which covers 49 days: before a push
 * would overflow, move t0 up to the oldest raw sample kept (once in weeks;
 * O(raw cap)).  A raw tier that itself spans that long starts afresh. */
static void raw_rebase(ring *r, int64_t t_ms)
{
	ring_raw *raw = &r->raw;
	uint32_t oldest = (raw->head + raw->cap - raw->len) % raw->cap;
	uint32_t shift = raw->len ? raw->t[oldest] : 0;
	if (raw->len == 0 || t_ms - r->t0 - shift > UINT32_MAX) {
		raw->len = raw->head = 0;
		r->t0 = t_ms;
		return;
	}
	for (uint32_t k = 0, s = oldest; k < raw->len; k++, s = s + 1 == raw->cap ? 0 : s + 1)
		raw->t[s] -= shift;
	r->t0 += shift;
}

/* Commit the open bucket, after empty buckets for the spans it skipped (if
 * the tier's buckets cannot be had, the bucket is dropped). */
static void tier_commit_open(ring_tier *t, const ring_tier_spec *sp)
{
	if (!t->b && !(t->b = malloc(sp->cap * sizeof *t->b))) {
		t->open_n = 0;
		return;
	}
	const uint16_t nan16 = bf16_from(NAN);
	const ring_bucket empty = { nan16, nan16, nan16 };
	if (t->len > 0) {
		int64_t skipped = (t->open_start - t->newest_start) / sp->span_ms - 1;
		if (skipped >= (int64_t)sp->cap) {
			t->len = 0;	/* the gap is longer than the tier: start afresh */
		} else {
			for (int64_t k = 0; k < skipped; k++)
				t->b[slot_take(&t->head, &t->len, sp->cap)] = empty;
		}
	}
	ring_bucket *b = &t->b[slot_take(&t->head, &t->len, sp->cap)];
	b->min = bf16_from(t->open_min);
	b->max = bf16_from(t->open_max);
	b->mean = bf16_from((float)(t->open_sum / t->open_n));
	t->newest_start = t->open_start;
	t->open_n = 0;
}

/* On an axis: the axis entry this push takes (the newest, unless this ring
 * has it already or t_ms is later: then a new one), after NaN for the
 * entries it skipped; t_ms pinned to the axis's newest time if older.
 * 0, or -1 without memory. */
static int axis_take(ring *r, int64_t *t_ms)
{
	ring_raw *raw = &r->raw;
	ring_axis *a = r->axis;
	if (a->len) {
		int64_t newest = a->t0 + a->t[(a->seq - 1) % a->cap];
		bool have = raw->len && r->last_seq == a->seq - 1;
		if (*t_ms < newest)
			*t_ms = newest;	/* the clock went backwards, or this ring is late */
		if ((*t_ms > newest || have) && axis_append(a, *t_ms) < 0)
			return -1;
	} else if (axis_append(a, *t_ms) < 0) {
		return -1;
	}
	uint64_t seq = a->seq - 1;
	if (raw->len && seq > r->last_seq + 1) {
		uint64_t skipped = seq - r->last_seq - 1;
		if (skipped >= raw->cap) {
			raw->len = raw->head = 0;	/* all of it is older: start afresh */
		} else {
			for (uint64_t k = 0; k < skipped; k++) {
				if (raw->len == raw->room && raw->room < raw->cap && raw_grow(r) < 0)
					return -1;
				raw->v[raw_slot(raw)] = NAN;
			}
		}
	}
	r->last_seq = seq;
	return 0;
}

int ring_push(ring *r, int64_t t_ms, double v)
{
	if (r->ntiers == 0)
		return -1;
	ring_raw *raw = &r->raw;
	bool first = !raw->v;
	if (first && r->ntiers > 1 && !r->coarse && !(r->coarse = calloc((size_t)r->ntiers - 1, sizeof *r->coarse)))
		return -1;
	if (first && raw_grow(r) < 0)
		return -1;
	if (r->axis) {
		if (axis_take(r, &t_ms) < 0)
			return -1;
		if (first)
			r->t0 = t_ms;
	} else if (first) {
		r->t0 = t_ms;
	} else if (t_ms < r->last_t) {
		t_ms = r->last_t;	/* the clock went backwards: keep time monotonic */
	}
	if (!r->axis && t_ms - r->t0 > UINT32_MAX)
		raw_rebase(r, t_ms);
	if (raw->len == raw->room && raw->room < raw->cap && raw_grow(r) < 0)
		return -1;
	r->count++;
	r->last = v;
	r->last_t = t_ms;
	uint32_t s = raw_slot(raw);
	raw->v[s] = (float)v;
	if (!r->axis)
		raw->t[s] = (uint32_t)(t_ms - r->t0);
	if (isnan(v))
		return 0;
	for (int i = 1; i < r->ntiers; i++) {
		ring_tier *t = &r->coarse[i - 1];
		const ring_tier_spec *sp = &r->spec[i - 1];
		int64_t start = t_ms - (((t_ms % sp->span_ms) + sp->span_ms) % sp->span_ms);
		if (t->open_n && t->open_start != start)
			tier_commit_open(t, sp);
		if (!t->open_n) {
			t->open_start = start;
			t->open_min = t->open_max = (float)v;
			t->open_sum = v;
			t->open_n = 1;
		} else {
			if (v < t->open_min) t->open_min = (float)v;
			if (v > t->open_max) t->open_max = (float)v;
			t->open_sum += v;
			t->open_n++;
		}
	}
	return 0;
}

size_t ring_len(const ring *r, int tier)
{
	if (tier < 0 || tier >= r->ntiers || !r->raw.v)
		return 0;
	if (tier == 0)
		return raw_visible(r);
	const ring_tier *t = &r->coarse[tier - 1];
	return t->len + (t->open_n ? 1 : 0);
}

void ring_cursor_init(ring_cursor *c, const ring *r, int tier, size_t i)
{
	c->r = r;
	c->tier = tier;
	c->n = ring_len(r, tier);
	c->i = i;
	if (c->n == 0)
		return;
	const ring_tier *t = tier > 0 ? &r->coarse[tier - 1] : NULL;
	/* readers see the newest `len` raw values (raw_visible) */
	uint32_t len = t ? t->len : (uint32_t)c->n;
	uint32_t head = t ? t->head : r->raw.head, cap = ring_tier_cap(r, tier);
	/* scan-build: cap is never 0 (ring_init makes a 0 capacity 1) */
	c->slot = (head + cap - len + (i < len ? i : 0)) % cap;
	if (!t && r->axis)
		c->aslot = (r->last_seq - (len - 1 - (i < len ? i : 0))) % r->axis->cap;
	if (t)
		c->t = t->newest_start - (int64_t)(t->len - 1 - (i < t->len ? i : t->len - 1)) * ring_tier_span(r, tier);
}

int ring_cursor_next(ring_cursor *c, ring_point *p)
{
	if (c->i >= c->n)
		return 0;
	const ring *r = c->r;
	const ring_tier *t = c->tier > 0 ? &r->coarse[c->tier - 1] : NULL;
	if (!t) {
		const ring_axis *a = r->axis;
		p->t_ms = a ? a->t0 + a->t[c->aslot] : r->t0 + r->raw.t[c->slot];
		p->min = p->max = p->mean = r->raw.v[c->slot];
		if (a && ++c->aslot == a->cap)
			c->aslot = 0;
	} else if (c->i == t->len) {	/* the open bucket comes last */
		p->t_ms = t->open_start;
		p->min = t->open_min;
		p->max = t->open_max;
		p->mean = (float)(t->open_sum / t->open_n);
	} else {
		const ring_bucket *b = &t->b[c->slot];
		p->t_ms = c->t;
		p->min = bf16_to(b->min);
		p->max = bf16_to(b->max);
		p->mean = bf16_to(b->mean);
		c->t += ring_tier_span(r, c->tier);
	}
	c->i++;
	if (++c->slot == ring_tier_cap(r, c->tier))
		c->slot = 0;
	return 1;
}

ring_point ring_get(const ring *r, int tier, size_t i)
{
	ring_point p = { 0, NAN, NAN, NAN };
	ring_cursor c;
	ring_cursor_init(&c, r, tier, i);
	ring_cursor_next(&c, &p);
	return p;
}

/* Index of the last entry of tier with time <= t, or -1 (times increase). */
static long last_at_or_before(const ring *r, int tier, int64_t t)
{
	long lo = 0, hi = (long)ring_len(r, tier) - 1, found = -1;
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (ring_get(r, tier, (size_t)mid).t_ms <= t) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

double ring_value_at(const ring *r, int64_t t_ms)
{
	if (r->count == 0)
		return NAN;
	if (t_ms >= r->last_t)
		return r->last;
	for (int tier = 0; tier < r->ntiers; tier++) {
		size_t n = ring_len(r, tier);
		if (n == 0 || ring_get(r, tier, 0).t_ms > t_ms)
			continue;	/* this tier does not reach back that far */
		long i = last_at_or_before(r, tier, t_ms);
		return i < 0 ? NAN : ring_get(r, tier, (size_t)i).mean;
	}
	return NAN;
}

int ring_tier_for(const ring *r, int64_t window_ms)
{
	for (int i = 0; i < r->ntiers; i++) {
		size_t n = ring_len(r, i);
		if (n == 0)
			continue;
		/* A tier that has not wrapped still holds everything since t0. */
		if ((i == 0 ? raw_visible(r) : r->coarse[i - 1].len) < ring_tier_cap(r, i))
			return i;
		if (r->last_t - ring_get(r, i, 0).t_ms >= window_ms)
			return i;
	}
	return r->ntiers > 0 ? r->ntiers - 1 : 0;
}

size_t ring_stats(const ring *r, int tier, int64_t from_ms, double *min, double *max)
{
	size_t n = ring_len(r, tier), seen = 0;
	int64_t span = ring_tier_span(r, tier);
	double lo = NAN, hi = NAN;
	for (size_t i = n; i-- > 0;) {
		ring_point p = ring_get(r, tier, i);
		if (p.t_ms + span <= from_ms && !(span == 0 && p.t_ms == from_ms))
			break;
		if (isnan(p.mean))
			continue;
		if (seen == 0 || p.min < lo) lo = p.min;
		if (seen == 0 || p.max > hi) hi = p.max;
		seen++;
	}
	if (min) *min = lo;
	if (max) *max = hi;
	return seen;
}

size_t ring_bytes(const ring *r)
{
	if (!r->raw.v)
		return 0;
	size_t b = r->raw.room * (sizeof(float) + (r->axis ? 0 : sizeof(uint32_t)));
	for (int i = 1; r->coarse && i < r->ntiers; i++)
		if (r->coarse[i - 1].b)
			b += r->spec[i - 1].cap * sizeof(ring_bucket);
	return b;
}

size_t ring_state_bytes(const ring *r)
{
	return r->coarse ? (size_t)(r->ntiers - 1) * sizeof *r->coarse : 0;
}
