/* explore_tui — `vitals heap explore FILE`: DevTools' Summary, Containment
 * and Retainers views of a snapshot in the terminal (curses), keyboard
 * driven, usable at 80x24.  The model is explore.h; this draws it.
 */
#ifndef VITALS_HEAP_EXPLORE_TUI_H
#define VITALS_HEAP_EXPLORE_TUI_H

#include "heap/devtools.h"

/* Runs until q or the end of input; returns the exit status (0; 1 when the
 * file cannot be loaded, message on stderr; 2 without a terminal). */
int heap_explore_main(const char *path, heap_view view);

#endif
