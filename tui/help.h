/* help — the key help screen, generated from key_table (tui/keys.h).  Pure
 * drawing of the whole screen (stdscr's size) from the ui state. */
#ifndef VITALS_HELP_H
#define VITALS_HELP_H

#include <curses.h>

#include "tui/ui.h"

void help_draw(WINDOW *w, const ui_state *ui);
/* Largest useful ui.help_scroll at the current terminal size (0: all fits). */
int help_max_scroll(void);

#endif
