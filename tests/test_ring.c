/* Unit tests for base/ring: empty, wrap-around, tier roll-up, gaps, NaN. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "base/ring.h"

static const ring_config small = { 3, { { 0, 5 }, { 10000, 4 }, { 60000, 3 } } };

static void test_empty(void **state)
{
	ring r;
	ring_init(&r, &small);
	assert_int_equal(ring_len(&r, 0), 0);
	assert_int_equal(ring_len(&r, 1), 0);
	assert_true(isnan(ring_get(&r, 0, 0).mean));
	assert_true(isnan(r.last));
	assert_int_equal(ring_bytes(&r), 0);	/* nothing allocated before a push */
	double lo, hi;
	assert_int_equal(ring_stats(&r, 0, 0, &lo, &hi), 0);
	ring_free(&r);
}

static void test_wrap(void **state)
{
	ring r;
	ring_init(&r, &small);
	for (int i = 0; i < 12; i++)
		assert_int_equal(ring_push(&r, 1000000 + i * 1000, i), 0);
	assert_int_equal(ring_len(&r, 0), 5);	/* full, not more */
	for (int i = 0; i < 5; i++) {
		ring_point p = ring_get(&r, 0, i);
		assert_float_equal(p.mean, 7 + i, 1e-6);
		assert_int_equal(p.t_ms, 1000000 + (7 + i) * 1000);
	}
	assert_float_equal(r.last, 11, 1e-9);
	assert_true(isnan(ring_get(&r, 0, 5).mean));
	ring_free(&r);
}

static void test_full_exact(void **state)
{
	ring r;
	ring_init(&r, &small);
	for (int i = 0; i < 5; i++)
		ring_push(&r, i * 1000, i);
	assert_int_equal(ring_len(&r, 0), 5);
	assert_float_equal(ring_get(&r, 0, 0).mean, 0, 1e-9);
	assert_float_equal(ring_get(&r, 0, 4).mean, 4, 1e-9);
	ring_free(&r);
}

static void test_rollup(void **state)
{
	ring r;
	ring_init(&r, &small);
	/* 25 s of 1 Hz samples starting on a 10 s boundary, with a spike at t=13 s */
	for (int i = 0; i < 25; i++)
		ring_push(&r, 100000 + i * 1000, i == 13 ? 500 : 1);
	/* buckets [100,110) [110,120) committed, [120,130) open */
	assert_int_equal(ring_len(&r, 1), 3);
	ring_point b0 = ring_get(&r, 1, 0), b1 = ring_get(&r, 1, 1), b2 = ring_get(&r, 1, 2);
	assert_int_equal(b0.t_ms, 100000);
	assert_int_equal(b1.t_ms, 110000);
	assert_int_equal(b2.t_ms, 120000);
	assert_float_equal(b0.max, 1, 1e-6);
	assert_float_equal(b1.max, 500, 1e-6);	/* the spike survives the roll-up */
	assert_float_equal(b1.min, 1, 1e-6);
	/* bfloat16 buckets: within 2^-8 of the value (50.9 reads 51) */
	assert_float_equal(b1.mean, (9 + 500) / 10.0, 50.9 / 256);
	assert_float_equal(b2.mean, 1, 1e-6);
	/* 60 s tier, aligned on absolute time: [60,120) s holds the spike,
	 * [120,180) s is open */
	assert_int_equal(ring_len(&r, 2), 2);
	assert_int_equal(ring_get(&r, 2, 0).t_ms, 60000);
	assert_float_equal(ring_get(&r, 2, 0).max, 500, 1e-6);
	assert_int_equal(ring_get(&r, 2, 1).t_ms, 120000);
	ring_free(&r);
}

