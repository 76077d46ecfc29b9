/* ring — a fixed-capacity, multi-tier time series.
 *
 * Tier 0 holds raw samples (time, value).  Each coarser tier holds
 * contiguous, time-aligned buckets of span_ms carrying min/max/mean of the raw
 * samples that fell into them (a gap is a run of empty buckets), so a one-hour view can still show a one-second spike
 * (draw the bucket max).  Memory is bounded by the ring_config given at init;
 * each tier is allocated once, the raw one on the first push (a process that
 * never gets a probe sample costs nothing), a coarse one at its first
 * complete bucket.  Push is O(tiers).  Index 0 is the oldest entry.
 * NaN values are "missing" and are skipped by the roll-up.
 *
 * Rings pushed at the same moments (a process's /proc series every tick,
 * its probe series every sample) can share one ring_axis: the raw times
 * are stored once, in the axis, and each ring keeps only its raw values
 * (4 bytes a sample instead of 8).  A ring on an axis holds values for the
 * newest axis entries: pushed at the axis's newest time it takes that entry,
 * later it appends one; an entry it was not pushed at reads NaN (a gap).
 */
#ifndef VITALS_RING_H
#define VITALS_RING_H

#include <stdint.h>
#include <stddef.h>

#define RING_MAX_TIERS 4

typedef struct ring_tier_spec {
	uint32_t span_ms;	/* 0 for the raw tier */
	uint32_t cap;		/* entries kept */
} ring_tier_spec;

typedef struct ring_config {
	int ntiers;
	ring_tier_spec tier[RING_MAX_TIERS];
} ring_config;

/* One entry as readers see it. For raw samples min == max == mean. */
typedef struct ring_point {
	int64_t t_ms;	/* sample time, or bucket start */
	float min, max, mean;
} ring_point;

/* A committed bucket of a coarse tier: 6 bytes.  Its time is implied by its
 * position (tiers are contiguous: a gap is stored as empty NaN buckets), so
 * no time stamp is stored.  min/max/mean are bfloat16 (a float's sign,
 * exponent and top 7 mantissa bits, rounded to nearest): float's range, so
 * bytes, ms and ratios alike, within 2^-8 (0.4 %) of the float — below a
 * graph cell's resolution — for half of 12 bytes.  Rounding is monotonic, so
 * min <= mean <= max still holds.  An empty bucket has mean NaN. */
typedef struct ring_bucket {
	uint16_t min, max, mean;
} ring_bucket;

/* The raw tier, inline in every ring: 32 bytes. */
typedef struct ring_raw {
	float *v;		/* values ... */
	uint32_t *t;		/* ... and their time, ms since the ring's t0 (NULL on an axis) */
	uint32_t cap, head, len;	/* head: next write slot */
	uint32_t room;		/* entries allocated, grown to cap */
} ring_raw;

/* A coarse tier's state, 56 bytes: a ring's coarse tiers are one array
 * allocated at its first push (a series never pushed, like the HTTP rings of
 * an app that serves none, or a raw-only ring, has none); its span and cap
 * stay in the ring (ring.spec), so nothing is allocated at init. */
typedef struct ring_tier {
	ring_bucket *b;		/* cap buckets, allocated at the first commit */
	int64_t newest_start;	/* start of the newest committed bucket */
	/* the bucket being filled, not yet in b */
	int64_t open_start;
	double open_sum;
	float open_min, open_max;
	uint32_t head, len;	/* head: next write slot */
	uint32_t open_n;
} ring_tier;

/* Raw times shared by rings (see above).  Owned by whoever owns the rings,
 * outliving them; not copied or moved while rings point at it. */
typedef struct ring_axis {
	uint32_t *t;		/* ms since t0, entry seq at slot seq % cap */
	int64_t t0;
	uint64_t seq;		/* entries ever appended: the newest is seq - 1 */
	uint32_t cap, room, len;	/* room grows to cap as it fills, like a raw tier */
} ring_axis;

