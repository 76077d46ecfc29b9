/* sparkline — one ring series drawn over a time window in a rect of any size.
 *
 * The window ends at end_ms (the ui's right edge: now when live, earlier when
 * paused or scrolled back) and spans window_ms; columns are whole, aligned
 * slices of it (spark_axis).  The ring tier is the finest that covers the
 * window (as ring_tier_for, allowing a shortfall of two entries); when
 * several points fall into one column the column shows their MAX, so a
 * one-second spike survives a one-hour view.  A column with no point holds
 * the previous point's value across normal sampling gaps (so a wide rect
 * over a short window is continuous); a missing sample (NaN) or a real gap
 * leaves the column blank.  Real data is never drawn blank: the lowest level
 * is ▁ (or '.'), so zero and "no data" differ.  An automatic scale is
 * rounded out to a step of its magnitude so it does not shift every tick.
 *
 * Glyphs: blocks ▁▂▃▄▅▆▇█ (8 levels per row), braille (two points per cell, 4
 * levels per row) or ASCII ".:-=+*#%@" (9 levels).  With h > 1 rows a column
 * stacks full cells under a partial top.  When a format function is given and
 * the rect is wide enough, the current value (and the window min/max when wider
 * still) is printed right of the graph.
 */
#ifndef VITALS_SPARKLINE_H
#define VITALS_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ring.h"
#include "widgets/canvas.h"

typedef enum spark_style { SPARK_BLOCKS = 0, SPARK_BRAILLE, SPARK_ASCII } spark_style;

/* Formats one value for the labels ("84.2M", "12.3%", "3.4ms"). */
typedef size_t (*spark_fmt)(char *buf, size_t n, double v);

typedef struct spark_opts {
	int64_t end_ms;		/* right edge of the time axis */
	int64_t window_ms;	/* span; <= 0: all the history the ring keeps */
	theme_role role;
	spark_fmt fmt;		/* labels when wide enough; NULL: graph only */
	double lo, hi;		/* fixed scale; NAN: from the window's data */
	bool zero_based;	/* automatic scale starts at 0, not the minimum */
	double min_span;	/* automatic scale spans at least this much (noise
				   on a flat series stays low) */
	attr_t attr;		/* nonzero: draw with this instead of role */
} spark_opts;

/* Automatic scale from 0, no minimum span. */
spark_opts spark_opts_make(int64_t end_ms, int64_t window_ms, theme_role role, spark_fmt fmt);

/* Window statistics of one sparkline computation. */
typedef struct spark_stats {
	double min, max, last;	/* NaN when the window holds no data */
	size_t points;		/* points inside the window */
	int tier;		/* ring tier used */
} spark_stats;

/* The time axis of ncols columns for a window ending at end_ms: columns
 * are col_ms = window/ncols wide and aligned on multiples of col_ms, the
 * last one holding end_ms.  The graph then moves a whole column at a time —
 * between two ticks most cells stay the same, so the terminal gets little
 * output — and every widget with the same width and window (sparklines,
 * GC marks) puts a given moment in the same column. */
void spark_axis(int64_t end_ms, int64_t window_ms, int ncols, int64_t *start, int64_t *col_ms);

/* The value of each of ncols columns (NaN = blank) for the window ending at
 * end_ms; st may be NULL.  Pure: no curses. */
void sparkline_columns(const ring *s, int64_t end_ms, int64_t window_ms, int ncols, float *out,
		       spark_stats *st);
/* Draw s in r (style from the canvas: ascii, braille or blocks). */
void sparkline_draw(const canvas *c, rect r, const ring *s, const spark_opts *o);

#endif