static void test_tier_wrap(void **state)
{
	ring r;
	ring_init(&r, &small);
	for (int i = 0; i < 100; i++)	/* 100 s → 10 buckets, cap 4 + open */
		ring_push(&r, i * 1000, i);
	assert_int_equal(ring_len(&r, 1), 5);
	assert_int_equal(ring_get(&r, 1, 0).t_ms, 50000);
	assert_float_equal(ring_get(&r, 1, 4).max, 99, 1e-6);
	ring_free(&r);
}

static void test_gap_and_nan(void **state)
{
	ring r;
	ring_init(&r, &small);
	ring_push(&r, 0, 1);
	ring_push(&r, 1000, NAN);	/* missing sample */
	ring_push(&r, 45000, 3);	/* gap: buckets 10, 20, 30 s had no sample */
	assert_int_equal(ring_len(&r, 0), 3);
	assert_true(isnan(ring_get(&r, 0, 1).mean));
	assert_int_equal(ring_len(&r, 1), 2);	/* 0 s committed (NaN not rolled up), 40 s open */
	assert_float_equal(ring_get(&r, 1, 0).mean, 1, 1e-6);
	ring_push(&r, 51000, 4);	/* commits 40 s after three empty buckets */
	/* 0, e10, e20, e30, 40 committed; cap 4 keeps e10..40; then open 50 */
	assert_int_equal(ring_len(&r, 1), 5);
	for (int i = 0; i < 3; i++) {
		assert_true(isnan(ring_get(&r, 1, i).mean));	/* the gap reads as missing */
		assert_int_equal(ring_get(&r, 1, i).t_ms, (i + 1) * 10000);
	}
	assert_int_equal(ring_get(&r, 1, 3).t_ms, 40000);
	assert_float_equal(ring_get(&r, 1, 3).mean, 3, 1e-6);
	assert_int_equal(ring_get(&r, 1, 4).t_ms, 50000);
	ring_push(&r, 1000000, 5);	/* far later: the open bucket jumps ahead... */
	assert_int_equal(ring_len(&r, 1), 5);
	assert_int_equal(ring_get(&r, 1, 3).t_ms, 50000);
	assert_int_equal(ring_get(&r, 1, 4).t_ms, 1000000);
	ring_push(&r, 1010000, 6);	/* ...and committing it after a gap longer than the tier starts afresh */
	assert_int_equal(ring_len(&r, 1), 2);
	assert_int_equal(ring_get(&r, 1, 0).t_ms, 1000000);
	assert_int_equal(ring_get(&r, 1, 1).t_ms, 1010000);
	double lo, hi;
	assert_int_equal(ring_stats(&r, 0, 0, &lo, &hi), 4);	/* raw keeps 5: NaN, 3, 4, 5, 6 */
	assert_float_equal(lo, 3, 1e-6);
	assert_float_equal(hi, 6, 1e-6);
	ring_free(&r);
}

static void test_cursor_matches_get(void **state)
{
	ring r;
	ring_init(&r, &small);
	for (int i = 0; i < 100; i++)
		ring_push(&r, i * 1700, i % 7 == 0 ? NAN : i);
	for (int tier = 0; tier < 3; tier++) {
		size_t n = ring_len(&r, tier);
		for (size_t from = 0; from < n; from++) {
			ring_cursor c;
			ring_point p;
			size_t k = from;
			ring_cursor_init(&c, &r, tier, from);
			while (ring_cursor_next(&c, &p)) {
				ring_point q = ring_get(&r, tier, k++);
				assert_int_equal(p.t_ms, q.t_ms);
				assert_true(p.max == q.max || (isnan(p.max) && isnan(q.max)));
			}
			assert_int_equal(k, n);
		}
	}
	ring_free(&r);
}

