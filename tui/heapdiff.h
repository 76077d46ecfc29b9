/* heapdiff — the heap-diff screen: the report of `vitals heap diff` on the
 * selected process's last two heap snapshots, computed on the thread pool
 * (tui/heapdiff.c, app_start_diff in tui/app_priv.h) and shown as scrolling
 * text.  The drawing here is pure: (WINDOW, const model, const ui_state). */
#ifndef VITALS_HEAPDIFF_H
#define VITALS_HEAPDIFF_H

#include <curses.h>

#include "base/model.h"
#include "tui/ui.h"

/* Title, ui->heapdiff_text from line ui->heapdiff_scroll, status line. */
void heapdiff_draw(WINDOW *w, const model *m, const ui_state *ui);

#endif
