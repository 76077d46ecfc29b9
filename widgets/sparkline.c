/* sparkline — time-aligned bucketed graphs of a ring; see sparkline.h.
 *
 * Column c covers [start + c*W/n, start + (c+1)*W/n) where W is the window and
 * start = end - W.  Pass 1 puts every point of the chosen tier inside the
 * window into its column (max of the points' max).  Pass 2 fills the empty
 * columns with the last value seen before them, but only within `gap` of that
 * point (2.5 sampling intervals), and never past the newest point: real gaps
 * stay visible and nothing is invented after the data ends.
 */
#include "widgets/sparkline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPARK_MAXCOLS 2048

static const wchar_t blocks[8] = { L'\x2581', L'\x2582', L'\x2583', L'\x2584',
				   L'\x2585', L'\x2586', L'\x2587', L'\x2588' };
static const char ascii_lv[] = ".:-=+*#%@";
#define ASCII_LEVELS 9

spark_opts spark_opts_make(int64_t end_ms, int64_t window_ms, theme_role role, spark_fmt fmt)
{
	spark_opts o = { end_ms, window_ms, role, fmt, NAN, NAN, true, 0, 0 };
	return o;
}

/* First index in tier whose time is >= t (binary search; times increase). */
static size_t first_at(const ring *s, int tier, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ring_get(s, tier, mid).t_ms < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The finest tier that holds the window, like ring_tier_for but allowing a
 * shortfall of two entries: 300 samples at 1 Hz cover 299 s, and a 5-minute
 * window should still use them rather than 10 s buckets. */
static int tier_for(const ring *s, int64_t window_ms)
{
	for (int i = 0; i < s->ntiers; i++) {
		size_t n = ring_len(s, i);
		if (n == 0)
			continue;
		if (s->tier[i].len < s->tier[i].cap)
			return i;
		int64_t first = ring_get(s, i, 0).t_ms, covered = s->last_t - first;
		int64_t step = i > 0 ? s->tier[i].span_ms : (n > 1 ? covered / (int64_t)(n - 1) : 0);
		if (covered + 2 * step >= window_ms)
			return i;
	}
	return ring_tier_for(s, window_ms);
}

void sparkline_columns(const ring *s, int64_t end_ms, int64_t window_ms, int ncols, float *out,
		       spark_stats *st)
{
	spark_stats dummy;
	if (!st)
		st = &dummy;
	st->min = st->max = st->last = NAN;
	st->points = 0;
	st->tier = 0;
	for (int i = 0; i < ncols; i++)
		out[i] = NAN;
	if (ncols <= 0 || !s || s->count == 0)
		return;
	if (window_ms <= 0)	/* "all": from the first sample */
		window_ms = end_ms - s->t0 + 1000;
	if (window_ms < 1)
		window_ms = 1;
	int tier = tier_for(s, window_ms);
	st->tier = tier;
	size_t n = ring_len(s, tier);
	if (n == 0)
		return;
	int64_t start = end_ms - window_ms;
	/* typical spacing of points in this tier, for holding values across columns */
	int64_t step;
	if (tier > 0) {
		step = s->tier[tier].span_ms;
	} else {
		ring_point a = ring_get(s, 0, 0), b = ring_get(s, 0, n - 1);
		step = n > 1 ? (b.t_ms - a.t_ms) / (int64_t)(n - 1) : window_ms;
	}
	if (step < 1)
		step = 1;
	int64_t gap = step * 5 / 2;
	size_t i0 = first_at(s, tier, n, start - gap);

	float *lastv = malloc(sizeof(float) * (size_t)ncols);
	int64_t *lastt = malloc(sizeof(int64_t) * (size_t)ncols);
	if (!lastv || !lastt) {
		free(lastv);
		free(lastt);
		return;
	}
	bool have_carry = false;
	int64_t carry_t = 0, newest_t = INT64_MIN;
	float carry_v = NAN;
	for (int c = 0; c < ncols; c++)
		lastt[c] = INT64_MIN;
	for (size_t i = i0; i < n; i++) {
		ring_point p = ring_get(s, tier, i);
		if (p.t_ms > end_ms)
			break;
		newest_t = p.t_ms;
		bool missing = isnan(p.mean);
		if (p.t_ms < start) {	/* before the window: only a value to hold */
			have_carry = true;
			carry_t = p.t_ms;
			carry_v = missing ? NAN : p.max;
			continue;
		}
		int c = (int)((p.t_ms - start) * ncols / window_ms);
		if (c >= ncols)
			c = ncols - 1;
		if (!missing) {
			st->points++;
			st->last = p.mean;
			if (isnan(st->min) || p.min < st->min)
				st->min = p.min;
			if (isnan(st->max) || p.max > st->max)
				st->max = p.max;
			if (isnan(out[c]) || p.max > out[c])
				out[c] = p.max;
		}
		lastt[c] = p.t_ms;
		lastv[c] = missing ? NAN : p.max;	/* held as drawn: the max */
	}
	for (int c = 0; c < ncols; c++) {
		if (lastt[c] != INT64_MIN) {
			have_carry = true;
			carry_t = lastt[c];
			carry_v = lastv[c];
			continue;
		}
		int64_t col_t = start + (int64_t)c * window_ms / ncols;
		if (have_carry && col_t - carry_t < gap && col_t <= newest_t)
			out[c] = carry_v;
	}
	free(lastv);
	free(lastt);
}

/* Level 1..nlev of v on [lo, hi]; 0 for NaN. */
static int level_of(float v, double lo, double hi, int nlev, bool zero_based)
{
	if (isnan(v))
		return 0;
	if (!(hi > lo))
		return zero_based && v <= lo ? 1 : (nlev + 1) / 2;
	double f = (v - lo) / (hi - lo);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	return 1 + (int)lround(f * (nlev - 1));
}

void sparkline_draw(const canvas *c, rect r, const ring *s, const spark_opts *o)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	attr_t a = o->attr ? o->attr : canvas_attr(c, o->role);
	canvas_clear(c, r, o->attr ? o->attr : canvas_attr(c, ROLE_DEFAULT));
	spark_style style = c->ascii ? SPARK_ASCII : c->braille ? SPARK_BRAILLE : SPARK_BLOCKS;

	/* labels: current value, then min..max when there is room */
	char cur[24] = "", lo_s[24] = "", hi_s[24] = "", label[80] = "";
	int gw = r.w;
	float cols[SPARK_MAXCOLS];
	int per = style == SPARK_BRAILLE ? 2 : 1;
	spark_stats st;
	int ncols = gw;
	if (o->fmt && r.w >= 16) {
		/* stats first (width independent), then size the graph */
		sparkline_columns(s, o->end_ms, o->window_ms, 1, cols, &st);
		o->fmt(cur, sizeof cur, st.last);
		if (r.w >= 40 && !isnan(st.min)) {
			o->fmt(lo_s, sizeof lo_s, st.min);
			o->fmt(hi_s, sizeof hi_s, st.max);
			snprintf(label, sizeof label, " %s %s%s%s%s", cur, c->ascii ? "v" : "\xe2\x86\x93",
				 lo_s, c->ascii ? "^" : "\xe2\x86\x91", hi_s);
		} else {
			snprintf(label, sizeof label, " %s", cur);
		}
		gw = r.w - canvas_width(label, c->ascii);
		if (gw < 4) {
			gw = r.w;
			label[0] = 0;
		}
		ncols = gw;
	}
	if (ncols * per > SPARK_MAXCOLS)
		ncols = SPARK_MAXCOLS / per;
	sparkline_columns(s, o->end_ms, o->window_ms, ncols * per, cols, &st);

	double lo = o->lo, hi = o->hi;
	if (isnan(lo))
		lo = o->zero_based ? (isnan(st.min) || st.min > 0 ? 0 : st.min) : st.min;
	if (isnan(hi))
		hi = st.max;
	if (isnan(o->hi) && o->min_span > 0 && !isnan(lo) && hi < lo + o->min_span)
		hi = lo + o->min_span;
	int per_row = style == SPARK_BRAILLE ? 4 : style == SPARK_ASCII ? ASCII_LEVELS : 8;
	int nlev = per_row * r.h;
	for (int x = 0; x < ncols; x++) {
		int lv[2];
		for (int k = 0; k < per; k++)
			lv[k] = level_of(cols[x * per + k], lo, hi, nlev, o->zero_based);
		for (int row = 0; row < r.h; row++) {	/* row 0 = bottom */
			int y = r.y + r.h - 1 - row;
			int base = row * per_row;
			if (style == SPARK_BRAILLE) {
				static const unsigned lbits[4] = { 0x40, 0x04, 0x02, 0x01 };
				static const unsigned rbits[4] = { 0x80, 0x20, 0x10, 0x08 };
				unsigned bits = 0;
				for (int d = 0; d < 4; d++) {
					if (lv[0] > base + d)
						bits |= lbits[d];
					if (lv[1] > base + d)
						bits |= rbits[d];
				}
				if (bits)
					canvas_glyph(c, y, r.x + x, (wchar_t)(0x2800 + bits), '.', a);
				continue;
			}
			int l = lv[0] - base;
			if (l <= 0)
				continue;
			if (l > per_row)
				l = per_row;
			if (style == SPARK_ASCII)
				canvas_glyph(c, y, r.x + x, (wchar_t)ascii_lv[l - 1], ascii_lv[l - 1], a);
			else
				canvas_glyph(c, y, r.x + x, blocks[l - 1], '#', a);
		}
	}
	if (label[0])
		canvas_text_attr(c, r.y, r.x + gw, r.w - gw, label, o->attr ? o->attr : canvas_attr(c, ROLE_DIM));
}