/* 120 bytes (304 with four inline tiers of 64 bytes: 15 rings were 4.5 KB
 * of every attached process).  Tier 0 is `raw`, tier i >= 1 is coarse[i - 1]
 * with span and cap spec[i - 1]; readers use ring_tier_span/cap/stored. */
typedef struct ring {
	ring_raw raw;
	ring_tier *coarse;	/* owned: ntiers - 1 tiers, NULL until the first push */
	ring_tier_spec spec[RING_MAX_TIERS - 1];	/* the coarse tiers' span and cap */
	ring_axis *axis;	/* NULL: raw times in raw.t */
	uint64_t last_seq;	/* on an axis: the axis entry of the newest raw value */
	int64_t t0;		/* time of the first push */
	double last;		/* last pushed value (NaN if none) */
	int64_t last_t;
	uint64_t count;		/* total pushes */
	int ntiers;
} ring;

/* Sequential reader of one tier, oldest to newest, for readers that walk
 * thousands of points per frame (sparklines): no modulo per point. */
typedef struct ring_cursor {
	const ring *r;
	int tier;
	size_t i, n, slot;
	size_t aslot;		/* raw on an axis: the axis slot of entry i */
	int64_t t;		/* coarse: start time of entry i */
} ring_cursor;

/* Default: 300 raw samples, 10 s x 360 (1 h), 5 min x 288 (24 h). */
extern const ring_config ring_config_default;

void ring_init(ring *r, const ring_config *cfg);
/* The same, raw times on axis (when its cap holds the raw tier's; else as
 * ring_init). */
void ring_init_axis(ring *r, const ring_config *cfg, ring_axis *axis);
/* An axis for rings of up to cap raw samples; nothing allocated yet. */
void ring_axis_init(ring_axis *a, uint32_t cap);
/* Free the axis's times (after or before its rings: they free only theirs). */
void ring_axis_free(ring_axis *a);
/* Bytes allocated for the axis's times. */
size_t ring_axis_bytes(const ring_axis *a);
void ring_free(ring *r);
/* Returns 0, or -1 if memory could not be had (the sample is dropped). */
int ring_push(ring *r, int64_t t_ms, double v);
size_t ring_len(const ring *r, int tier);
/* i-th entry of a tier, 0 = oldest. Includes the open bucket as the newest. */
ring_point ring_get(const ring *r, int tier, size_t i);
/* The finest tier whose history covers window_ms (or the coarsest if none). */
int ring_tier_for(const ring *r, int64_t window_ms);
/* The value the series had at t_ms: the newest raw sample at or before it,
 * else (older than the raw history) the mean of the coarse bucket holding it;
 * NaN if the series has nothing that old. */
double ring_value_at(const ring *r, int64_t t_ms);
/* Min/max/last over [from_ms, now]; returns number of points seen. */
size_t ring_stats(const ring *r, int tier, int64_t from_ms, double *min, double *max);
/* Start reading tier at entry i (0 = oldest). */
void ring_cursor_init(ring_cursor *c, const ring *r, int tier, size_t i);
/* The next entry into *p; false at the end. */
int ring_cursor_next(ring_cursor *c, ring_point *p);
/* Bytes allocated for this ring's samples and buckets (not its axis's). */
size_t ring_bytes(const ring *r);
/* Bytes allocated for its coarse tiers' state (0 before the first push). */
size_t ring_state_bytes(const ring *r);
#define RING_STATE_BYTES 1	/* for bench/mem_main, which also builds on older trees */

/* A tier's bucket span (0 for the raw tier), capacity, and the entries it
 * stores (the raw tier's own count, coarse: committed buckets, without the
 * open one). */
static inline uint32_t ring_tier_span(const ring *r, int tier)
{
	return tier <= 0 ? 0 : r->spec[tier - 1].span_ms;
}
static inline uint32_t ring_tier_cap(const ring *r, int tier)
{
	return tier <= 0 ? r->raw.cap : r->spec[tier - 1].cap;
}
static inline uint32_t ring_tier_stored(const ring *r, int tier)
{
	return tier <= 0 ? r->raw.len : r->coarse ? r->coarse[tier - 1].len : 0;
}

#endif
