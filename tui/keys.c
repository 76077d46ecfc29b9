/* keys — the key table and the small actions behind it.  Keys only change
 * ui_state or ask the app to act; drawing happens at the next paint. */
#include "tui/keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/app_priv.h"
#include "tui/diag.h"
#include "tui/rows.h"
#include "tui/view_overview.h"

static void move_sel(app *a, int delta)
{
	vproc *rows[1024];
	size_t n = app_rows(a, rows, 1024);
	if (n == 0)
		return;
	int cur = -1;
	for (size_t i = 0; i < n; i++)
		if (rows[i]->pid == a->ui.selected_pid)
			cur = (int)i;
	int next = cur < 0 ? 0 : cur + delta;
	if (next < 0)
		next = 0;
	if (next >= (int)n)
		next = (int)n - 1;
	a->ui.selected_pid = rows[next]->pid;
}

/* Lines of the heap diff report. */
static int heapdiff_lines(const app *a)
{
	const char *s = a->ui.heapdiff_text;
	if (!s || !*s)
		return 0;
	int n = 1;
	for (; *s; s++)
		if (*s == '\n' && s[1])
			n++;
	return n;
}

/* In the help and heap diff screens the moving keys scroll the text (by
 * delta rows, clamped so the last page stays full); returns false in the
 * other views, where they move the selection. */
static bool scroll_text(app *a, int delta)
{
	int *pos, max;
	if (a->ui.view == VIEW_HELP) {
		pos = &a->ui.help_scroll;
		max = help_max_scroll();
	} else if (a->ui.view == VIEW_HEAPDIFF) {
		pos = &a->ui.heapdiff_scroll;
		max = heapdiff_lines(a) - (LINES - 2);	/* title and status lines */
	} else {
		return false;
	}
	long v = (long)*pos + delta;
	if (v > max)
		v = max;
	if (v < 0)
		v = 0;
	*pos = (int)v;
	return true;
}

static void k_quit(app *a) { app_quit(a); }
static void k_help(app *a)
{
	a->ui.view = a->ui.view == VIEW_HELP ? VIEW_OVERVIEW : VIEW_HELP;
	a->ui.help_scroll = 0;
}
static void k_up(app *a) { if (!scroll_text(a, -1)) move_sel(a, -1); }
static void k_down(app *a) { if (!scroll_text(a, 1)) move_sel(a, 1); }
static void k_pgup(app *a)
{
	if (a->ui.view == VIEW_DETAIL)
		a->ui.log_scroll += 10;
	else if (!scroll_text(a, -(LINES > 6 ? LINES - 4 : 2)))
		move_sel(a, -view_overview_table_rows(&a->m, LINES));
}
static void k_pgdn(app *a)
{
	if (a->ui.view == VIEW_DETAIL)
		a->ui.log_scroll = a->ui.log_scroll > 10 ? a->ui.log_scroll - 10 : 0;
	else if (!scroll_text(a, LINES > 6 ? LINES - 4 : 2))
		move_sel(a, view_overview_table_rows(&a->m, LINES));
}
static void k_home(app *a) { if (!scroll_text(a, -1000000)) move_sel(a, -100000); }
static void k_end(app *a) { if (!scroll_text(a, 1000000)) move_sel(a, 100000); }
static void k_enter(app *a)
{
	if (a->ui.view == VIEW_OVERVIEW && app_selected(a))
		a->ui.view = VIEW_DETAIL;
}
static void k_back(app *a)
{
	if (a->ui.view != VIEW_OVERVIEW)
		a->ui.view = VIEW_OVERVIEW;
	else
		a->ui.filter[0] = 0;
}
static void k_filter(app *a)
{
	a->ui.filter_editing = true;
	a->ui.view = VIEW_OVERVIEW;
}
static void k_attach(app *a)
{
	vproc *p = app_selected(a);
	if (p)
		app_attach(a, p);
}
static void set_window(app *a, int w)
{
	a->ui.window = w;
	model_status(&a->m, "window: %s", ui_window_name[w]);
}
static void k_w1(app *a) { set_window(a, 0); }
static void k_w2(app *a) { set_window(a, 1); }
static void k_w3(app *a) { set_window(a, 2); }
static void k_w4(app *a) { set_window(a, 3); }
static void k_w5(app *a) { set_window(a, 4); }
static void k_pause(app *a)
{
	a->ui.paused = !a->ui.paused;
	a->ui.end_ms = app_now_ms();
	model_status(&a->m, !a->ui.paused ? "live" : a->ui.ascii ? "paused: Left/Right scroll through history, space resumes"
							 : "paused: ← → scroll through history, space resumes");
}
static int64_t scroll_step(app *a)
{
	int64_t w = ui_window_ms[a->ui.window];
	return w ? w / 4 : 60000;
}
static void k_left(app *a)
{
	if (!a->ui.paused) {
		a->ui.paused = true;
		a->ui.end_ms = app_now_ms();
	}
	a->ui.end_ms -= scroll_step(a);
}
static void k_right(app *a)
{
	if (!a->ui.paused)
		return;
	a->ui.end_ms += scroll_step(a);
	if (a->ui.end_ms >= app_now_ms()) {
		a->ui.paused = false;
		model_status(&a->m, "live");
	}
}
static void k_mouse(app *a)
{
	app_set_mouse(a, !a->ui.mouse);
	model_status(&a->m, a->ui.mouse ? "mouse on (m turns it off for copy & paste)" : "mouse off");
}
static const char *const sort_names[SORT_NCOLS] = { "pid", "name", "cpu", "rss", "heap", "lag" };
static void k_sort_prev(app *a)
{
	a->ui.sort = (sort_col)((a->ui.sort + SORT_NCOLS - 1) % SORT_NCOLS);
	model_status(&a->m, "sort by %s", sort_names[a->ui.sort]);
}
static void k_sort_next(app *a)
{
	a->ui.sort = (sort_col)((a->ui.sort + 1) % SORT_NCOLS);
	model_status(&a->m, "sort by %s", sort_names[a->ui.sort]);
}
static void k_invert(app *a)
{
	a->ui.sort_invert = !a->ui.sort_invert;
	model_status(&a->m, "sort by %s, %s", sort_names[a->ui.sort],
		     rows_sort_desc(a->ui.sort, a->ui.sort_invert) ? "descending" : "ascending");
}
static void k_theme(app *a) { app_theme_next(a); }