static void test_value_at(void **state)
{
	ring r;
	ring_init(&r, &small);
	assert_true(isnan(ring_value_at(&r, 1000)));
	for (int i = 0; i < 100; i++)	/* raw keeps the last 5: t = 95..99 s */
		ring_push(&r, i * 1000, i);
	assert_float_equal(ring_value_at(&r, 200000), 99, 1e-6);	/* after the last: last */
	assert_float_equal(ring_value_at(&r, 97500), 97, 1e-6);	/* raw: newest at or before */
	assert_float_equal(ring_value_at(&r, 97000), 97, 1e-6);
	/* older than raw: the 10 s bucket [60,70) s, mean 64.5 */
	assert_float_equal(ring_value_at(&r, 65000), 64.5, 1e-4);
	/* older than every tier holds */
	assert_true(isnan(ring_value_at(&r, -5000)));
	ring_free(&r);
}

static void test_clock_backwards(void **state)
{
	ring r;
	ring_init(&r, &small);
	ring_push(&r, 20000, 1);
	ring_push(&r, 5000, 2);	/* earlier than the last: pinned, never reordered */
	assert_int_equal(ring_get(&r, 0, 1).t_ms, 20000);
	assert_int_equal(ring_len(&r, 1), 1);
	assert_float_equal(ring_get(&r, 1, 0).mean, 1.5, 1e-6);
	ring_free(&r);
}

static void test_tier_for(void **state)
{
	ring r;
	ring_init(&r, &small);
	for (int i = 0; i < 3; i++)
		ring_push(&r, i * 1000, i);
	assert_int_equal(ring_tier_for(&r, 3600000), 0);	/* raw not wrapped: has it all */
	for (int i = 3; i < 200; i++)
		ring_push(&r, i * 1000, i);
	assert_int_equal(ring_tier_for(&r, 3000), 0);	/* 5 raw samples cover 4 s */
	assert_int_equal(ring_tier_for(&r, 30000), 1);	/* 4 buckets of 10 s cover 40 s */
	assert_int_equal(ring_tier_for(&r, 600000), 2);
	ring_free(&r);
}

/* Raw times are 32-bit offsets: a ring fed for more than 49 days (2^32 ms)
 * keeps exact times, and a gap longer than that starts the raw tier afresh. */
static void test_long_run(void **state)
{
	ring r;
	ring_init(&r, &small);
	const int64_t t0 = 1764450000000, day = 86400000;
	for (int i = 0; i < 60; i++)	/* one sample a day for 60 days */
		assert_int_equal(ring_push(&r, t0 + i * day, i), 0);
	assert_int_equal(ring_len(&r, 0), 5);
	for (int i = 0; i < 5; i++) {
		ring_point p = ring_get(&r, 0, (size_t)i);
		assert_int_equal(p.t_ms, t0 + (55 + i) * day);
		assert_float_equal(p.mean, 55 + i, 1e-6);
	}
	assert_int_equal(r.last_t, t0 + 59 * day);
	/* one more, 50 days after the last: the old raw samples cannot be
	 * expressed next to it; only the new one is kept */
	assert_int_equal(ring_push(&r, t0 + 109 * day, 109), 0);
	assert_int_equal(ring_len(&r, 0), 1);
	ring_point p = ring_get(&r, 0, 0);
	assert_int_equal(p.t_ms, t0 + 109 * day);
	assert_float_equal(p.mean, 109, 1e-6);
	ring_free(&r);
}

/* Every entry of every tier of two rings, equal (NaN equal to NaN). */
static void assert_same(const ring *a, const ring *b)
{
	for (int tier = 0; tier < a->ntiers; tier++) {
		assert_int_equal(ring_len(a, tier), ring_len(b, tier));
		ring_cursor ca, cb;
		ring_point pa, pb;
		ring_cursor_init(&ca, a, tier, 0);
		ring_cursor_init(&cb, b, tier, 0);
		for (size_t i = 0; ring_cursor_next(&ca, &pa); i++) {
			assert_true(ring_cursor_next(&cb, &pb));
			assert_int_equal(pa.t_ms, pb.t_ms);
			assert_true(pa.mean == pb.mean || (isnan(pa.mean) && isnan(pb.mean)));
			assert_true(pa.min == pb.min || (isnan(pa.min) && isnan(pb.min)));
			assert_true(pa.max == pb.max || (isnan(pa.max) && isnan(pb.max)));
			ring_point g = ring_get(a, tier, i);	/* random access agrees */
			assert_int_equal(g.t_ms, pa.t_ms);
		}
	}
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->last_t, b->last_t);
	assert_int_equal(a->t0, b->t0);
}

