/* app_actions — what the keys ask for (key_action, tui/keys.h) carried out on
 * the application: selection, scrolling, time travel, sorting, and the
 * commands that reach a process (attach, captures, forced GC) or the screen
 * (themes, mouse).  Actions change ui_state and the model and set the status
 * line; drawing happens at the next paint.
 *
 * Selection moves through exactly the rows the overview shows (tui/rows.c),
 * recomputed here per key because the model may have changed since the last
 * paint (a row dismissed, a process found). */
#include "tui/app_priv.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "tui/diag.h"
#include "tui/headless.h"
#include "tui/heapdiff.h"
#include "tui/help.h"
#include "tui/rows.h"
#include "tui/view.h"
#include "tui/view_overview.h"

/* --attach (and a group's members, `a` on it) retries a failed attach up to
 * ATTACH_RETRIES times, after 1, 2, 4, 8 and 16 s: a port held briefly,
 * another vitals attaching. */
#define ATTACH_RETRIES 5
#define ATTACH_RETRY_MS 1000LL

vproc *app_selected(app *a)
{
	if (!a->ui.selected_pid)
		return NULL;
	return model_find(&a->m, a->ui.selected_pid);
}

static void move_sel(app *a, int delta)
{
	rows_build(&a->rows, &a->m, &a->ui);
	size_t n = a->rows.n;
	if (n == 0)
		return;
	int cur = rows_index_sel(&a->rows, a->ui.selected_pid, a->ui.selected_worker);
	long next = cur < 0 ? 0 : (long)cur + delta;
	if (next < 0)
		next = 0;
	if (next >= (long)n)
		next = (long)n - 1;
	a->ui.selected_pid = a->rows.v[next]->pid;
	a->ui.selected_worker = a->rows.worker[next];
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
		max = view_text_lines(a->ui.heapdiff_text) - (LINES - 2);	/* title and status lines */
	} else if (a->ui.view == VIEW_PROFILE) {
		pos = &a->ui.profile_scroll;	/* the rows under the report's fixed head */
		max = view_text_lines(a->ui.profile_text) - (LINES - 2);
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

/* Scroll the text screens, or move the selection, by delta rows. */
static void step(app *a, int delta)
{
	if (!scroll_text(a, delta))
		move_sel(a, delta);
}

static void page(app *a, int dir)
{
	if (a->ui.view == VIEW_DETAIL) {
		a->ui.log_scroll += 10 * -dir;
		if (a->ui.log_scroll < 0)
			a->ui.log_scroll = 0;
	} else if (!scroll_text(a, dir * (LINES > 6 ? LINES - 4 : 2))) {
		move_sel(a, dir * view_overview_table_rows(&a->m, LINES));
	}
}

static void set_window(app *a, int w)
{
	a->ui.window = w;
	a->settings_changed |= SET_WINDOW;
	model_status(&a->m, "window: %s", ui_window_name[w]);
}

static int64_t scroll_step(app *a)
{
	int64_t w = ui_window_ms[a->ui.window];
	return w ? w / 4 : 60000;
}

static void pause_toggle(app *a)
{
	a->ui.paused = !a->ui.paused;
	a->ui.end_ms = a->m.now_ms;	/* the replay clock in a replay */
	model_status(&a->m, !a->ui.paused ? "live" : a->ui.ascii ? "paused: Left/Right scroll through history, space resumes"
							 : "paused: ← → scroll through history, space resumes");
}

static void time_left(app *a)
{
	if (!a->ui.paused) {
		a->ui.paused = true;
		a->ui.end_ms = a->m.now_ms;
	}
	a->ui.end_ms -= scroll_step(a);
}

static void faster(app *a) { app_replay_speed(a, 1); }

/* G: ask for the moment to jump to (prompt.c hands the answer to
 * app_replay_jump). */
static void ask_jump(app *a)
{
	if (!a->rp) {
		model_status(&a->m, "jumping to a time is for vitals replay");
		return;
	}
	snprintf(a->ui.prompt, sizeof a->ui.prompt, "jump to (14:05, 14:05:30, +10m, -30s): ");
	a->ui.input[0] = 0;
	a->ui.input_cur = 0;
	a->ui.input_editing = true;
	a->pending = ACT_JUMP;
	a->pending_pid = 0;
}
static void slower(app *a) { app_replay_speed(a, -1); }

static void time_right(app *a)
{
	if (!a->ui.paused)
		return;
	a->ui.end_ms += scroll_step(a);
	if (a->ui.end_ms >= a->m.now_ms) {
		a->ui.paused = false;
		model_status(&a->m, "live");
	}
}

static const char *const sort_names[SORT_NCOLS] = { "pid", "name", "cpu", "rss", "heap", "lag" };

static void sort_by(app *a, int step)
{
	a->ui.sort = (sort_col)((a->ui.sort + SORT_NCOLS + step) % SORT_NCOLS);
	a->settings_changed |= SET_SORT;
	model_status(&a->m, "sort by %s", sort_names[a->ui.sort]);
}

static void sort_invert(app *a)
{
	a->ui.sort_invert = !a->ui.sort_invert;
	a->settings_changed |= SET_SORT;
	model_status(&a->m, "sort by %s, %s", sort_names[a->ui.sort],
		     rows_sort_desc(a->ui.sort, a->ui.sort_invert) ? "descending" : "ascending");
}

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

static void ask_snapshot(app *a)
{
	vproc *p = attached_selected(a, "a heap snapshot");
	if (!p)
		return;
	/* on a worker thread's sub-row: that thread's isolate */
	const worker_info *w = NULL;
	for (int i = 0; a->ui.selected_worker && p->node && i < p->node->nworkers; i++)
		if (p->node->workers[i].thread_id == a->ui.selected_worker)
			w = &p->node->workers[i];
	double heap = w ? w->heap_used : p->node ? p->node->heap_used : 0;
	snap_cost c = diag_snapshot_cost(heap, p->rss_bytes, p->mem_limit, procfs_mem_available());
	char label[NAME_LEN + 80];
	model_proc_label(p, label, sizeof label);
	if (w) {
		size_t len = strlen(label);
		snprintf(label + len, sizeof label - len, " thread %d%s%s", w->thread_id, w->name[0] ? " " : "",
			 w->name);
	}
	diag_snapshot_prompt(&c, p->pid, label, heap, a->ui.prompt, sizeof a->ui.prompt);
	a->pending = ACT_SNAPSHOT;
	a->pending_pid = p->pid;
	a->pending_thread = w ? w->thread_id : 0;
	a->pending_refuse = c.refuse;
}

static void ask_profile(app *a)
{
	vproc *p = attached_selected(a, "a CPU profile");
	if (!p)
		return;
	char label[NAME_LEN + 16];
	snprintf(a->ui.prompt, sizeof a->ui.prompt, "CPU profile of %d (%s): seconds [10]: ", p->pid,
		 model_proc_label(p, label, sizeof label));
	a->ui.input[0] = 0;
	a->ui.input_cur = 0;
	a->ui.input_editing = true;
	a->pending = ACT_PROFILE;
	a->pending_pid = p->pid;
}

void app_search_next(app *a, bool from_current)
{
	if (!a->ui.search[0])
		return;
	rows_build(&a->rows, &a->m, &a->ui);
	size_t n = a->rows.n;
	int cur = rows_index(a->rows.v, n, a->ui.selected_pid);
	size_t start = cur < 0 ? 0 : (size_t)cur + (from_current ? 0 : 1);
	for (size_t k = 0; k < n; k++) {
		vproc *p = a->rows.v[(start + k) % n];
		if (!a->rows.worker[(start + k) % n] && rows_match(p, a->ui.search)) {
			a->ui.selected_pid = p->pid;
			a->ui.selected_worker = 0;
			return;
		}
	}
	model_status(&a->m, "no process matches \"%s\"", a->ui.search);
}

static void open_search(app *a)
{
	a->ui.view = VIEW_OVERVIEW;
	if (a->ui.search_editing) {
		app_search_next(a, false);
		return;
	}
	a->ui.search_editing = true;
	a->ui.search_cur = strlen(a->ui.search);
	app_search_next(a, false);
}

static const char *const sort_titles[SORT_NCOLS] = { "PID", "NAME", "CPU%", "RSS", "HEAP", "LAG p99" };

/* The signals of the F9 menu, in its order: the ones people send. */
static const struct { int sig; const char *name; } signals[] = {
	{ SIGTERM, "TERM" }, { SIGINT, "INT" }, { SIGHUP, "HUP" }, { SIGKILL, "KILL" },
	{ SIGUSR2, "USR2" }, { SIGQUIT, "QUIT" }, { SIGSTOP, "STOP" }, { SIGCONT, "CONT" },
};
#define NSIGNALS (sizeof signals / sizeof signals[0])

static void open_menu(app *a, ui_menu_kind kind)
{
	ui_menu *mn = &a->ui.menu;
	memset(mn, 0, sizeof *mn);
	mn->kind = kind;
	if (kind == MENU_SORT) {
		mn->title = "Sort by";
		for (int i = 0; i < SORT_NCOLS; i++)
			mn->items[mn->n++] = sort_titles[i];
		mn->cur = a->ui.sort;
	} else {
		mn->title = "Send signal";
		for (size_t i = 0; i < NSIGNALS && mn->n < UI_MENU_MAX; i++)
			mn->items[mn->n++] = signals[i].name;
	}
}

static void signal_menu(app *a)
{
	vproc *p = app_selected(a);
	if (!p) {
		model_status(&a->m, "no process selected");
		return;
	}
	if (p->state != PROC_LIVE) {
		model_status(&a->m, "PID %d has exited: no signal to send", p->pid);
		return;
	}
	open_menu(a, MENU_SIGNAL);
}

void app_menu_chosen(app *a, ui_menu_kind kind, int item)
{
	a->ui.menu.kind = MENU_NONE;
	if (kind == MENU_SORT && item >= 0 && item < SORT_NCOLS) {
		a->ui.sort = (sort_col)item;
		a->settings_changed |= SET_SORT;
		model_status(&a->m, "sort by %s", sort_names[a->ui.sort]);
		return;
	}
	vproc *p = app_selected(a);
	if (kind != MENU_SIGNAL || item < 0 || (size_t)item >= NSIGNALS || !p)
		return;
	char label[NAME_LEN + 16];
	snprintf(a->ui.prompt, sizeof a->ui.prompt, "send SIG%s to PID %d (%s)? y/n", signals[item].name, p->pid,
		 model_proc_label(p, label, sizeof label));
	a->pending = ACT_SIGNAL;
	a->pending_pid = p->pid;
	a->pending_sig = signals[item].sig;
}

void app_signal(app *a, vproc *p, int sig)
{
	const char *name = NULL;
	for (size_t i = 0; i < NSIGNALS; i++)
		if (signals[i].sig == sig)
			name = signals[i].name;
	proc_info pi;
	int rc = p->state == PROC_LIVE ? proc_identify(a->pc, p->pid, &pi) : -ESRCH;
	if (rc == 0 && p->start_time && pi.start_time != p->start_time)
		rc = -ESRCH;	/* the PID now names another process */
	if (rc == -ENOENT || rc == -ESRCH) {
		model_status(&a->m, "PID %d has exited: SIG%s not sent", p->pid, name ? name : "?");
		return;
	}
	if (kill(p->pid, sig) < 0) {
		if (errno == EPERM)
			model_status(&a->m, "SIG%s to PID %d: not permitted (the process is another user's)",
				     name ? name : "?", p->pid);
		else
			model_status(&a->m, "SIG%s to PID %d: %s", name ? name : "?", p->pid, strerror(errno));
		return;
	}
	model_status(&a->m, "sent SIG%s to PID %d", name ? name : "?", p->pid);
}

static void dismiss_exited(app *a)
{
	size_t removed = 0;
	for (size_t i = a->m.nprocs; i-- > 0;) {
		vproc *p = a->m.procs[i];
		if (p->state == PROC_EXITED && !p->launched) {
			app_forget_proc(a, p);
			removed++;
		}
	}
	model_status(&a->m, "cleared %zu exited process%s", removed, removed == 1 ? "" : "es");
}

static void act_quit(app *a) { app_quit(a); }
static void act_help(app *a)
{
	a->ui.view = a->ui.view == VIEW_HELP ? VIEW_OVERVIEW : VIEW_HELP;
	a->ui.help_scroll = 0;
}
static void act_up(app *a) { step(a, -1); }
static void act_down(app *a) { step(a, 1); }
static void act_pgup(app *a) { page(a, -1); }
static void act_pgdn(app *a) { page(a, 1); }
static void act_home(app *a) { step(a, -1000000); }
static void act_end(app *a) { step(a, 1000000); }
static void act_enter(app *a)
{
	if (a->ui.view == VIEW_OVERVIEW && app_selected(a))
		a->ui.view = VIEW_DETAIL;
}
static void act_back(app *a)
{
	if (a->ui.view != VIEW_OVERVIEW)
		a->ui.view = VIEW_OVERVIEW;
	else
		a->ui.filter[0] = 0;
}
static void act_filter(app *a)
{
	a->ui.filter_editing = true;
	a->ui.filter_cur = strlen(a->ui.filter);
	a->ui.view = VIEW_OVERVIEW;
}
/* a: the selected process; on a folded group row, every live member too,
 * and those that join the group later. */
static void act_attach(app *a)
{
	vproc *p = app_selected(a);
	if (!p)
		return;
	if (!a->ui.tree || !rows_is_folded(&a->ui, p->pid)) {
		app_attach(a, p);
		return;
	}
	int n = 0;
	p->attach_members = true;	/* and the members that come later (app_tick.c) */
	for (size_t i = 0; i < a->m.nprocs; i++) {
		vproc *q = a->m.procs[i];
		if (q->state == PROC_LIVE && q->pstate != PROBE_ATTACHED && q->pstate != PROBE_CONNECTING &&
		    q->pstate != PROBE_ATTACHING && rows_descends(&a->m, q, p)) {
			app_attach(a, q);	/* attaches are queued: one at a time */
			n++;
		}
	}
	model_status(&a->m, "attaching to %d process%s of the group of %d", n, n == 1 ? "" : "es", p->pid);
}

static void act_tree(app *a)
{
	a->ui.tree = !a->ui.tree;
	a->settings_changed |= SET_TREE;
	model_status(&a->m, a->ui.tree ? "tree view: - folds a group, + unfolds it" : "flat view");
}

/* The row to fold: the selected process if others hang below it, else its
 * parent (folding from a worker folds its cluster). */
static vproc *fold_target(app *a)
{
	vproc *p = app_selected(a);
	if (!p)
		return NULL;
	for (size_t i = 0; i < a->m.nprocs; i++)
		if (a->m.procs[i]->ppid == p->pid && a->m.procs[i] != p)
			return p;
	vproc *up = p->ppid > 1 ? model_find(&a->m, p->ppid) : NULL;
	return up ? up : p;
}

static void act_fold(app *a)
{
	if (!a->ui.tree) {
		model_status(&a->m, "folding needs the tree view (F5)");
		return;
	}
	vproc *p = fold_target(a);
	if (!p || rows_is_folded(&a->ui, p->pid))
		return;
	if (a->ui.nfolded == UI_MAX_FOLDED)
		memmove(a->ui.folded, a->ui.folded + 1, (UI_MAX_FOLDED - 1) * sizeof a->ui.folded[0]);
	else
		a->ui.nfolded++;
	a->ui.folded[a->ui.nfolded - 1] = p->pid;
	a->ui.selected_pid = p->pid;
	a->ui.selected_worker = 0;
}

static void act_unfold(app *a)
{
	vproc *p = app_selected(a);
	for (int i = 0; p && i < a->ui.nfolded; i++)
		if (a->ui.folded[i] == p->pid) {
			a->ui.folded[i] = a->ui.folded[--a->ui.nfolded];
			return;
		}
}
static void act_w1(app *a) { set_window(a, 0); }
static void act_w2(app *a) { set_window(a, 1); }
static void act_w3(app *a) { set_window(a, 2); }
static void act_w4(app *a) { set_window(a, 3); }
static void act_w5(app *a) { set_window(a, 4); }
/* < >: the next column; in the profile screen, self or total time. */
static void sort_key(app *a, int dir)
{
	if (a->ui.view != VIEW_PROFILE) {
		sort_by(a, dir);
		return;
	}
	a->ui.profile_by_total = !a->ui.profile_by_total;
	a->ui.profile_scroll = 0;
	app_profile_render(a);
}
static void act_sort_prev(app *a) { sort_key(a, -1); }
static void act_sort_next(app *a) { sort_key(a, 1); }
static void act_report(app *a)
{
	vproc *p = attached_selected(a, "a diagnostic report");
	if (p)
		app_capture(a, p, "report", 0);
}
static void act_gc(app *a)
{
	vproc *p = attached_selected(a, "a forced GC");
	if (p)
		app_capture(a, p, "gc", 0);
}
static void act_diff(app *a)
{
	vproc *p = app_selected(a);
	if (p)
		app_start_diff(a, p);
}
static void act_explore(app *a)
{
	vproc *p = app_selected(a);
	if (p)
		app_start_explore(a, p);
}
static void act_sort_menu(app *a) { open_menu(a, MENU_SORT); }
static void act_mouse(app *a)
{
	app_set_mouse(a, !a->ui.mouse);
	a->settings_changed |= SET_MOUSE;
	model_status(&a->m, a->ui.mouse ? "mouse on (m turns it off for copy & paste)" : "mouse off");
}

/* key_action -> what carries it out (every action of keys.h but KA_NONE). */
static void (*const acts[])(app *) = {
	[KA_QUIT] = act_quit, [KA_HELP] = act_help, [KA_UP] = act_up, [KA_DOWN] = act_down,
	[KA_PGUP] = act_pgup, [KA_PGDN] = act_pgdn, [KA_HOME] = act_home, [KA_END] = act_end,
	[KA_ENTER] = act_enter, [KA_BACK] = act_back, [KA_FILTER] = act_filter, [KA_ATTACH] = act_attach,
	[KA_WINDOW1] = act_w1, [KA_WINDOW2] = act_w2, [KA_WINDOW3] = act_w3, [KA_WINDOW4] = act_w4,
	[KA_WINDOW5] = act_w5, [KA_PAUSE] = pause_toggle, [KA_LEFT] = time_left, [KA_RIGHT] = time_right,
	[KA_FASTER] = faster, [KA_SLOWER] = slower, [KA_JUMP] = ask_jump,
	[KA_SORT_PREV] = act_sort_prev, [KA_SORT_NEXT] = act_sort_next, [KA_INVERT] = sort_invert,
	[KA_SNAPSHOT] = ask_snapshot, [KA_PROFILE] = ask_profile, [KA_REPORT] = act_report, [KA_GC] = act_gc,
	[KA_DIFF] = act_diff, [KA_DISMISS] = dismiss_exited, [KA_THEME] = app_theme_next,
	[KA_MOUSE] = act_mouse, [KA_SEARCH] = open_search, [KA_SORT_MENU] = act_sort_menu,
	[KA_SIGNAL] = signal_menu, [KA_TREE] = act_tree, [KA_FOLD] = act_fold, [KA_UNFOLD] = act_unfold,
	[KA_EXPLORE] = act_explore,
};

void app_act(app *a, key_action act)
{
	if ((a->rp || a->remotes) && (act == KA_ATTACH || act == KA_SNAPSHOT || act == KA_PROFILE || act == KA_REPORT ||
		      act == KA_GC || act == KA_DIFF || act == KA_SIGNAL || act == KA_DISMISS)) {
		model_status(&a->m, a->rp ? "a recording: nothing here reaches a process" : "--remote is read-only: nothing here reaches a process");
		return;
	}
	if ((size_t)act < sizeof acts / sizeof acts[0] && acts[act])
		acts[act](a);
}

/* ---- commands that reach a process ------------------------------------- */

void app_forget_proc(app *a, vproc *p)
{
	app_seen_forget(a, p);
	probe_mgr_forget(a->pm, p);
	proc_collector_forget(p);
	model_remove(&a->m, p);
}

static void on_capture_done(void *ud, vproc *p, int ok, const char *msg)
{
	app *a = ud;
	if (a->opt.json)
		app_json_written(a, headless_event(a->json_out, p, ok ? "capture" : "capture_failed", msg, clock_wall_ms()));
	app_hunt_captured(a, p, ok, msg);	/* after the capture line: the report line follows it */
	if (a->opt.json)
		return;
	if (!ok)
		model_status(&a->m, "PID %d: %s", p->pid, msg);
	else if (p->ncaptures > 0 && strcmp(p->captures[p->ncaptures - 1].kind, "heapsnapshot") == 0 &&
		 strcmp(p->captures[p->ncaptures - 1].path, msg) == 0) {
		int n = 0;
		for (int i = 0; i < p->ncaptures; i++)
			n += strcmp(p->captures[i].kind, "heapsnapshot") == 0;
		/* the key first: a long path is what the screen's width cuts */
		model_status(&a->m, "heap snapshot saved, e explores it%s: %s",
			     n > 1 ? " (what changed since the one before)" : "", msg);
	} else if (p->ncaptures > 0 && strcmp(p->captures[p->ncaptures - 1].kind, "cpuprofile") == 0 &&
		   strcmp(p->captures[p->ncaptures - 1].path, msg) == 0 && a->curses) {
		app_profile_open(a, msg);	/* its table opens when loaded */
	}
	/* other captures: probe_client already put "saved PATH (size)" in the status line */
	model_touch(&a->m);
}

void app_snapshot_thread(app *a, vproc *p, int thread_id)
{
	char err[256];
	if (probe_mgr_capture_thread(a->pm, p, "heap_snapshot", 0, thread_id, on_capture_done, a, err,
				     sizeof err) < 0)
		model_status(&a->m, "PID %d: %s", p->pid, err);
	else
		model_status(&a->m, "heap snapshot of thread %d of %d running — that thread is paused while V8 writes it",
			     thread_id, p->pid);
}

void app_capture(app *a, vproc *p, const char *cmd, int seconds)
{
	char err[256];
	int rc;
	if (strcmp(cmd, "gc") == 0)
		rc = probe_mgr_gc(a->pm, p, on_capture_done, a, err, sizeof err);
	else
		rc = probe_mgr_capture(a->pm, p, cmd, seconds, on_capture_done, a, err, sizeof err);
	if (rc < 0)
		model_status(&a->m, "PID %d: %s", p->pid, err);
	else if (strcmp(cmd, "heap_snapshot") == 0)
		model_status(&a->m, "heap snapshot of %d running — the process is paused while V8 writes it", p->pid);
	else if (strcmp(cmd, "cpu_profile") == 0)
		model_status(&a->m, "CPU profile of %d: recording %d s…", p->pid, seconds);
	else if (strcmp(cmd, "report") == 0)
		model_status(&a->m, "diagnostic report of %d requested", p->pid);
	else
		model_status(&a->m, "forced GC in %d", p->pid);
}

static void on_attach_done(void *ud, int pid, int err, const char *msg)
{
	app *a = ud;
	vproc *p = model_find(&a->m, pid);
	if (!p)
		return;
	if (err == 0) {
		p->pstate = PROBE_CONNECTING;
		p->attach_tries = 0;
		probe_mgr_connect(a->pm, p);
		model_status(&a->m, "attached to %d (%s)", pid, p->name);
	} else {
		p->pstate = PROBE_FAILED;
		char again[48] = "";
		/* --attach: a port held for a while, another vitals attaching, a
		 * confused inspector pass; try again later, backing off.  Not
		 * after a timeout: that app may act on SIGUSR1 itself. */
		bool passing = err == -EADDRINUSE || err == -EBUSY || err == -EPROTO || err == -EIO;
		if (app_wants_attach(a, p) && passing && p->attach_tries < ATTACH_RETRIES) {
			int64_t wait = ATTACH_RETRY_MS << p->attach_tries++;
			p->attach_retry_ms = clock_wall_ms() + wait;
			snprintf(again, sizeof again, " (trying again in %lld s)", (long long)(wait / 1000));
		}
		snprintf(p->probe_err, sizeof p->probe_err, "%s%s", msg, again);
		msg = p->probe_err;
		model_status(&a->m, "attach %d: %s", pid, msg);
		if (a->opt.json)
			app_json_written(a, headless_event(a->json_out, p, "attach_failed", msg, clock_wall_ms()));
		else if (!a->curses)
			fprintf(stderr, "vitals: attach %d: %s\n", pid, msg);
	}
	model_touch(&a->m);
}

void app_attach_abandon(app *a)
{
	for (size_t i = 0; i < a->m.nprocs; i++) {
		vproc *p = a->m.procs[i];
		if (p->pstate != PROBE_ATTACHING)
			continue;
		p->pstate = PROBE_FAILED;
		snprintf(p->probe_err, sizeof p->probe_err, "not attached: vitals stopped before the attach finished");
		if (a->opt.json && !a->json_err)
			app_json_written(a, headless_event(a->json_out, p, "attach_failed", p->probe_err, clock_wall_ms()));
		else if (!a->curses && !a->opt.json)
			fprintf(stderr, "vitals: attach %d: %s\n", p->pid, p->probe_err);
	}
}

bool app_wants_attach(const app *a, const vproc *p)
{
	bool want = a->opt.attach || p->attach_members;
	/* bounded: ppid links may loop after PID reuse */
	const vproc *up = p->ppid > 1 ? model_find(&a->m, p->ppid) : NULL;
	for (int d = 0; up && !want && d < 32; d++) {
		want = up->attach_members;
		up = up->ppid > 1 && up->ppid != up->pid ? model_find(&a->m, up->ppid) : NULL;
	}
	return want;
}

void app_attach(app *a, vproc *p)
{
	char err[256];
	if (p->state != PROC_LIVE) {
		model_status(&a->m, "PID %d has exited", p->pid);
		return;
	}
	if (p->pstate == PROBE_ATTACHED || p->pstate == PROBE_CONNECTING) {
		model_status(&a->m, "PID %d is already attached", p->pid);
		return;
	}
	if (p->pstate == PROBE_ATTACHING)
		return;
	p->attach_retry_ms = 0;	/* this is the retry, or the user's `a` */
	p->pstate = PROBE_ATTACHING;
	p->probe_err[0] = 0;
	if (inspector_attach(a->insp, p->pid, on_attach_done, a, err, sizeof err) < 0) {
		p->pstate = PROBE_FAILED;
		snprintf(p->probe_err, sizeof p->probe_err, "%.*s", (int)sizeof p->probe_err - 1, err);
		model_status(&a->m, "attach %d: %s", p->pid, err);
	} else {
		model_status(&a->m, "attaching to %d…", p->pid);
	}
}

/* ---- the screen -------------------------------------------------------- */

/* Mouse reporting on or off (off: the terminal's own selection works). */
void app_set_mouse(app *a, bool on)
{
	a->ui.mouse = on;
	mousemask(on ? (BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
}

void app_theme_next(app *a)
{
	char names[THEME_MAX_LIST][THEME_NAME_LEN];
	int n = theme_list(names, THEME_MAX_LIST);
	if (n <= 0)
		return;
	a->theme_idx = (a->theme_idx + 1) % n;
	char err[256];
	theme t;
	if (theme_load(&t, names[a->theme_idx], NULL, err, sizeof err) < 0) {
		model_status(&a->m, "theme %s: %s", names[a->theme_idx], err);
		return;
	}
	theme_apply(&t, theme_detect_depth());
	a->th = t;
	a->ui.th = &a->th;
	a->settings_changed |= SET_THEME;
	clearok(curscr, TRUE);
	model_status(&a->m, "theme: %s", names[a->theme_idx]);
}

/* ---- settings ---------------------------------------------------------- */

void app_save_settings(app *a)
{
	static const char *const window_names[UI_NWINDOWS] = { "1m", "5m", "15m", "1h", "all" };
	char names[THEME_MAX_LIST][THEME_NAME_LEN];
	const char *keys[6], *vals[6];
	size_t n = 0;
	unsigned c = a->settings_changed;
	if (c & SET_THEME) {
		int nt = theme_list(names, THEME_MAX_LIST);
		if (a->theme_idx >= 0 && a->theme_idx < nt) {
			keys[n] = "theme";
			vals[n++] = names[a->theme_idx];
		}
	}
	if (c & SET_WINDOW) {
		keys[n] = "window";
		vals[n++] = window_names[a->ui.window];
	}
	if (c & SET_SORT) {
		keys[n] = "sort";
		vals[n++] = config_sort_names[a->ui.sort];
		keys[n] = "sort_invert";
		vals[n++] = a->ui.sort_invert ? "yes" : "no";
	}
	if (c & SET_MOUSE) {
		keys[n] = "mouse";
		vals[n++] = a->ui.mouse ? "yes" : "no";
	}
	if (c & SET_TREE) {
		keys[n] = "tree";
		vals[n++] = a->ui.tree ? "yes" : "no";
	}
	char err[PATH_MAX + 128];
	if (n && config_update(a->opt.config, "ui", keys, vals, n, err, sizeof err) < 0)
		fprintf(stderr, "vitals: settings not saved: %s\n", err);
}
