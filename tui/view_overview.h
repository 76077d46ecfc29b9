/* view_overview — the main screen: a summary bar, the process table with
 * sparklines, the alert pane, the status line and key hints.  Laid out for
 * 80x24 and up; larger terminals get wider sparklines and more alert lines.
 * Pure drawing: reads the model and the ui state, changes neither. */
#ifndef VITALS_VIEW_OVERVIEW_H
#define VITALS_VIEW_OVERVIEW_H

#include <curses.h>

#include "base/model.h"
#include "tui/rows.h"
#include "tui/ui.h"

/* rows: the visible processes in display order (rows_build), sorted once
 * per paint by the caller. */
void view_overview_draw(WINDOW *w, const model *m, const ui_state *ui, const row_list *rows);
/* The pid of the table row drawn at screen row y for a rows x cols screen
 * (0 if y is not a process row) — for mouse clicks. */
int view_overview_pid_at(const model *m, const ui_state *ui, const row_list *rows, int y, int h, int cols);
/* Process rows the table shows at this screen height (for paging keys). */
int view_overview_table_rows(const model *m, int rows);

#endif
