/* gc_timeline — a process's GC events over the time window.
 *
 * Each event is a mark at its time, by kind: minor (scavenge) '·', major
 * (mark-compact) '●', incremental marking '◆', weak callbacks '○' (ASCII:
 * . O + w), each in its own role; a pause longer than long_ms is drawn '▲'
 * ('!') in ROLE_GC_LONG whatever its kind.  With room (h >= 6) every kind
 * gets its own lane; otherwise one lane shows the most important mark of
 * each column (long > major > incremental > weak > minor).  The first row
 * is a summary: GC time as % of wall time in the window, counts per kind and
 * the longest pause.
 */
#ifndef VITALS_GC_TIMELINE_H
#define VITALS_GC_TIMELINE_H

#include <stdint.h>

#include "base/model.h"
#include "widgets/canvas.h"

#define GC_LONG_MS_DEFAULT 50.0

typedef struct gc_summary {
	int count[5];		/* by gc_kind_index() */
	int nlong;		/* pauses above long_ms */
	double total_ms, max_ms;
	double wall_ms;		/* the part of the window we have data for */
	double pct;		/* total_ms / wall_ms * 100 */
} gc_summary;

/* Summarise the events in (end_ms - window_ms, end_ms]; window_ms <= 0: all.
 * The wall time starts no earlier than the first probe sample. */
void gc_timeline_summary(const vnode *n, int64_t end_ms, int64_t window_ms, double long_ms,
			 gc_summary *out);
void gc_timeline_draw(const canvas *c, rect r, const vnode *n, int64_t end_ms, int64_t window_ms,
		      double long_ms);

#endif
