/* proc_table — the process list: one row per process, a header row with the
 * sort column marked (▲ ascending, ▼ descending).
 *
 * Columns: PID, NAME, S(tate), CPU%, RSS, THR(eads), HEAP used/limit and LAG
 * p99 for attached processes — for the others the last two cells say why
 * there is no probe data ("not attached", "attaching…", the probe error) —
 * then RSS and CPU sparklines over the window when the rect is wide enough.
 * Exited rows are dimmed and say "exited"; the selected row is highlighted.
 * Narrow rects drop the least important columns first (sparklines, THR,
 * LAG, HEAP, S) so any width from 1 up draws something sensible.
 */
#ifndef VITALS_PROC_TABLE_H
#define VITALS_PROC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "widgets/canvas.h"

typedef struct proc_table_opts {
	int sort;		/* sort_col of tui/ui.h: SORT_PID .. SORT_LAG */
	bool sort_desc;		/* direction, for the marker */
	int selected_pid;
	int64_t end_ms, window_ms;	/* sparkline window */
	const char *empty;	/* said when there are no rows (NULL: "no processes") */
	bool paused;		/* show values as of end_ms (scrolled back), not the latest */
} proc_table_opts;

/* Draw rows[first..] below a header in r (r.h - 1 data rows). */
void proc_table_draw(const canvas *c, rect r, vproc *const *rows, size_t nrows, size_t first,
		     const proc_table_opts *o);
/* What the heap/lag cells say for a process without probe data ("" if it has). */
const char *proc_table_probe_text(const vproc *p);

#endif