/* Rings pushed together on one axis read exactly as rings of their own
 * (through wraps of every tier, a clock step back, gaps, NaN), for the
 * values alone: 4 bytes a raw sample, the times once in the axis. */
static void test_axis_lockstep(void **state)
{
	ring_axis ax;
	ring_axis_init(&ax, 5);
	ring a, b, c, own_a, own_b, own_c;
	ring_init_axis(&a, &small, &ax);
	ring_init_axis(&b, &small, &ax);
	ring_config tiny = { 1, { { 0, 3 } } };	/* a smaller raw tier shares it too */
	ring_init_axis(&c, &tiny, &ax);
	ring_init(&own_a, &small);
	ring_init(&own_b, &small);
	ring_init(&own_c, &tiny);
	assert_ptr_equal(c.axis, &ax);
	unsigned rnd = 7;
	int64_t t = 1764450000000;
	for (int i = 0; i < 500; i++) {
		rnd = rnd * 1103515245u + 12345u;
		t += i == 200 ? -5000 : (int64_t)(rnd >> 16) % 3000;	/* a step back at 200 */
		double v = (rnd >> 8) % 5 == 0 ? NAN : (double)((rnd >> 4) % 1000);
		ring_push(&a, t, v);
		ring_push(&own_a, t, v);
		ring_push(&b, t, v * 2);
		ring_push(&own_b, t, v * 2);
		ring_push(&c, t, -v);
		ring_push(&own_c, t, -v);
		assert_same(&a, &own_a);
		assert_same(&b, &own_b);
		assert_same(&c, &own_c);
	}
	assert_int_equal(ring_bytes(&a) + 5 * 4, ring_bytes(&own_a));
	assert_int_equal(ring_axis_bytes(&ax), 5 * 4);
	ring_free(&a);
	ring_free(&b);
	ring_free(&c);
	ring_free(&own_a);
	ring_free(&own_b);
	ring_free(&own_c);
	ring_axis_free(&ax);
	assert_int_equal(ring_axis_bytes(&ax), 0);
}

/* A ring that starts later holds the axis entries from its first push on;
 * one that misses pushes reads NaN at the entries it missed; pushing a ring
 * twice at one moment takes a second entry (the others read NaN there); a
 * ring left behind keeps only the values whose times the axis still has. */
