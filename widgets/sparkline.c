/* sparkline — time-aligned bucketed graphs of a ring; see sparkline.h.
 *
 * Column c covers [start + c*W/n, start + (c+1)*W/n) where W is the window and
 * start = end - W.  Pass 1 puts every point of the chosen tier inside the
 * window into its column (max of the points' max).  Pass 2 fills the empty
 * columns with the last value seen before them, but only within `gap` of that
 * point (2.5 sampling intervals) — or, between two points, when they are at
 * most SPARK_HOLD_MS apart (an idle app's probe samples every 10 s while
 * others come every second: the later point measured that window) — and
 * never past end_ms: real gaps stay visible and nothing is invented after the
 * data ends.
 */
#include "widgets/sparkline.h"

#define SPARK_MAXCOLS 1024	/* columns drawn at most (braille: values) */
#define SPARK_HOLD_MS 25000	/* 2.5 coalesced probe samples (10 s) */

#include <math.h>
#include <stdlib.h>
#include <string.h>


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

void spark_axis(int64_t end_ms, int64_t window_ms, int ncols, int64_t *start, int64_t *col_ms)
{
	int64_t cm = ncols > 0 ? window_ms / ncols : window_ms;
	if (cm < 1)
		cm = 1;
	int64_t end_q = (end_ms >= 0 ? end_ms / cm + 1 : end_ms / cm) * cm;
	*start = end_q - cm * (ncols > 0 ? ncols : 1);
	*col_ms = cm;
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
		if (ring_tier_stored(s, i) < ring_tier_cap(s, i))
			return i;
		int64_t first = ring_get(s, i, 0).t_ms, covered = s->last_t - first;
		int64_t step = i > 0 ? ring_tier_span(s, i) : (n > 1 ? covered / (int64_t)(n - 1) : 0);
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
	int64_t start, col_ms;
	spark_axis(end_ms, window_ms, ncols, &start, &col_ms);
	/* typical spacing of points in this tier, for holding values across columns */
	int64_t step;
	if (tier > 0) {
		step = ring_tier_span(s, tier);
	} else {
		ring_point a = ring_get(s, 0, 0), b = ring_get(s, 0, n - 1);
		step = n > 1 ? (b.t_ms - a.t_ms) / (int64_t)(n - 1) : 1000;
	}
	if (step < 1)
		step = 1;
	int64_t gap = step * 5 / 2;
	size_t i0 = first_at(s, tier, n, start - gap);

	float lastv_s[SPARK_MAXCOLS];
	int64_t lastt_s[SPARK_MAXCOLS], firstt_s[SPARK_MAXCOLS];
	bool heap = ncols > SPARK_MAXCOLS;
	float *lastv = heap ? malloc(sizeof(float) * (size_t)ncols) : lastv_s;
	int64_t *lastt = heap ? malloc(sizeof(int64_t) * (size_t)ncols) : lastt_s;
	int64_t *firstt = heap ? malloc(sizeof(int64_t) * (size_t)ncols) : firstt_s;
	if (!lastv || !lastt || !firstt) {
		if (heap) {
			free(lastv);
			free(lastt);
			free(firstt);
		}
		return;
	}
	bool have_carry = false;
	int64_t carry_t = 0;
	float carry_v = NAN;
	for (int c = 0; c < ncols; c++)
		lastt[c] = INT64_MIN;
	/* ring_cursor walks the tier without a modulo per point: a frame of 50
	 * rows over an hour reads tens of thousands of points */
	ring_cursor cur;
	ring_cursor_init(&cur, s, tier, i0);
	int col = 0;
	int64_t next_bound = start + col_ms;
	for (size_t i = i0; i < n; i++) {
		ring_point p;
		ring_cursor_next(&cur, &p);
		if (p.t_ms > end_ms)
			break;
		bool missing = isnan(p.mean);
		if (p.t_ms < start) {	/* before the window: only a value to hold */
			have_carry = true;
			carry_t = p.t_ms;
			carry_v = missing ? NAN : p.max;
			continue;
		}
		/* points come in time order: step the column forward instead of
		 * dividing for every point */
		while (col + 1 < ncols && p.t_ms >= next_bound) {
			col++;
			next_bound += col_ms;
		}
		int c = col;
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
		if (lastt[c] == INT64_MIN)
			firstt[c] = p.t_ms;
		lastt[c] = p.t_ms;
		lastv[c] = missing ? NAN : p.max;	/* held as drawn: the max */
	}
	int nf = 0;	/* the next column with a point, past c */
	for (int c = 0; c < ncols; c++) {
		if (lastt[c] != INT64_MIN) {
			have_carry = true;
			carry_t = lastt[c];
			carry_v = lastv[c];
			continue;
		}
		while (nf < ncols && (nf <= c || lastt[nf] == INT64_MIN))
			nf++;
		int64_t col_t = start + (int64_t)c * col_ms;
		bool held = col_t - carry_t < gap || (nf < ncols && firstt[nf] - carry_t <= SPARK_HOLD_MS);
		if (have_carry && held && col_t <= end_ms)
			out[c] = carry_v;
	}
	if (heap) {
		free(lastv);
		free(lastt);
		free(firstt);
	}
}

