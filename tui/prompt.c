/* prompt — what takes the keys before the key table does: the line at the
 * bottom that asks a question ("take a heap snapshot? y/n", "seconds
 * [10]:") or shows the filter or the search being typed (edited by
 * tui/lineedit.c), and the menus over the left of the screen (F6 sort, F9
 * signal).
 *
 * State lives in ui_state (prompt, input, filter, search, menu, the editing
 * flags and cursors) and in the app's pending action (what a "yes" does, to
 * which pid).  While one of these is open every key goes here first; the
 * table of keys (tui/keys.c) is not consulted. */
#include "tui/app_priv.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/lineedit.h"
#include "tui/prompt.h"
#include "tui/view.h"

static void finish_prompt(app *a, bool yes, bool insist)
{
	pending_action act = a->pending;
	if (act == ACT_JUMP) {
		char typed[sizeof a->ui.input];
		snprintf(typed, sizeof typed, "%s", a->ui.input);
		a->ui.prompt[0] = 0;
		a->ui.input[0] = 0;
		a->ui.input_editing = false;
		a->pending = ACT_NONE;
		if (yes)
			app_replay_jump(a, typed);
		else
			model_status(&a->m, "cancelled");
		return;
	}
	vproc *p = model_find(&a->m, a->pending_pid);
	bool refuse = a->pending_refuse;
	int seconds = 10;
	if (act == ACT_PROFILE && a->ui.input[0])
		seconds = atoi(a->ui.input);
	a->ui.prompt[0] = 0;
	a->ui.input[0] = 0;
	a->ui.input_editing = false;
	a->pending = ACT_NONE;
	if (!yes || !p) {
		model_status(&a->m, "cancelled");
		return;
	}
	if (act == ACT_SNAPSHOT) {
		if (refuse && !insist) {
			model_status(&a->m, "heap snapshot not taken: too little memory headroom (press Y to insist)");
			return;
		}
		if (a->pending_thread)
			app_snapshot_thread(a, p, a->pending_thread);
		else
			app_capture(a, p, "heap_snapshot", 0);
	} else if (act == ACT_PROFILE) {
		if (seconds < 1 || seconds > 300) {
			model_status(&a->m, "CPU profile: give 1 to 300 seconds");
			return;
		}
		app_capture(a, p, "cpu_profile", seconds);
	} else if (act == ACT_SIGNAL) {
		app_signal(a, p, a->pending_sig);
	}
}

static bool is_enter(wint_t ch, bool is_key)
{
	return (!is_key && (ch == '\n' || ch == '\r')) || (is_key && ch == KEY_ENTER);
}

static bool menu_key(app *a, wint_t ch, bool is_key)
{
	ui_menu *mn = &a->ui.menu;
	if (is_enter(ch, is_key)) {
		app_menu_chosen(a, mn->kind, mn->cur);
		return true;
	}
	if ((!is_key && (ch == 27 || ch == 'q')) ||
	    (is_key && (ch == KEY_F(6) || ch == KEY_F(9) || ch == KEY_F(10)))) {
		mn->kind = MENU_NONE;
		return true;
	}
	if ((is_key && ch == KEY_UP) || (!is_key && ch == 'k'))
		mn->cur = mn->cur > 0 ? mn->cur - 1 : 0;
	else if ((is_key && ch == KEY_DOWN) || (!is_key && ch == 'j'))
		mn->cur = mn->cur + 1 < mn->n ? mn->cur + 1 : mn->cur;
	else if (is_key && ch == KEY_HOME)
		mn->cur = 0;
	else if (is_key && ch == KEY_END)
		mn->cur = mn->n - 1;
	return true;
}

bool prompt_key(app *a, wint_t ch, bool is_key)
{
	if (a->ui.menu.kind != MENU_NONE)
		return menu_key(a, ch, is_key);
	if (a->ui.filter_editing) {
		if (is_enter(ch, is_key))
			a->ui.filter_editing = false;
		else if (!is_key && ch == 27) {
			a->ui.filter[0] = 0;
			a->ui.filter_editing = false;
		} else {
			lineedit_key(a->ui.filter, sizeof a->ui.filter, &a->ui.filter_cur, ch, is_key, false);
		}
		return true;
	}
	if (a->ui.search_editing) {
		if (is_enter(ch, is_key) || (!is_key && ch == 27))
			a->ui.search_editing = false;	/* the selection stays where the search took it */
		else if (is_key && ch == KEY_F(3))
			app_search_next(a, false);
		else if (lineedit_key(a->ui.search, sizeof a->ui.search, &a->ui.search_cur, ch, is_key, false) ==
			 LE_CHANGED)
			app_search_next(a, true);
		return true;
	}
	if (!a->ui.prompt[0])
		return false;
	if (a->ui.input_editing) {
		if (is_enter(ch, is_key))
			finish_prompt(a, true, false);
		else if (!is_key && (ch == 27 || ch == 'q'))
			finish_prompt(a, false, false);
		else if (a->pending == ACT_JUMP)	/* a time: "14:05", "+10m" */
			lineedit_key(a->ui.input, sizeof a->ui.input, &a->ui.input_cur, ch, is_key, false);
		else
			lineedit_key(a->ui.input, 6, &a->ui.input_cur, ch, is_key, true);
		return true;
	}
	if (!is_key && (ch == 'y' || ch == 'Y'))
		finish_prompt(a, true, ch == 'Y');
	else if (!is_key && (ch == 'n' || ch == 'N' || ch == 27 || ch == 'q'))
		finish_prompt(a, false, false);
	return true;
}