static void test_axis_gaps(void **state)
{
	ring_axis ax;
	ring_axis_init(&ax, 5);
	ring a, b;
	ring_init_axis(&a, &small, &ax);
	ring_init_axis(&b, &small, &ax);
	for (int i = 0; i < 3; i++)
		ring_push(&a, 1000 * i, i);
	ring_push(&b, 2000, 20);	/* joins at the newest entry */
	assert_int_equal(ring_len(&b, 0), 1);
	assert_int_equal(ring_get(&b, 0, 0).t_ms, 2000);
	ring_push(&a, 3000, 3);
	ring_push(&a, 4000, 4);
	ring_push(&b, 4000, 40);	/* missed 3000 */
	assert_int_equal(ring_len(&b, 0), 3);
	assert_int_equal(ring_get(&b, 0, 1).t_ms, 3000);
	assert_true(isnan(ring_get(&b, 0, 1).mean));
	assert_float_equal(ring_get(&b, 0, 2).mean, 40, 0);
	assert_int_equal(b.count, 2);	/* the gap is not a push */
	ring_push(&b, 3500, 41);	/* older than the axis's newest: pinned to it */
	assert_int_equal(ring_get(&b, 0, 3).t_ms, 4000);
	assert_int_equal(b.last_t, 4000);
	/* a has the axis's 5 newest but one: the oldest left the axis */
	assert_int_equal(ring_len(&a, 0), 4);
	assert_int_equal(ring_get(&a, 0, 3).t_ms, 4000);
	assert_float_equal(ring_get(&a, 0, 3).mean, 4, 0);
	ring_push(&a, 5000, 5);	/* reads NaN at b's second entry */
	assert_int_equal(ring_len(&a, 0), 5);
	assert_int_equal(ring_get(&a, 0, 3).t_ms, 4000);
	assert_true(isnan(ring_get(&a, 0, 3).mean));
	assert_float_equal(ring_get(&a, 0, 2).mean, 4, 0);
	/* a alone goes on: b's values leave with their times */
	for (int i = 6; i < 8; i++)
		ring_push(&a, 1000 * i, i);
	assert_int_equal(ring_len(&b, 0), 2);
	assert_int_equal(ring_get(&b, 0, 0).t_ms, 4000);
	assert_float_equal(ring_get(&b, 0, 1).mean, 41, 0);
	assert_true(isnan(ring_value_at(&b, 3000)) || ring_value_at(&b, 3000) != 40);
	for (int i = 8; i < 20; i++)
		ring_push(&a, 1000 * i, i);
	assert_int_equal(ring_len(&b, 0), 0);
	assert_int_equal(ring_len(&a, 0), 5);
	ring_push(&b, 20000, 200);	/* back after a long absence: afresh */
	assert_int_equal(ring_len(&b, 0), 1);
	assert_float_equal(ring_get(&b, 0, 0).mean, 200, 0);
	assert_int_equal(ring_get(&b, 0, 0).t_ms, 20000);
	ring_free(&a);
	ring_free(&b);
	ring_axis_free(&ax);
}

/* The axis's times are 32-bit offsets too: exact across 60 days of daily
 * samples, afresh after a gap longer than 49 days; its storage grows as it
 * fills, like a raw tier. */
static void test_axis_long_run(void **state)
{
	ring_axis ax;
	ring_axis_init(&ax, 5);
	ring a, b;
	ring_init_axis(&a, &small, &ax);
	ring_init_axis(&b, NULL, &ax);	/* 300 raw: more than the axis holds */
	assert_null(b.axis);
	ring_free(&b);
	const int64_t t0 = 1764450000000, day = 86400000;
	for (int i = 0; i < 60; i++)
		assert_int_equal(ring_push(&a, t0 + i * day, i), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ring_get(&a, 0, (size_t)i).t_ms, t0 + (55 + i) * day);
	assert_int_equal(ring_push(&a, t0 + 109 * day, 109), 0);
	assert_int_equal(ring_len(&a, 0), 1);
	assert_int_equal(ring_get(&a, 0, 0).t_ms, t0 + 109 * day);
	ring_free(&a);
	ring_axis_free(&ax);
	ring_axis_init(&ax, 300);
	ring_init_axis(&a, NULL, &ax);
	ring_push(&a, 0, 1);
	assert_int_equal(ring_axis_bytes(&ax), 32 * 4);
	assert_int_equal(ring_bytes(&a), 32 * 4);
	for (int i = 1; i < 40; i++)
		ring_push(&a, i * 1000, i);
	assert_int_equal(ring_axis_bytes(&ax), 64 * 4);
	for (int i = 0; i < 40; i++)
		assert_int_equal(ring_get(&a, 0, (size_t)i).t_ms, i * 1000);
	for (int i = 40; i < 1000; i++)
		ring_push(&a, i * 1000, i);
	assert_int_equal(ring_axis_bytes(&ax), 300 * 4);
	assert_int_equal(ring_bytes(&a), 300 * 4 + (360 + 288) * 6);
	ring_free(&a);
	ring_axis_free(&ax);
}

