/* proc_table — the process list: one row per process, a header row with the
 * sort column marked (▲ ascending, ▼ descending).
 *
 * Columns: HOST while processes of more than one host are watched (else a
 * remote host is said as HOST:name), PID, NAME, S(tate), CPU%, RSS, THR(eads), HEAP used/limit and LAG
 * p99 for attached processes — for the others the last two cells say why
 * there is no probe data ("not attached", "attaching…", the probe error) —
 * REQ/S while some row serves HTTP (the probe saw server requests),
 * OOM IN while some row has a leak's time to OOM, then RSS and CPU
 * sparklines over the window when the rect is wide enough.
 * The numbers and their colours come in proc_table_row, chosen by the view.
 * Exited rows are dimmed and say "exited"; the selected row is highlighted.
 * Narrow rects drop the least important columns first (sparklines, THR,
 * LAG, HEAP, S) so any width from 1 up draws something sensible.
 */
#ifndef VITALS_PROC_TABLE_H
#define VITALS_PROC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/model.h"
#include "widgets/canvas.h"

/* The columns that can carry the sort marker. */
typedef enum proc_table_sort {
	PT_SORT_NONE = -1, PT_SORT_PID, PT_SORT_NAME, PT_SORT_CPU, PT_SORT_RSS, PT_SORT_HEAP, PT_SORT_LAG
} proc_table_sort;

/* One row as the view decided it: the numbers of the moment shown and the
 * colour each deserves (the thresholds are the view's, not the widget's). */
typedef struct proc_table_row {
	const vproc *p;		/* pid, label, state, threads, probe state, RSS/CPU series */
	double cpu, rss;	/* NaN: none */
	double heap_used, heap_limit, lag;	/* shown when the probe has data */
	double oom_s;		/* a firing leak's time to OOM, s (vproc.oom_in_s); 0 none */
	bool http;		/* serves HTTP: the REQ/S cell shows rps (NaN: "-") */
	double rps;
	theme_role cpu_role, heap_role, lag_role, oom_role;	/* ROLE_DEFAULT, or a warning's role */
	const char *tree;	/* drawn before the name: "├─ " in a tree view, or NULL */
	int folded;		/* processes folded into this row (its numbers are totals) */
	double elu;		/* event-loop utilisation 0..1, NaN: none */
	const worker_info *w;	/* a sub-row of p's worker thread w: heap, lag, ELU
				 * and CPU (its thread's) are the worker's; no PID or RSS */
} proc_table_row;

typedef struct proc_table_opts {
	proc_table_sort sort;	/* column with the sort marker */
	bool sort_desc;		/* direction, for the marker */
	int selected_pid;
	int64_t end_ms, window_ms;	/* sparkline window */
	const char *empty;	/* said when there are no rows (NULL: "no processes") */
	bool hosts;		/* processes of more than one host: a HOST column */
	int selected_worker;	/* with selected_pid: the selected worker sub-row (thread id), 0 none */
} proc_table_opts;

/* Draw rows[0..nrows) (as many as fit: r.h - 1) below a header in r. */
void proc_table_draw(const canvas *c, rect r, const proc_table_row *rows, size_t nrows,
		     const proc_table_opts *o);
/* What the heap/lag cells say for a process without probe data ("" if it has). */
const char *proc_table_probe_text(const vproc *p);

#endif