static vproc *attached_selected(app *a, const char *what)
{
	vproc *p = app_selected(a);
	if (!p) {
		model_status(&a->m, "no process selected");
		return NULL;
	}
	if (p->pstate != PROBE_ATTACHED) {
		model_status(&a->m, "%s needs the probe: PID %d is not attached (press a)", what, p->pid);
		return NULL;
	}
	return p;
}

static void k_snapshot(app *a)
{
	vproc *p = attached_selected(a, "a heap snapshot");
	if (!p)
		return;
	snap_cost c = diag_snapshot_cost(p->node ? p->node->heap_used : 0, p->rss_bytes, p->mem_limit,
					 procfs_mem_available());
	char label[NAME_LEN + 16];
	model_proc_label(p, label, sizeof label);
	diag_snapshot_prompt(&c, p->pid, label, p->node ? p->node->heap_used : 0, a->ui.prompt,
			     sizeof a->ui.prompt);
	a->pending = ACT_SNAPSHOT;
	a->pending_pid = p->pid;
	a->pending_refuse = c.refuse;
}
static void k_profile(app *a)
{
	vproc *p = attached_selected(a, "a CPU profile");
	if (!p)
		return;
	char label[NAME_LEN + 16];
	snprintf(a->ui.prompt, sizeof a->ui.prompt, "CPU profile of %d (%s): seconds [10]: ", p->pid,
		 model_proc_label(p, label, sizeof label));
	a->ui.input[0] = 0;
	a->ui.input_editing = true;
	a->pending = ACT_PROFILE;
	a->pending_pid = p->pid;
}
static void k_report(app *a)
{
	vproc *p = attached_selected(a, "a diagnostic report");
	if (p)
		app_capture(a, p, "report", 0);
}
static void k_gc(app *a)
{
	vproc *p = attached_selected(a, "a forced GC");
	if (p)
		app_capture(a, p, "gc", 0);
}
static void k_diff(app *a)
{
	vproc *p = app_selected(a);
	if (p)
		app_start_diff(a, p);
}
static void k_dismiss(app *a)
{
	size_t removed = 0;
	for (size_t i = a->m.nprocs; i-- > 0;) {
		vproc *p = a->m.procs[i];
		if (p->state == PROC_EXITED && !p->launched) {
			probe_mgr_forget(a->pm, p);
			proc_collector_forget(p);
			model_remove(&a->m, p);
			removed++;
		}
	}
	model_status(&a->m, "cleared %zu exited process%s", removed, removed == 1 ? "" : "es");
}