static void test_default_bytes(void **state)
{
	ring r;
	ring_init(&r, NULL);
	/* 300 raw (8 B) + 648 buckets (6 B): the bound the bench relies on;
	 * the raw tier grows 32, 64, ... 300 as it fills, each coarse tier
	 * comes with its first complete bucket */
	ring_push(&r, 0, 1);
	assert_int_equal(ring_bytes(&r), 32 * 8);
	ring_push(&r, 9999, 1);
	assert_int_equal(ring_bytes(&r), 32 * 8);
	ring_push(&r, 10000, 1);
	assert_int_equal(ring_bytes(&r), 32 * 8 + 360 * 6);
	for (int i = 3; i <= 33; i++)	/* the 33rd sample doubles the raw tier */
		ring_push(&r, 10000 + i, i);
	assert_int_equal(ring_len(&r, 0), 34);
	assert_int_equal(ring_bytes(&r), 64 * 8 + 360 * 6);
	for (int i = 0; i < 34; i++)	/* nothing lost in the move */
		assert_float_equal(ring_get(&r, 0, (size_t)i).mean, i < 3 ? 1 : i, 0);
	assert_int_equal(ring_get(&r, 0, 33).t_ms, 10033);
	ring_push(&r, 300000, 1);
	assert_int_equal(ring_bytes(&r), 64 * 8 + (360 + 288) * 6);
	assert_float_equal(ring_get(&r, 2, 0).mean, (3 + 18 * 31) / 34.0, 0);	/* 16.5: exact in bfloat16 */
	for (int i = 0; i < 1000; i++)	/* full and wrapped: the configured bound, no more */
		ring_push(&r, 400000 + i * 1000, i);
	assert_int_equal(ring_bytes(&r), 300 * 8 + (360 + 288) * 6);
	assert_int_equal(ring_len(&r, 0), 300);
	assert_float_equal(ring_get(&r, 0, 0).mean, 700, 0);
	assert_int_equal(ring_get(&r, 0, 299).t_ms, 400000 + 999 * 1000);
	ring_free(&r);
	assert_int_equal(ring_bytes(&r), 0);
}

/* The header: no tier state before the first push (a series never pushed,
 * like the HTTP rings of an app without HTTP, costs its 120-byte struct and
 * nothing else), the coarse tiers' state at the first push, none for a
 * raw-only ring; a ring freed and pushed again starts afresh. */
static void test_header_state(void **state)
{
	(void)state;
	assert_true(sizeof(ring) <= 120);
	ring r, raw_only;
	ring_config one = { 1, { { 0, 5 } } };
	ring_init(&r, &small);
	ring_init(&raw_only, &one);
	assert_null(r.coarse);
	assert_int_equal(ring_state_bytes(&r), 0);
	assert_int_equal(ring_tier_span(&r, 1), 10000);
	assert_int_equal(ring_tier_cap(&r, 2), 3);
	assert_int_equal(ring_tier_stored(&r, 1), 0);
	ring_push(&r, 0, 1);
	ring_push(&raw_only, 0, 1);
	assert_int_equal(ring_state_bytes(&r), 2 * sizeof(ring_tier));
	assert_int_equal(ring_state_bytes(&raw_only), 0);
	assert_null(raw_only.coarse);
	for (int i = 1; i <= 25; i++)
		ring_push(&r, i * 1000, i);
	assert_int_equal(ring_tier_stored(&r, 1), 2);	/* 0 s and 10 s committed, 20 s open */
	assert_int_equal(ring_len(&r, 1), 3);
	ring_free(&r);
	assert_null(r.coarse);
	assert_int_equal(ring_len(&r, 1), 0);
	ring_push(&r, 100000, 7);
	ring_push(&r, 110000, 8);
	assert_int_equal(ring_len(&r, 1), 2);
	assert_int_equal(ring_get(&r, 1, 0).t_ms, 100000);
	assert_float_equal(ring_get(&r, 1, 0).mean, 7, 0);
	ring_free(&r);
	ring_free(&raw_only);
}

