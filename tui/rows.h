/* rows — the processes the overview shows, in display order: filtered by the
 * name filter (case-insensitive substring of the name or the command line)
 * and sorted by ui->sort (stable: equal keys keep model order, so rows do not
 * jump between frames).  Pure; used by the overview and by the app for
 * selection (j/k/arrows move through exactly these rows). */
#ifndef VITALS_ROWS_H
#define VITALS_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/model.h"
#include "tui/ui.h"

/* Fill out[0..max) with the visible processes; returns how many. */
size_t rows_visible(const model *m, const ui_state *ui, vproc **out, size_t max);
/* Is the sort descending for this column and invert flag?  PID and NAME
 * sort ascending by default, the measures (CPU, RSS, HEAP, LAG) biggest first. */
bool rows_sort_desc(sort_col col, bool invert);
/* Index of pid in rows, or -1. */
int rows_index(vproc *const *rows, size_t n, int pid);

#endif
