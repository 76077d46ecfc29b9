/* prompt — the line at the bottom that asks a question ("take a heap
 * snapshot? y/n", "seconds [10]:") or shows the filter being typed, and the
 * keys that answer it.
 *
 * State lives in ui_state (prompt, input, filter, the editing flags) and in
 * the app's pending action (what a "yes" does, to which pid).  While a
 * question or the filter is open every key goes here first; the table of
 * keys (tui/keys.c) is not consulted. */
#include "tui/app_priv.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/prompt.h"
#include "tui/view.h"

static void finish_prompt(app *a, bool yes, bool insist)
{
	vproc *p = model_find(&a->m, a->pending_pid);
	pending_action act = a->pending;
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
		app_capture(a, p, "heap_snapshot", 0);
	} else if (act == ACT_PROFILE) {
		if (seconds < 1 || seconds > 300) {
			model_status(&a->m, "CPU profile: give 1 to 300 seconds");
			return;
		}
		app_capture(a, p, "cpu_profile", seconds);
	}
}

static bool is_backspace(wint_t ch, bool is_key)
{
	return (is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8));
}

bool prompt_key(app *a, wint_t ch, bool is_key)
{
	if (a->ui.filter_editing) {
		size_t n = strlen(a->ui.filter);
		if (!is_key && (ch == '\n' || ch == '\r'))
			a->ui.filter_editing = false;
		else if (!is_key && ch == 27) {
			a->ui.filter[0] = 0;
			a->ui.filter_editing = false;
		} else if (is_backspace(ch, is_key)) {
			if (n)
				a->ui.filter[n - 1] = 0;
		} else if (!is_key && ch >= 32 && ch < 127 && n + 1 < sizeof a->ui.filter) {
			a->ui.filter[n] = (char)ch;
			a->ui.filter[n + 1] = 0;
		}
		return true;
	}
	if (!a->ui.prompt[0])
		return false;
	if (a->ui.input_editing) {
		size_t n = strlen(a->ui.input);
		if (!is_key && (ch == '\n' || ch == '\r'))
			finish_prompt(a, true, false);
		else if (!is_key && (ch == 27 || ch == 'q'))
			finish_prompt(a, false, false);
		else if (is_backspace(ch, is_key)) {
			if (n)
				a->ui.input[n - 1] = 0;
		} else if (!is_key && ch >= '0' && ch <= '9' && n + 1 < 6) {
			a->ui.input[n] = (char)ch;
			a->ui.input[n + 1] = 0;
		}
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

void prompt_draw(WINDOW *w, const ui_state *ui)
{
	if (!ui->prompt[0] && !ui->filter_editing)
		return;
	int H = getmaxy(w), W = getmaxx(w);
	char text[sizeof ui->prompt + sizeof ui->input + sizeof ui->filter];
	if (ui->filter_editing)
		snprintf(text, sizeof text, "filter: %s", ui->filter);
	else if (ui->input_editing)
		snprintf(text, sizeof text, "%s%s", ui->prompt, ui->input);
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
		char line[sizeof text];
		snprintf(line, sizeof line, "%.*s", lens[i], starts[i]);
		canvas_fill(&c, y, 0, W, at);
		canvas_text_attr(&c, y, 0, W, line, at);
	}
	if (n == 0 && H > 0)
		canvas_fill(&c, H - 1, 0, W, at);
}
