/* gc_timeline — GC marks on a time axis; see gc_timeline.h.
 *
 * Events come from the vnode's GC log (oldest first, bounded by GC_LOG_CAP).
 * Columns come from spark_axis(), like the sparklines', so a GC mark sits
 * under the lag spike it caused when both have the same width.
 */
#include "widgets/gc_timeline.h"

#include <stdio.h>
#include <string.h>

#include "base/fmt.h"
#include "widgets/sparkline.h"

/* lanes, in display order */
static const struct {
	int kind;
	const char *label;
	wchar_t glyph;
	char ascii;
	theme_role role;
} lanes[4] = {
	{ GC_MINOR, "minor", L'\x00b7', '.', ROLE_GC_MINOR },
	{ GC_MAJOR, "major", L'\x25cf', 'O', ROLE_GC_MAJOR },
	{ GC_INCREMENTAL, "incr", L'\x25c6', '+', ROLE_GC_INCR },
	{ GC_WEAKCB, "weak", L'\x25cb', 'w', ROLE_GC_WEAK },
};

/* importance for the single-lane view: long > major > incr > weak > minor */
static int rank_of(const gc_event *e, double long_ms)
{
	if (e->dur_ms > long_ms)
		return 5;
	switch (e->kind) {
	case GC_MAJOR: return 4;
	case GC_INCREMENTAL: return 3;
	case GC_WEAKCB: return 2;
	default: return 1;
	}
}

static int lane_of(int kind)
{
	for (int i = 0; i < 4; i++)
		if (lanes[i].kind == kind)
			return i;
	return 0;
}

static int64_t effective_window(const vnode *n, int64_t end_ms, int64_t window_ms)
{
	if (window_ms > 0)
		return window_ms;
	int64_t first = n->heap_used_r.count ? n->heap_used_r.t0 : end_ms - 60000;
	if (n->gc_len && model_gc_get(n, 0).t_ms < first)
		first = model_gc_get(n, 0).t_ms;
	return end_ms - first > 1000 ? end_ms - first : 1000;
}

void gc_timeline_summary(const vnode *n, int64_t end_ms, int64_t window_ms, double long_ms,
			 gc_summary *o)
{
	memset(o, 0, sizeof *o);
	if (!n)
		return;
	window_ms = effective_window(n, end_ms, window_ms);
	int64_t start = end_ms - window_ms;
	for (uint32_t i = n->gc_len; i-- > 0;) {
		gc_event ev = model_gc_get(n, i);
		const gc_event *e = &ev;
		if (e->t_ms > end_ms)
			continue;
		if (e->t_ms <= start)
			break;
		o->count[gc_kind_index(e->kind)]++;
		o->total_ms += e->dur_ms;
		if (e->dur_ms > o->max_ms)
			o->max_ms = e->dur_ms;
		if (e->dur_ms > long_ms)
			o->nlong++;
	}
	/* A process watched for 10 s of a 60 s window: GC share of those 10 s. */
	int64_t from = start;
	if (n->heap_used_r.count && n->heap_used_r.t0 > from)
		from = n->heap_used_r.t0;
	gc_event oldest = model_gc_get(n, 0);
	if (n->gc_len == GC_LOG_CAP && oldest.t_ms > from)
		from = oldest.t_ms;	/* the log wrapped: we know nothing earlier */
	o->wall_ms = (double)(end_ms - from);
	if (o->wall_ms < 1000)
		o->wall_ms = 1000;
	o->pct = o->total_ms / o->wall_ms * 100.0;
}

static void draw_summary(const canvas *c, int y, int x, int w, const gc_summary *s)
{
	char pct[16], mx[16], line[200];
	fmt_pct(pct, sizeof pct, s->pct);
	fmt_ms(mx, sizeof mx, s->max_ms);
	int used = canvas_text(c, y, x, w, "GC ", ROLE_TITLE);
	theme_role pr = s->pct >= 10 ? ROLE_CRIT : s->pct >= 3 ? ROLE_WARN : ROLE_DEFAULT;
	used += canvas_text(c, y, x + used, w - used, pct, pr);
	if (w >= 60)
		snprintf(line, sizeof line, " of wall time  minor %d  major %d  incr %d  weak %d  max %s",
			 s->count[0], s->count[1], s->count[2], s->count[3], mx);
	else
		snprintf(line, sizeof line, "  %d/%d/%d/%d  max %s", s->count[0], s->count[1],
			 s->count[2], s->count[3], mx);
	used += canvas_text(c, y, x + used, w - used, line, ROLE_DIM);
	if (s->nlong && w - used > 8) {
		snprintf(line, sizeof line, "  %d long", s->nlong);
		canvas_text(c, y, x + used, w - used, line, ROLE_GC_LONG);
	}
}