/* Split s into lines of at most w columns for the prompt, breaking after a
 * space where one is near; code points count one column each (canvas cuts
 * a line that still ends up wider).  Returns the number of lines; starts[i]
 * and lens[i] are byte ranges of s. */
static int wrap_lines(const char *s, int w, const char **starts, int *lens, int max)
{
	int n = 0;
	while (*s && n < max) {
		const char *p = s, *brk = NULL;
		int cols = 0;
		while (*p && cols < w) {
			if (*p == ' ')
				brk = p + 1;
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
			cols++;
		}
		if (*p && brk && brk - s > (p - s) / 2)
			p = brk;	/* break after the last space, unless that wastes half the line */
		starts[n] = s;
		lens[n++] = (int)(p - s);
		s = p;
	}
	return n;
}

/* The menu: a box over the left of the screen below the header, the
 * current item highlighted. */
static void menu_draw(WINDOW *w, const ui_state *ui)
{
	const ui_menu *mn = &ui->menu;
	int H = getmaxy(w), W = getmaxx(w);
	canvas c = view_canvas(w, ui);
	int bw = canvas_width(mn->title, ui->ascii) + 4;
	for (int i = 0; i < mn->n; i++) {
		int iw = canvas_width(mn->items[i], ui->ascii) + 4;
		if (iw > bw)
			bw = iw;
	}
	if (bw < 20)
		bw = 20;
	if (bw > W)
		bw = W;
	attr_t box = canvas_attr(&c, ROLE_DEFAULT);
	for (int i = 0; i < mn->n + 3 && 1 + i < H - 1; i++)
		canvas_fill(&c, 1 + i, 0, bw, box);
	canvas_text(&c, 1, 1, bw - 2, mn->title, ROLE_TITLE);
	for (int i = 0; i < mn->n && 2 + i < H - 1; i++) {
		bool cur = i == mn->cur;
		attr_t at = canvas_attr(&c, cur ? ROLE_SELECTED : ROLE_DEFAULT);
		canvas_fill(&c, 2 + i, 1, bw - 2, at);
		canvas_text_attr(&c, 2 + i, 2, bw - 3, mn->items[i], at);
	}
	if (mn->n + 2 < H - 1)
		canvas_text(&c, 2 + mn->n, 1, bw - 2, "Enter: choose  Esc: close", ROLE_DIM);
	canvas_hline(&c, 3 + mn->n < H - 1 ? 3 + mn->n : H - 2, 0, bw, canvas_attr(&c, ROLE_BORDER));
}

void prompt_draw(WINDOW *w, const ui_state *ui)
{
	if (ui->menu.kind != MENU_NONE)
		menu_draw(w, ui);
	if (!ui->prompt[0] && !ui->filter_editing && !ui->search_editing)
		return;
	int H = getmaxy(w), W = getmaxx(w);
	char text[sizeof ui->prompt + sizeof ui->input + sizeof ui->filter];
	const char *line = NULL;	/* the line being edited, whose cursor is drawn */
	size_t cur = 0;
	int lead = 0;
	if (ui->filter_editing) {
		lead = snprintf(text, sizeof text, "filter: ");
		line = ui->filter;
		cur = ui->filter_cur;
	} else if (ui->search_editing) {
		lead = snprintf(text, sizeof text, "search (F3 next, Enter done): ");
		line = ui->search;
		cur = ui->search_cur;
	} else if (ui->input_editing) {
		lead = snprintf(text, sizeof text, "%s", ui->prompt);
		line = ui->input;
		cur = ui->input_cur;
	}
	if (line)
		snprintf(text + lead, sizeof text - (size_t)lead, "%s", line);
	else
		snprintf(text, sizeof text, "%s", ui->prompt);
	const char *starts[64];
	int lens[64];
	int n = W > 0 ? wrap_lines(text, W, starts, lens, 64) : 0;
	int max = H / 2 > 0 ? H / 2 : 1, skip = n > max ? n - max : 0;
	canvas c = view_canvas(w, ui);
	attr_t at = canvas_attr(&c, ROLE_SELECTED);
	for (int i = skip; i < n; i++) {
		int y = H - (n - i);
		char piece[sizeof text];
		snprintf(piece, sizeof piece, "%.*s", lens[i], starts[i]);
		canvas_fill(&c, y, 0, W, at);
		canvas_text_attr(&c, y, 0, W, piece, at);
	}
	if (n == 0 && H > 0)
		canvas_fill(&c, H - 1, 0, W, at);
	/* the cursor, a reversed cell, when the line is on one screen line */
	if (line && n <= 1 && H > 0) {
		char lead_s[sizeof text];
		snprintf(lead_s, sizeof lead_s, "%.*s", lead, text);
		int x = canvas_width(lead_s, ui->ascii) + lineedit_cursor_col(line, cur);
		if (x < W) {
			char under[8] = " ";
			if (line[cur]) {
				size_t k = 1;
				while (((unsigned char)line[cur + k] & 0xc0) == 0x80 && k < sizeof under - 1)
					k++;
				snprintf(under, sizeof under, "%.*s", (int)k, line + cur);
			}
			canvas_text_attr(&c, H - 1, x, W - x, under, at ^ A_REVERSE);
		}
	}
}
