/* prompt — the question or filter line over the bottom of the screen; see
 * prompt.c.  Drawing is pure (ui state → cells); the keys that answer are
 * prompt_key in tui/app_priv.h. */
#ifndef VITALS_PROMPT_H
#define VITALS_PROMPT_H

#include <curses.h>

#include "tui/ui.h"

/* The question being asked (or the filter being typed) over the bottom
 * lines of w: wrapped, so that a long question keeps its "y/n" on screen at
 * 80 columns; at most half the screen, keeping the end. */
void prompt_draw(WINDOW *w, const ui_state *ui);

#endif
