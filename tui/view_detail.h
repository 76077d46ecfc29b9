/* view_detail — one process in full: RSS, CPU (user/sys), heap used/total/
 * limit, event-loop lag p50/p99/max and ELU with sparklines, threads/fds and
 * handles by type, the V8 heap spaces, the GC timeline, captured files and,
 * for a launched program, its output.  A process without a probe says so
 * ("not attached — press a to attach").  80x24 shows the essentials; wide
 * terminals get two columns, tall ones taller graphs and more of the log. */
#ifndef VITALS_VIEW_DETAIL_H
#define VITALS_VIEW_DETAIL_H

#include <curses.h>

#include "base/model.h"
#include "tui/ui.h"

void view_detail_draw(WINDOW *w, const model *m, const ui_state *ui);

#endif