/* Coarse buckets hold bfloat16: every committed min/max/mean must be within
 * 2^-8 of the float it rounds (relative), for the magnitudes vitals graphs —
 * bytes up to TB, ms, ratios, tiny ones — and through many wraps of both
 * coarse tiers; raw values stay exact floats; NaN stays missing. */
static void test_bucket_precision_and_wrap(void **state)
{
	static const double scale[] = { 1e-6, 0.37, 1, 999.9, 52428800.5, 3.3e12 };
	ring r;
	ring_init(&r, &small);
	double worst = 0;
	int64_t t = 1764450000000;
	for (int k = 0; k < 6; k++) {
		/* 4 min per scale at 1 Hz: 24 buckets of 10 s (cap 4: 6 wraps),
		 * 4 of 60 s (cap 3) */
		for (int i = 0; i < 240; i++, t += 1000) {
			double v = scale[k] * (1 + 0.25 * sin(i * 0.7) + (i % 37 == 0 ? 3 : 0));
			ring_push(&r, t, v);
			assert_float_equal(ring_get(&r, 0, ring_len(&r, 0) - 1).mean, (float)v, 0);
		}
		/* recompute the committed 10 s buckets from the same formula */
		size_t n = ring_len(&r, 1);
		assert_int_equal(n, 5);
		for (size_t j = 0; j + 1 < n; j++) {	/* the last is the open one, float */
			ring_point p = ring_get(&r, 1, j);
			double lo = INFINITY, hi = -INFINITY, sum = 0;
			int cnt = 0;
			for (int i = 0; i < 240; i++) {
				int64_t ti = t - 240000 + i * 1000;
				if (ti < p.t_ms || ti >= p.t_ms + 10000)
					continue;
				double v = (float)(scale[k] * (1 + 0.25 * sin(i * 0.7) + (i % 37 == 0 ? 3 : 0)));
				lo = fmin(lo, v);
				hi = fmax(hi, v);
				sum += v;
				cnt++;
			}
			assert_int_equal(cnt, 10);
			double e[3] = { fabs(p.min - lo) / lo, fabs(p.max - hi) / hi,
					fabs(p.mean - sum / cnt) / (sum / cnt) };
			for (int q = 0; q < 3; q++) {
				assert_true(e[q] <= 1.0 / 256);
				worst = fmax(worst, e[q]);
			}
			assert_true(p.min <= p.mean && p.mean <= p.max);
		}
		assert_int_equal(ring_len(&r, 2), 4);	/* 3 committed (wrapped) + open */
		ring_point p60 = ring_get(&r, 2, 1);
		assert_true(p60.max >= scale[k] * 3.9 * (1 - 1.0 / 256));	/* a spike survives */
	}
	assert_true(worst > 0);	/* it did round: the check above was not vacuous */
	ring_push(&r, t + 20000, NAN);
	ring_push(&r, t + 30000, 1);
	ring_push(&r, t + 40000, 2);	/* commits t + 30 s after three empty buckets */
	assert_int_equal(ring_len(&r, 1), 5);
	assert_true(isnan(ring_get(&r, 1, 2).mean));	/* an empty bucket reads as missing */
	assert_float_equal(ring_get(&r, 1, 3).mean, 1, 0);	/* small integers are exact */
	ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_full_exact),
		cmocka_unit_test(test_rollup),
		cmocka_unit_test(test_tier_wrap),
		cmocka_unit_test(test_gap_and_nan),
		cmocka_unit_test(test_tier_for),
		cmocka_unit_test(test_cursor_matches_get),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_value_at),
		cmocka_unit_test(test_default_bytes),
		cmocka_unit_test(test_bucket_precision_and_wrap),
		cmocka_unit_test(test_long_run),
		cmocka_unit_test(test_axis_lockstep),
		cmocka_unit_test(test_axis_gaps),
		cmocka_unit_test(test_axis_long_run),
		cmocka_unit_test(test_header_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
