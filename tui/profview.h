/* profview — the CPU profile screen: when a `p` capture completes, the
 * same top-functions table as `vitals profile summary` (profile/: the
 * Bottom-Up self and total times with file:line), scrolling under a fixed
 * header, sorted by self or total time (< >), Esc back.  The capture is
 * loaded on the thread pool and rendered by profile_report on the loop
 * (tui/profview.c, app_profile_open in tui/app_priv.h); the drawing here is
 * pure: (WINDOW, const model, const ui_state). */
#ifndef VITALS_PROFVIEW_H
#define VITALS_PROFVIEW_H

#include <curses.h>

#include "base/model.h"
#include "tui/ui.h"

/* Lines of the report that stay put while its rows scroll: the file, the
 * sampling summary, a blank line and the column headings. */
#define PROFVIEW_HEAD 4
/* Below this width the table is rendered narrow (names and paths cut). */
#define PROFVIEW_WIDE_COLS 110

/* Title, the report's head, its rows from ui->profile_scroll, status line. */
void profview_draw(WINDOW *w, const model *m, const ui_state *ui);

#endif