const key_binding key_table[] = {
	{ { 'q', 0 }, "q", "quit (the launched program gets SIGTERM)", k_quit, NULL },
	{ { '?', 'h', KEY_F(1), 0 }, "? h F1", "this help", k_help, NULL },
	{ { KEY_UP, 'k', 0 }, "↑ k", "select previous process (help, diff: scroll up)", k_up, "Up k" },
	{ { KEY_DOWN, 'j', 0 }, "↓ j", "select next process (help, diff: scroll down)", k_down, "Down j" },
	{ { KEY_PPAGE, 0 }, "PgUp", "page up (detail view: scroll the log back)", k_pgup, NULL },
	{ { KEY_NPAGE, 0 }, "PgDn", "page down (detail view: scroll the log forward)", k_pgdn, NULL },
	{ { KEY_HOME, 0 }, "Home", "first process (help, diff: top)", k_home, NULL },
	{ { KEY_END, 0 }, "End", "last process (help, diff: bottom)", k_end, NULL },
	{ { '\n', '\r', KEY_ENTER, 0 }, "Enter", "details of the selected process", k_enter, NULL },
	{ { 27, KEY_BACKSPACE, 0 }, "Esc Bksp", "back to the overview / clear the filter", k_back, NULL },
	{ { '/', 0 }, "/", "filter processes by name", k_filter, NULL },
	{ { 'a', 0 }, "a", "attach the probe to the selected process (no restart)", k_attach, NULL },
	{ { '1', 0 }, "1", "time window: 1 minute", k_w1, NULL },
	{ { '2', 0 }, "2", "time window: 5 minutes", k_w2, NULL },
	{ { '3', 0 }, "3", "time window: 15 minutes", k_w3, NULL },
	{ { '4', 0 }, "4", "time window: 1 hour", k_w4, NULL },
	{ { '5', 0 }, "5", "time window: all history", k_w5, NULL },
	{ { ' ', 0 }, "space", "pause / resume the live view", k_pause, NULL },
	{ { KEY_LEFT, 0 }, "←", "scroll back in time (pauses)", k_left, "Left" },
	{ { KEY_RIGHT, 0 }, "→", "scroll forward in time (resumes at now)", k_right, "Right" },
	{ { '<', 0 }, "<", "sort by the previous column", k_sort_prev, NULL },
	{ { '>', 0 }, ">", "sort by the next column", k_sort_next, NULL },
	{ { 'i', 0 }, "i", "invert the sort order", k_invert, NULL },
	{ { 's', 0 }, "s", "heap snapshot of the selected process (asks first)", k_snapshot, NULL },
	{ { 'p', 0 }, "p", "CPU profile of the selected process (asks for seconds)", k_profile, NULL },
	{ { 'r', 0 }, "r", "Node diagnostic report of the selected process", k_report, NULL },
	{ { 'g', 0 }, "g", "force a full garbage collection in the selected process", k_gc, NULL },
	{ { 'd', 0 }, "d", "diff the last two heap snapshots of the selected process", k_diff, NULL },
	{ { 'x', 0 }, "x", "clear exited processes from the list", k_dismiss, NULL },
	{ { 't', 0 }, "t", "next colour theme", k_theme, NULL },
	{ { 'm', 0 }, "m", "mouse on/off (off keeps copy & paste working)", k_mouse, NULL },
};
const size_t key_table_len = sizeof key_table / sizeof key_table[0];

const key_binding *keys_find(int key)
{
	for (size_t i = 0; i < key_table_len; i++)
		for (int k = 0; k < 4 && key_table[i].keys[k]; k++)
			if (key_table[i].keys[k] == key)
				return &key_table[i];
	return NULL;
}
