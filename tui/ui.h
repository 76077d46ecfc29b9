/* ui — the state of the screen that is not data: which view, which process is
 * selected, the time window, sort order, filter, pause/scroll-back.  tui/app.c
 * owns one ui_state and changes it on keys; views read it (const) together
 * with the model and draw.  No curses types here besides WINDOW in the view
 * entry points. */
#ifndef VITALS_UI_H
#define VITALS_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "base/model.h"

typedef enum ui_view {
	VIEW_OVERVIEW = 0,
	VIEW_DETAIL,
	VIEW_HELP,
	VIEW_HEAPDIFF,
	VIEW_PROFILE,
	VIEW_EXPLORE,		/* the heap explorer (tui/heapview.c draws it) */
} ui_view;

typedef enum sort_col {
	SORT_PID = 0, SORT_NAME, SORT_CPU, SORT_RSS, SORT_HEAP, SORT_LAG, SORT_NCOLS
} sort_col;

/* Time windows selected by keys 1..5 */
#define UI_NWINDOWS 5
extern const int64_t ui_window_ms[UI_NWINDOWS];	/* 60 s, 5 min, 15 min, 1 h, 0 = all */
extern const char *const ui_window_name[UI_NWINDOWS];

struct theme;

/* A menu over the left of the screen (htop's F6 sort and F9 signal). */
typedef enum ui_menu_kind { MENU_NONE = 0, MENU_SORT, MENU_SIGNAL } ui_menu_kind;
#define UI_MENU_MAX 12
typedef struct ui_menu {
	ui_menu_kind kind;
	const char *title;
	const char *items[UI_MENU_MAX];
	int n, cur;
} ui_menu;

typedef struct ui_state {
	ui_view view;
	int selected_pid;	/* 0 = none */
	int selected_worker;	/* thread id of the selected worker sub-row of that
				 * process; 0 = the process's own row */
	int scroll;		/* first row shown in the table */
	int log_scroll;		/* launch-mode log pane, lines up from the bottom */
	int window;		/* index into ui_window_ms */
	bool paused;		/* live view frozen */
	int64_t end_ms;		/* right edge of the time axis (now when live) */
	sort_col sort;
	bool sort_invert;
	bool tree;		/* F5: rows under their parents (cluster, pm2) */
#define UI_MAX_FOLDED 64
	int folded[UI_MAX_FOLDED];	/* pids whose members are folded into their row */
	int nfolded;
	char filter[64];	/* name filter ("" = all) */
	bool filter_editing;
	size_t filter_cur;	/* cursor (byte offset) while editing */
	char search[64];	/* F3: jump to the next row whose name matches */
	bool search_editing;
	size_t search_cur;
	ui_menu menu;
	bool mouse;
	bool ascii;		/* no UTF-8 glyphs (non-UTF-8 locale or TERM=linux) */
	bool braille;
	const struct theme *th;
	char prompt[256];	/* a question awaiting y/n ("" = none) */
	char input[32];		/* text being typed for a prompt */
	bool input_editing;
	size_t input_cur;
	const char *heapdiff_text;	/* VIEW_HEAPDIFF: the diff report, owned by app */
	int heapdiff_scroll;
	int help_scroll;	/* VIEW_HELP: first key row shown */
	const char *profile_text;	/* VIEW_PROFILE: `vitals profile summary`'s table, owned by app */
	int profile_scroll;	/* first function row shown (the header stays) */
	bool profile_by_total;	/* rows sorted by total time, not self time */
} ui_state;

#endif
