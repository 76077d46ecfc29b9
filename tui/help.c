/* help — the key help screen, generated from key_table (tui/keys.c). */
#include <curses.h>
#include <string.h>

#include "themes/theme.h"
#include "tui/app_priv.h"
#include "tui/keys.h"

void help_draw(app *a)
{
	const theme *th = &a->th;
	attr_t title = theme_attr(th, ROLE_TITLE), key = theme_attr(th, ROLE_HEADER);
	attron(title);
	mvaddnstr(0, 0, "vitals — keys (any listed key works here; ? or Esc closes this help)", COLS);
	attroff(title);
	int cols = COLS >= 150 ? 2 : 1;
	int per_col = ((int)key_table_len + cols - 1) / cols;
	int colw = COLS / cols;
	for (size_t i = 0; i < key_table_len; i++) {
		int c = (int)i / per_col, y = 2 + (int)i % per_col, x = c * colw;
		if (y >= LINES - 1)
			continue;
		attron(key);
		mvaddnstr(y, x + 1, key_table[i].label, 10);
		attroff(key);
		if (colw > 14)
			mvaddnstr(y, x + 12, key_table[i].help, colw - 13);
	}
	if (LINES > 2)
		mvaddnstr(LINES - 1, 0, "In prompts: y/n to answer (Y insists), Enter confirms, Esc cancels.", COLS);
}