/* Level 1..nlev of v on [lo, hi]; 0 for NaN. */
static int level_of(float v, double lo, double hi, int nlev, bool zero_based)
{
	if (isnan(v))
		return 0;
	if (!(hi > lo))
		return zero_based && v <= lo ? 1 : (nlev + 1) / 2;
	double f = (v - lo) / (hi - lo);
	if (isnan(f))	/* infinities in the data: top or bottom, never a cast of NaN */
		f = v >= hi ? 1 : 0;
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
	spark_style style = c->ascii ? SPARK_ASCII : c->braille ? SPARK_BRAILLE : SPARK_BLOCKS;

	/* labels: current value, then min..max when there is room */
	char cur[24] = "", lo_s[24] = "", hi_s[24] = "", label[80] = "";
	int gw = r.w;
	float cols[SPARK_MAXCOLS];
	int per = style == SPARK_BRAILLE ? 2 : 1;
	spark_stats st;
	int ncols = gw;
	if (o->fmt && r.w >= 16) {
		/* stats first, then size the graph.  Columns are aligned on
		 * multiples of their width (spark_axis), so the stats are taken
		 * over the finest axis: one column would be aligned on the whole
		 * window and hold only the time since its last multiple (at
		 * 12:00:02 a 1-minute window's min/max would cover 2 s). */
		sparkline_columns(s, o->end_ms, o->window_ms, SPARK_MAXCOLS, cols, &st);
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
	if ((isnan(o->lo) || isnan(o->hi)) && hi > lo) {
		/* round an automatic scale out to a step of its own magnitude, so
		 * it does not move with every sample (each move redraws the whole
		 * graph, on screen and down the terminal line) */
		double step = pow(10, floor(log10(hi - lo))) / 2;
		if (isnan(o->lo))
			lo = floor(lo / step) * step;
		if (isnan(o->hi))
			hi = ceil(hi / step) * step;
	}
	int per_row = style == SPARK_BRAILLE ? 4 : style == SPARK_ASCII ? ASCII_LEVELS : 8;
	int nlev = per_row * r.h;
	short lv[SPARK_MAXCOLS];	/* levels of the columns' values */
	for (int x = 0; x < ncols * per; x++)
		lv[x] = (short)level_of(cols[x], lo, hi, nlev, o->zero_based);
	/* Each row is built as cells and written with one call: a frame of 50
	 * rows of sparklines is thousands of cells, and wadd_wch per cell is
	 * several times dearer than filling a cchar_t. */
	cchar_t line[SPARK_MAXCOLS];
	attr_t bg = o->attr ? o->attr : canvas_attr(c, ROLE_DEFAULT);
	short pa = (short)PAIR_NUMBER(a), pb = (short)PAIR_NUMBER(bg);
	for (int row = 0; row < r.h; row++) {	/* row 0 = bottom */
		int y = r.y + r.h - 1 - row;
		int base = row * per_row;
		for (int x = 0; x < ncols; x++) {
			wchar_t wc[2] = { L' ', 0 };
			if (style == SPARK_BRAILLE) {
				static const unsigned lbits[4] = { 0x40, 0x04, 0x02, 0x01 };
				static const unsigned rbits[4] = { 0x80, 0x20, 0x10, 0x08 };
				unsigned bits = 0;
				for (int d = 0; d < 4; d++) {
					if (lv[2 * x] > base + d)
						bits |= lbits[d];
					if (lv[2 * x + 1] > base + d)
						bits |= rbits[d];
				}
				if (bits)
					wc[0] = (wchar_t)(0x2800 + bits);
			} else {
				int l = lv[x] - base;
				if (l > per_row)
					l = per_row;
				if (l > 0)
					wc[0] = style == SPARK_ASCII ? (wchar_t)ascii_lv[l - 1] : blocks[l - 1];
			}
			if (wc[0] == L' ')
				setcchar(&line[x], wc, bg & ~A_COLOR, pb, NULL);
			else
				setcchar(&line[x], wc, a & ~A_COLOR, pa, NULL);
		}
		mvwadd_wchnstr(c->w, y, r.x, line, ncols);
		if (ncols < r.w)	/* label area (or beyond the column cap) */
			canvas_fill(c, y, r.x + ncols, r.w - ncols, bg);
	}
	if (label[0])
		canvas_text_attr(c, r.y, r.x + gw, r.w - gw, label, o->attr ? o->attr : canvas_attr(c, ROLE_DIM));
}
