/* help — the key help screen, generated from key_table (tui/keys.c).
 *
 * One column of "label  help" rows, two on terminals 150 wide or more.  When
 * the rows do not fit between the title and the footer (31 keys on a 24-line
 * terminal) the screen scrolls: ui.help_scroll is the first row shown, moved
 * by the scrolling keys (tui/app_actions.c) and bounded by help_max_scroll. */
#include "tui/help.h"

#include <stdio.h>

#include "themes/theme.h"
#include "tui/keys.h"
#include "tui/view.h"

#define HELP_TOP 2	/* title, blank line */

static int help_cols(void) { return COLS >= 150 ? 2 : 1; }
static int help_rows(void) { return ((int)key_table_len + help_cols() - 1) / help_cols(); }
/* Rows between the title and the footer line. */
static int help_visible(void) { return LINES - HELP_TOP - 1 > 0 ? LINES - HELP_TOP - 1 : 0; }

int help_max_scroll(void)
{
	int m = help_rows() - help_visible();
	return m > 0 ? m : 0;
}

void help_draw(WINDOW *w, const ui_state *ui)
{
	canvas c = view_canvas(w, ui);
	canvas_text(&c, 0, 0, COLS, "vitals — keys (any listed key works here; ? or Esc closes this help)",
		    ROLE_TITLE);
	int cols = help_cols(), per_col = help_rows(), colw = COLS / cols;
	int first = ui->help_scroll < help_max_scroll() ? ui->help_scroll : help_max_scroll();
	if (first < 0)
		first = 0;
	for (size_t i = 0; i < key_table_len; i++) {
		const key_binding *b = &key_table[i];
		int col = (int)i / per_col, r = (int)i % per_col - first, x = col * colw;
		if (r < 0 || r >= help_visible())
			continue;
		const char *label = ui->ascii && b->label_ascii ? b->label_ascii : b->label;
		canvas_text(&c, HELP_TOP + r, x + 1, 10, label, ROLE_HEADER);
		if (colw > 14)
			canvas_text(&c, HELP_TOP + r, x + 12, colw - 13, b->help, ROLE_DEFAULT);
	}
	if (LINES <= HELP_TOP)
		return;
	char foot[160];
	int last = first + help_visible() < per_col ? first + help_visible() : per_col;
	if (help_max_scroll() > 0)
		snprintf(foot, sizeof foot, "%s PgUp PgDn: more keys (rows %d-%d of %d).  In prompts: y/n, Enter, Esc.",
			 ui->ascii ? "Up Down" : "↑ ↓", first + 1, last, per_col);
	else
		snprintf(foot, sizeof foot, "In prompts: y/n to answer (Y insists), Enter confirms, Esc cancels.");
	canvas_text(&c, LINES - 1, 0, COLS, foot, ROLE_DEFAULT);
}
