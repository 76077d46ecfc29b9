/* explore_tui — `vitals heap explore FILE`: DevTools' Summary, Containment
 * and Retainers views of a snapshot in the terminal (curses), keyboard
 * driven, usable at 80x24.  The model is explore.h; this draws it and maps
 * keys to it, for the command and for the dashboard (tui/heapview.c).
 */
#ifndef VITALS_HEAP_EXPLORE_TUI_H
#define VITALS_HEAP_EXPLORE_TUI_H

#include <stdbool.h>
#include <wchar.h>

#include "heap/devtools.h"
#include "heap/explore.h"

/* The explorer's screen: an explorer, the title's file name and the state of
 * the prompt and status line.  Drawn on stdscr (the caller refreshes), so
 * the dashboard can show it in place of its own views. */
typedef struct explore_ui explore_ui;

/* Takes ownership of x (not freed on failure: NULL when out of memory).
 * embedded: inside the dashboard (the key line says how to go back). */
explore_ui *explore_ui_new(explore *x, const char *title, bool embedded);
void explore_ui_free(explore_ui *u);
/* Its explorer (owned by u). */
explore *explore_ui_explorer(explore_ui *u);
void explore_ui_draw(explore_ui *u);

typedef enum explore_key {
	EXPLORE_KEY_STAY = 0,	/* the key was handled */
	EXPLORE_KEY_QUIT,	/* q */
	EXPLORE_KEY_TOP,	/* Esc or Left with nothing left to go back to */
} explore_key;
/* A key (curses code or character). */
explore_key explore_ui_key(explore_ui *u, wint_t ch, bool is_key);
/* Take the retained sizes in when they are ready (and do the key that
 * waited for them); true when the screen changed. */
bool explore_ui_tick(explore_ui *u);

/* `vitals heap explore FILE` (after NULL) or `explore BEFORE AFTER` (the
 * diff).  Runs until q or the end of input; returns the exit status (0; 1
 * when a file cannot be loaded, message on stderr; 2 without a terminal). */
int heap_explore_main(const char *path, const char *after, heap_view view);

#endif
