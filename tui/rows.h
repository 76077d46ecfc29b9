/* rows — the processes the overview shows, in display order: filtered by the
 * name filter (case-insensitive substring of the name or the command line)
 * and sorted by ui->sort (stable: equal keys keep model order, so rows do not
 * jump between frames).  Pure; the app sorts once per paint (rows_build) and
 * hands the list to the overview, and moves the selection (j/k/arrows)
 * through exactly these rows. */
#ifndef VITALS_ROWS_H
#define VITALS_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/model.h"
#include "tui/ui.h"

/* The visible processes of one moment, in display order.  Owned by whoever
 * holds it (the app keeps one); the pointers are into the model and good
 * until the model next changes. */
typedef struct row_list {
	vproc **v;
	size_t n, cap;
	/* tree view (ui->tree): per row, its depth under its group's leader,
	 * whether it is the last of its siblings, and how many processes are
	 * folded into it (0: none); all 0 in the flat view */
	unsigned char *depth;
	bool *last;
	int *folded;
	/* per row, the thread id of a worker-thread sub-row (v[i] is then its
	 * process, whose row comes first), 0 for a process's own row */
	int *worker;
} row_list;

/* Refill l with the visible processes (l->v grows as needed).  In the tree
 * view a process comes right after its parent (siblings in sort order) and
 * the members of a folded process are left out.  An attached process's
 * worker threads follow its row as sub-rows (not under a folded row). */
void rows_build(row_list *l, const model *m, const ui_state *ui);
void rows_free(row_list *l);
/* Fill out[0..max) with the visible processes; returns how many. */
size_t rows_visible(const model *m, const ui_state *ui, vproc **out, size_t max);
/* Is the sort descending for this column and invert flag?  PID and NAME
 * sort ascending by default, the measures (CPU, RSS, HEAP, LAG) biggest first. */
bool rows_sort_desc(sort_col col, bool invert);
/* Whether p passes the filter ("" passes everything): name, command line,
 * container or host, ignoring case.  The search (F3) uses the same rule. */
bool rows_match(const vproc *p, const char *filter);
/* Is pid folded (ui->folded)? */
bool rows_is_folded(const ui_state *ui, int pid);
/* Is q p, or below p in the parent links of the model? */
bool rows_descends(const model *m, const vproc *q, const vproc *p);
/* Index of pid in rows, or -1. */
int rows_index(vproc *const *rows, size_t n, int pid);
/* Index of the row of pid's worker thread `worker` (0: pid's own row), or -1. */
int rows_index_sel(const row_list *l, int pid, int worker);

#endif