/* Marks of one lane (lane = -1: all kinds, most important wins). */
static void draw_lane(const canvas *c, int y, int x, int w, const vnode *n, int64_t end_ms,
		      int64_t window_ms, double long_ms, int lane)
{
	if (w <= 0)
		return;
	unsigned char rank[1024];
	gc_event best[1024];
	if (w > 1024)
		w = 1024;
	int64_t start, col_ms;
	spark_axis(end_ms, window_ms, w, &start, &col_ms);	/* columns as the sparklines' */
	memset(rank, 0, (size_t)w);
	for (uint32_t i = n->gc_len; i-- > 0;) {
		gc_event ev = model_gc_get(n, i);
		const gc_event *e = &ev;
		if (e->t_ms > end_ms)
			continue;
		if (e->t_ms < start)
			break;
		if (lane >= 0 && lane_of(e->kind) != lane && e->kind != 0)
			continue;
		if (lane >= 0 && e->kind == 0)
			continue;
		int col = (int)((e->t_ms - start) / col_ms);
		if (col >= w)
			col = w - 1;
		int rk = rank_of(e, long_ms);
		if (rk > rank[col]) {
			rank[col] = (unsigned char)rk;
			best[col] = ev;
		}
	}
	for (int i = 0; i < w; i++) {
		if (!rank[i])
			continue;
		/* scan-build: best[i] is set wherever rank[i] is, and only those are read */
		const gc_event *e = &best[i];
		if (rank[i] == 5) {
			canvas_glyph(c, y, x + i, L'\x25b2', '!', canvas_attr(c, ROLE_GC_LONG));
			continue;
		}
		int l = lane_of(e->kind);
		canvas_glyph(c, y, x + i, lanes[l].glyph, lanes[l].ascii, canvas_attr(c, lanes[l].role));
	}
}

void gc_timeline_draw(const canvas *c, rect r, const vnode *n, int64_t end_ms, int64_t window_ms,
		      double long_ms)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	canvas_clear(c, r, canvas_attr(c, ROLE_DEFAULT));
	if (!n) {
		canvas_text(c, r.y, r.x, r.w, "GC: no probe data", ROLE_DIM);
		return;
	}
	window_ms = effective_window(n, end_ms, window_ms);
	gc_summary s;
	gc_timeline_summary(n, end_ms, window_ms, long_ms, &s);
	if (r.h == 1) {
		draw_lane(c, r.y, r.x, r.w, n, end_ms, window_ms, long_ms, -1);
		return;
	}
	draw_summary(c, r.y, r.x, r.w, &s);
	int lw = r.w >= 30 ? 6 : 0;	/* lane labels */
	if (r.h >= 6) {
		for (int l = 0; l < 4; l++) {
			if (lw)
				canvas_text(c, r.y + 1 + l, r.x, lw, lanes[l].label, lanes[l].role);
			canvas_hline(c, r.y + 1 + l, r.x + lw, r.w - lw, canvas_attr(c, ROLE_BORDER));
			draw_lane(c, r.y + 1 + l, r.x + lw, r.w - lw, n, end_ms, window_ms, long_ms, l);
		}
	} else {
		if (lw)
			canvas_text(c, r.y + 1, r.x, lw, "gc", ROLE_DIM);
		draw_lane(c, r.y + 1, r.x + lw, r.w - lw, n, end_ms, window_ms, long_ms, -1);
	}
	int axis_y = r.h >= 6 ? r.y + 5 : r.y + 2;
	if (axis_y < r.y + r.h) {
		char left[32], lbl[40];
		fmt_duration(left, sizeof left, window_ms);
		snprintf(lbl, sizeof lbl, "-%s", left);
		canvas_text(c, axis_y, r.x + lw, r.w - lw, lbl, ROLE_DIM);
		fmt_clock(lbl, sizeof lbl, end_ms);
		if (r.w - lw >= 24)
			canvas_text_right(c, axis_y, r.x + lw, r.w - lw, lbl, canvas_attr(c, ROLE_DIM));
	}
}
