/* app — vitals' main program: options, the libuv loop, ncurses, and the
 * wiring between collectors, the model, alerts and the views.
 *
 * One loop runs everything.  The sampling timer and the collectors' callbacks
 * only change the model (which bumps m.dirty); a prepare handle paints once
 * per loop turn when m.dirty moved since the last paint.  Headless mode
 * (--json) runs the same loop without curses and writes JSON lines instead.
 * The terminal is restored on quit, on SIGINT/SIGTERM/SIGHUP, and on a fatal
 * signal (crash handler) — never left in raw mode. */
#include "config.h"
#include "tui/app.h"
#include "core/clock.h"
#include "core/xalloc.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "core/paths.h"
#include "export/prom_server.h"
#include "heap/heap_cli.h"
#include "themes/theme.h"
#include "widgets/canvas.h"
#include "tui/app_priv.h"
#include "tui/diag.h"
#include "tui/headless.h"
#include "tui/keys.h"
#include "tui/rows.h"
#include "tui/view.h"
#include "tui/view_detail.h"
#include "tui/view_overview.h"

const int64_t ui_window_ms[UI_NWINDOWS] = { 60000, 300000, 900000, 3600000, 0 };
const char *const ui_window_name[UI_NWINDOWS] = { "1 min", "5 min", "15 min", "1 hour", "all" };

static volatile sig_atomic_t curses_live;

int64_t app_now_ms(void)
{
	return clock_wall_ms();
}

/* ---- terminal safety ---------------------------------------------------- */

static void crash_handler(int sig)
{
	if (curses_live)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Out of memory: leave the screen first so the one-line message is seen. */
static void oom_hook(void)
{
	if (curses_live) {
		endwin();
		curses_live = 0;
	}
}

static void install_crash_handlers(void)
{
	xalloc_set_fatal_hook(oom_hook);
	int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], crash_handler);
}

static void curses_stop(app *a)
{
	if (!a->curses)
		return;
	if (a->ui.mouse)
		mousemask(0, NULL);
	endwin();
	a->curses = false;
	curses_live = 0;
}

/* ---- rows and selection ------------------------------------------------- */

size_t app_rows(app *a, vproc **out, size_t max)
{
	return rows_visible(&a->m, &a->ui, out, max);
}

vproc *app_selected(app *a)
{
	if (!a->ui.selected_pid)
		return NULL;
	return model_find(&a->m, a->ui.selected_pid);
}

static void fix_selection(app *a)
{
	vproc *rows[1024];
	size_t n = app_rows(a, rows, 1024);
	for (size_t i = 0; i < n; i++)
		if (rows[i]->pid == a->ui.selected_pid)
			return;
	a->ui.selected_pid = n ? rows[0]->pid : 0;
}

/* ---- alerts ------------------------------------------------------------- */

/* Note the first failed JSON write (headless_*'s result); the next tick
 * stops the loop, not the callback that noticed (it may be deep inside a
 * collector). */
static void json_written(app *a, int rc)
{
	if (rc < 0 && !a->json_err)
		a->json_err = rc;
}

static void on_alert(void *ud, const model_alert *al)
{
	app *a = ud;
	if (a->opt.json)
		json_written(a, headless_alert(a->json_out, al));
	if (a->alert_log) {
		char ts[32];
		time_t t = (time_t)(al->t_ms / 1000);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
		static const char *const st[] = { "pending", "firing", "resolved" };
		fprintf(a->alert_log, "%s pid=%d rule=%s state=%s %s\n", ts, al->pid, al->rule,
			al->state < 3 ? st[al->state] : "?", al->msg);
		fflush(a->alert_log);
	}
	if (al->state != ALERT_FIRING)
		return;
	if (a->cfg.bell) {
		if (a->curses)
			beep();
		else if (!a->headless)
			fputc('\a', stderr);
	}
	if (a->opt.auto_snapshot && strstr(al->rule, "leak") && strcmp(al->rule, "handle_leak") != 0) {
		vproc *p = model_find(&a->m, al->pid);
		int64_t *last = &a->autosnap_ms[al->pid % 64];
		if (p && p->pstate == PROBE_ATTACHED && (*last == 0 || al->t_ms - *last > 30 * 60 * 1000)) {
			snap_cost c = diag_snapshot_cost(p->node ? p->node->heap_used : 0, p->rss_bytes,
							 p->mem_limit, diag_mem_available());
			if (c.refuse) {
				model_status(&a->m, "auto-snapshot of %d skipped: not enough memory headroom", p->pid);
			} else {
				*last = al->t_ms;
				app_capture(a, p, "heap_snapshot", 0);
			}
		}
	}
}

/* A process warning from a probe becomes an alert at once (listener leaks
 * included); alerts dedups repeats. */
static void on_probe_warning(void *ud, vproc *p, const char *name, const char *message, int64_t t_ms)
{
	app *a = ud;
	alerts_warning(a->al, &a->m, p, name, message, t_ms);
}

/* ---- commands ----------------------------------------------------------- */

static void on_capture_done(void *ud, vproc *p, int ok, const char *msg)
{
	app *a = ud;
	if (a->opt.json) {
		json_written(a, headless_event(a->json_out, p, ok ? "capture" : "capture_failed", msg, app_now_ms()));
		return;
	}
	if (!ok)
		model_status(&a->m, "PID %d: %s", p->pid, msg);
	/* success: probe_client already put "saved PATH (size)" in the status line */
	model_touch(&a->m);
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
		probe_mgr_connect(a->pm, p);
		model_status(&a->m, "attached to %d (%s)", pid, p->name);
	} else {
		p->pstate = PROBE_FAILED;
		snprintf(p->probe_err, sizeof p->probe_err, "%s", msg);
		model_status(&a->m, "attach %d: %s", pid, msg);
		if (a->opt.json)
			json_written(a, headless_event(a->json_out, p, "attach_failed", msg, app_now_ms()));
		else if (!a->curses)
			fprintf(stderr, "vitals: attach %d: %s\n", pid, msg);
	}
	model_touch(&a->m);
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

static void diff_work_cb(uv_work_t *w)
{
	app *a = w->data;
	a->diff_err[0] = 0;
	if (heap_diff_text(a->diff_before, a->diff_after, &a->diff_text, a->diff_err, sizeof a->diff_err) < 0)
		a->diff_text = NULL;
}

static void diff_done_cb(uv_work_t *w, int status)
{
	app *a = w->data;
	a->diff_running = false;
	if (status == UV_ECANCELED || a->quitting)
		return;
	if (!a->diff_text) {
		model_status(&a->m, "heap diff failed: %s", a->diff_err);
		return;
	}
	a->ui.heapdiff_text = a->diff_text;
	a->ui.heapdiff_scroll = 0;
	a->ui.view = VIEW_HEAPDIFF;
	model_status(&a->m, "heap diff ready (↑ ↓ PgUp PgDn scroll, Esc back)");
}

void app_start_diff(app *a, vproc *p)
{
	const capture *before = NULL, *after = NULL;
	for (int i = p->ncaptures; i-- > 0;) {
		if (strcmp(p->captures[i].kind, "heapsnapshot") != 0)
			continue;
		if (!after)
			after = &p->captures[i];
		else if (!before) {
			before = &p->captures[i];
			break;
		}
	}
	if (!before) {
		model_status(&a->m, "diff needs two heap snapshots of %d (press s twice, some time apart)", p->pid);
		return;
	}
	if (a->diff_running)
		return;
	free(a->diff_text);
	a->diff_text = NULL;
	a->ui.heapdiff_text = NULL;
	snprintf(a->diff_before, sizeof a->diff_before, "%s", before->path);
	snprintf(a->diff_after, sizeof a->diff_after, "%s", after->path);
	a->diff_work.data = a;
	if (uv_queue_work(a->loop, &a->diff_work, diff_work_cb, diff_done_cb) == 0) {
		a->diff_running = true;
		model_status(&a->m, "comparing heap snapshots of %d…", p->pid);
	}
}

/* Mouse reporting on or off (off: the terminal's own selection works). */
void app_set_mouse(app *a, bool on)
{
	a->ui.mouse = on;
	mousemask(on ? (BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
}

/* ---- themes ------------------------------------------------------------- */

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
	clearok(curscr, TRUE);
	model_status(&a->m, "theme: %s", names[a->theme_idx]);
}

/* ---- painting ----------------------------------------------------------- */

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

/* The question being asked (or the filter being typed) over the bottom
 * lines: wrapped, so that a long question keeps its "y/n" on screen at 80
 * columns; at most half the screen, keeping the end. */
static void draw_prompt(app *a)
{
	if (!a->ui.prompt[0] && !a->ui.filter_editing)
		return;
	char text[sizeof a->ui.prompt + sizeof a->ui.input + sizeof a->ui.filter];
	if (a->ui.filter_editing)
		snprintf(text, sizeof text, "filter: %s", a->ui.filter);
	else if (a->ui.input_editing)
		snprintf(text, sizeof text, "%s%s", a->ui.prompt, a->ui.input);
	else
		snprintf(text, sizeof text, "%s", a->ui.prompt);
	const char *starts[64];
	int lens[64];
	int n = COLS > 0 ? wrap_lines(text, COLS, starts, lens, 64) : 0;
	int max = LINES / 2 > 0 ? LINES / 2 : 1, skip = n > max ? n - max : 0;
	canvas c = view_canvas(stdscr, &a->ui);
	attr_t at = theme_attr(&a->th, ROLE_SELECTED);
	for (int i = skip; i < n; i++) {
		int y = LINES - (n - i);
		char line[sizeof text];
		snprintf(line, sizeof line, "%.*s", lens[i], starts[i]);
		canvas_fill(&c, y, 0, COLS, at);
		canvas_text_attr(&c, y, 0, COLS, line, at);
	}
	if (n == 0 && LINES > 0)
		canvas_fill(&c, LINES - 1, 0, COLS, at);
}

static void draw_heapdiff(app *a)
{
	canvas c = view_canvas(stdscr, &a->ui);
	canvas_text(&c, 0, 0, COLS, "heap snapshot diff (Esc back, ↑ ↓ PgUp PgDn scroll)", ROLE_TITLE);
	const char *s = a->ui.heapdiff_text ? a->ui.heapdiff_text : "";
	int line = 0, y = 1;
	while (*s && y < LINES - 1) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (line >= a->ui.heapdiff_scroll) {
			char buf[1024];
			snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), s);
			canvas_text(&c, y, 0, COLS, buf, ROLE_DEFAULT);
			y++;
		}
		line++;
		s += len + (nl ? 1 : 0);
	}
	view_status(&c, LINES - 1, COLS, &a->m);
}

static void paint(app *a)
{
	if (!a->ui.paused)
		a->ui.end_ms = a->m.now_ms ? a->m.now_ms : app_now_ms();
	fix_selection(a);
	if (a->ui.view == VIEW_DETAIL && !app_selected(a))
		a->ui.view = VIEW_OVERVIEW;
	erase();
	switch (a->ui.view) {
	case VIEW_HELP:
		help_draw(a);
		break;
	case VIEW_HEAPDIFF:
		draw_heapdiff(a);
		break;
	case VIEW_DETAIL:
		view_detail_draw(stdscr, &a->m, &a->ui);
		break;
	default:
		view_overview_draw(stdscr, &a->m, &a->ui);
		break;
	}
	draw_prompt(a);
	wnoutrefresh(stdscr);
	doupdate();
	a->painted = a->m.dirty;
}

static void on_prepare(uv_prepare_t *h)
{
	app *a = h->data;
	if (a->curses && a->m.dirty != a->painted)
		paint(a);
}

/* ---- keys --------------------------------------------------------------- */

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

static void handle_key(app *a, wint_t ch, bool is_key)
{
	if (is_key && ch == KEY_RESIZE)
		return;
	if (is_key && ch == KEY_MOUSE) {
		MEVENT ev;
		if (getmouse(&ev) == OK) {
			const key_binding *b = NULL;
			if (ev.bstate & BUTTON4_PRESSED)
				b = keys_find(KEY_UP);
			else if (ev.bstate & BUTTON5_PRESSED)
				b = keys_find(KEY_DOWN);
			else if (ev.bstate & BUTTON1_CLICKED && a->ui.view == VIEW_OVERVIEW) {
				int pid = view_overview_pid_at(&a->m, &a->ui, ev.y, LINES, COLS);
				if (pid > 0)
					a->ui.selected_pid = pid;
			}
			if (b)
				b->fn(a);
		}
		return;
	}
	if (a->ui.filter_editing) {
		size_t n = strlen(a->ui.filter);
		if (!is_key && (ch == '\n' || ch == '\r'))
			a->ui.filter_editing = false;
		else if (!is_key && ch == 27) {
			a->ui.filter[0] = 0;
			a->ui.filter_editing = false;
		} else if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8))) {
			if (n)
				a->ui.filter[n - 1] = 0;
		} else if (!is_key && ch >= 32 && ch < 127 && n + 1 < sizeof a->ui.filter) {
			a->ui.filter[n] = (char)ch;
			a->ui.filter[n + 1] = 0;
		}
		return;
	}
	if (a->ui.prompt[0]) {
		if (a->ui.input_editing) {
			size_t n = strlen(a->ui.input);
			if (!is_key && (ch == '\n' || ch == '\r'))
				finish_prompt(a, true, false);
			else if (!is_key && (ch == 27 || ch == 'q'))
				finish_prompt(a, false, false);
			else if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8))) {
				if (n)
					a->ui.input[n - 1] = 0;
			} else if (!is_key && ch >= '0' && ch <= '9' && n + 1 < 6) {
				a->ui.input[n] = (char)ch;
				a->ui.input[n + 1] = 0;
			}
			return;
		}
		if (!is_key && (ch == 'y' || ch == 'Y'))
			finish_prompt(a, true, ch == 'Y');
		else if (!is_key && (ch == 'n' || ch == 'N' || ch == 27 || ch == 'q'))
			finish_prompt(a, false, false);
		return;
	}
	/* a typed character whose code is also a curses key code (U+0103 is
	 * KEY_UP) is not that key */
	const key_binding *b = is_key || ch < 256 ? keys_find((int)ch) : NULL;
	if (b)
		b->fn(a);
}

static void on_stdin(uv_poll_t *h, int status, int events)
{
	app *a = h->data;
	wint_t ch;
	int rc;
	while ((rc = get_wch(&ch)) != ERR) {
		handle_key(a, ch, rc == KEY_CODE_YES);
		if (a->quitting)
			return;
	}
	model_touch(&a->m);
}

/* ---- sampling ----------------------------------------------------------- */

static seen_proc *seen_for(app *a, const vproc *p)
{
	for (size_t i = 0; i < a->nseen; i++)
		if (a->seen[i].p == p)
			return &a->seen[i];
	if (a->nseen == a->capseen) {
		size_t cap = a->capseen ? a->capseen * 2 : 32;
		seen_proc *ns = realloc(a->seen, cap * sizeof *ns);
		if (!ns)
			return NULL;
		a->seen = ns;
		a->capseen = cap;
	}
	seen_proc *s = &a->seen[a->nseen++];
	s->p = p;
	s->state = -1;
	s->pstate = -1;
	return s;
}

static void headless_tick(app *a, int64_t now)
{
	for (size_t i = 0; i < a->m.nprocs && !a->json_err; i++) {
		vproc *p = a->m.procs[i];
		seen_proc *s = seen_for(a, p);
		if (!s)
			continue;
		if (s->state == -1)
			json_written(a, headless_event(a->json_out, p, "found", p->state == PROC_DENIED ? p->err : NULL, now));
		if (p->state == PROC_LIVE || (s->state == PROC_LIVE && p->state == PROC_EXITED))
			json_written(a, headless_sample(a->json_out, p, now));
		if (s->state != -1 && s->state != (int)p->state && p->state == PROC_EXITED)
			json_written(a, headless_event(a->json_out, p, "exited", NULL, now));
		if (s->pstate != (int)p->pstate && p->pstate == PROBE_ATTACHED)
			json_written(a, headless_event(a->json_out, p, "probe_attached", NULL, now));
		if (s->pstate == PROBE_ATTACHED && p->pstate == PROBE_LOST)
			json_written(a, headless_event(a->json_out, p, "probe_lost", NULL, now));
		s->state = (int)p->state;
		s->pstate = (int)p->pstate;
	}
}

static bool launches_done(app *a)
{
	if (a->nlaunch == 0)
		return false;
	for (int i = 0; i < a->nlaunch; i++)
		if (launch_running(a->launches[i]))
			return false;
	return true;
}

static void on_tick(uv_timer_t *t)
{
	app *a = t->data;
	int64_t now = app_now_ms();
	a->m.now_ms = now;
	if (a->discover) {
		int added = proc_discover(a->pc, &a->m, a->uid, a->opt.all_users);
		if (added > 0 && a->opt.attach) {
			for (size_t i = 0; i < a->m.nprocs; i++)
				if (a->m.procs[i]->pstate == PROBE_NONE && a->m.procs[i]->state == PROC_LIVE)
					app_attach(a, a->m.procs[i]);
		}
	}
	proc_collector_sample(a->pc, &a->m, now);
	probe_mgr_scan(a->pm);
	alerts_eval(a->al, &a->m, now);
	/* progress of running captures in the status line */
	for (size_t i = 0; i < a->m.nprocs; i++) {
		long long got = probe_mgr_progress(a->pm, a->m.procs[i]);
		if (got >= 0 && !a->headless) {
			char b[32];
			model_status(&a->m, "capture from %d: %s received…", a->m.procs[i]->pid,
				     diag_bytes((double)got, b, sizeof b));
		}
	}
	if (a->opt.json)
		headless_tick(a, now);
	model_touch(&a->m);	/* the clock and the time axis moved */
	if (a->json_err) {
		/* the reader is gone (vitals --json | head): stop; a full disk or
		 * the like is an error worth saying */
		if (a->json_err != -EPIPE) {
			fprintf(stderr, "vitals: writing JSON output: %s\n", strerror(-a->json_err));
			a->exit_code = 1;
		}
		app_quit(a);
	} else if (a->opt.duration_s > 0 && now - a->t_start >= (int64_t)(a->opt.duration_s * 1000))
		app_quit(a);
	else if (a->headless && launches_done(a))
		app_quit(a);
}

/* ---- signals ------------------------------------------------------------ */

static void on_winch(uv_signal_t *h, int sig)
{
	app *a = h->data;
	struct winsize ws;
	if (a->curses && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		resizeterm(ws.ws_row, ws.ws_col);
		clearok(curscr, TRUE);
	}
	model_touch(&a->m);
}

static void on_quit_signal(uv_signal_t *h, int sig)
{
	app *a = h->data;
	for (int i = 0; i < a->nlaunch; i++)
		if (launch_running(a->launches[i]))
			launch_signal(a->launches[i], sig == SIGHUP ? SIGTERM : sig);
	if (!a->exit_code)
		a->exit_code = 128 + sig;	/* the shell's convention: stopped, not done */
	app_quit(a);
}

/* ---- lifecycle ---------------------------------------------------------- */

static void close_cb(uv_handle_t *h) { (void)h; }

void app_quit(app *a)
{
	if (a->quitting)
		return;
	a->quitting = true;
	if (a->handles_open) {
		uv_timer_stop(&a->tick_timer);
		uv_close((uv_handle_t *)&a->tick_timer, close_cb);
		if (a->curses)
			uv_close((uv_handle_t *)&a->stdin_poll, close_cb);
		uv_close((uv_handle_t *)&a->paint, close_cb);
		uv_close((uv_handle_t *)&a->sig_winch, close_cb);
		uv_close((uv_handle_t *)&a->sig_int, close_cb);
		uv_close((uv_handle_t *)&a->sig_term, close_cb);
		uv_close((uv_handle_t *)&a->sig_hup, close_cb);
		a->handles_open = false;
	}
	if (a->diff_running)
		uv_cancel((uv_req_t *)&a->diff_work);
	for (int i = 0; i < a->nlaunch; i++)
		launch_close(a->launches[i]);
	a->nlaunch = 0;
	if (a->insp)
		inspector_close(a->insp);
	a->insp = NULL;
	if (a->pm)
		probe_mgr_close(a->pm);
	a->pm = NULL;
	prom_server_close(a->prom);
	a->prom = NULL;
}

static int die(app *a, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int die(app *a, int code, const char *fmt, ...)
{
	curses_stop(a);
	va_list ap;
	va_start(ap, fmt);
	fputs("vitals: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

static int start_curses(app *a)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return die(a, 2, "the dashboard needs a terminal (use --json to write samples to a pipe)");
	const char *term = getenv("TERM");
	if (!term || !*term)
		return die(a, 2, "TERM is not set: cannot draw the dashboard (use --json for output without a terminal)");
	SCREEN *s = newterm(NULL, stdout, stdin);
	if (!s)
		return die(a, 2, "terminal type '%s' is not known to ncurses", term);
	set_term(s);
	a->curses = true;
	curses_live = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (a->cfg.mouse)
		app_set_mouse(a, true);
	a->ui.ascii = a->opt.ascii || canvas_want_ascii();
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	theme_apply(&a->th, theme_detect_depth());
	return 0;
}

/* Load the theme called name; -1 if there is none, else the number of
 * warnings about its file (written to stderr). */
static int load_theme(app *a, const char *name)
{
	char err[512];
	int warnings = theme_load(&a->th, name, stderr, err, sizeof err);
	if (warnings < 0) {
		fprintf(stderr, "vitals: theme '%s': %s\n", name, err);
		return -1;
	}
	a->ui.th = &a->th;
	char names[THEME_MAX_LIST][THEME_NAME_LEN];
	int n = theme_list(names, THEME_MAX_LIST);
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			a->theme_idx = i;
	return warnings;
}

static int check_output_dir(app *a)
{
	const char *d = a->opt.output_dir ? a->opt.output_dir : a->cfg.output_dir[0] ? a->cfg.output_dir : ".";
	struct stat st;
	if (stat(d, &st) < 0)
		return die(a, 2, "output directory %s: %s", d, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return die(a, 2, "output directory %s: not a directory", d);
	if (access(d, W_OK) < 0)
		return die(a, 2, "output directory %s: not writable", d);
	snprintf(a->out_dir, sizeof a->out_dir, "%s", d);
	return 0;
}

static int add_pids(app *a)
{
	for (int i = 0; i < a->opt.npids; i++) {
		proc_info pi;
		int pid = a->opt.pids[i];
		int rc = proc_identify(a->pc, pid, &pi);
		if (rc == -ENOENT)
			return die(a, 2, "no such process: %d", pid);
		if (rc < 0 && rc != -EACCES)
			return die(a, 2, "cannot read process %d: %s", pid, strerror(-rc));
		if (model_find(&a->m, pid))
			continue;
		vproc *p = model_add(&a->m, pid, rc == 0 ? pi.start_time : 0);
		if (!p)
			return die(a, 2, "out of memory");
		if (rc == 0) {
			snprintf(p->name, sizeof p->name, "%s", pi.name);
			p->uid = pi.uid;
			p->ppid = pi.ppid;
		} else {
			p->state = PROC_DENIED;
			snprintf(p->err, sizeof p->err, "permission denied reading /proc/%d", pid);
		}
		if (a->opt.attach && rc == 0 && !pi.is_node)
			fprintf(stderr, "vitals: PID %d (%s) is not a Node.js process; watching without a probe\n",
				pid, pi.name);
	}
	return 0;
}

/* mkdir -p with 0700 for the directories it creates. */
static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -1;
	return access(tmp, W_OK);
}

/* --log-file, else $XDG_STATE_HOME/vitals/<name>-<stamp>.log (~/.local/state):
 * a launched program's output is kept without littering the current
 * directory.  Falls back to the output directory if the state dir can't be
 * made. */
static void launch_log_path(app *a, const char *name, char *buf, size_t n)
{
	if (a->opt.log_file) {
		snprintf(buf, n, "%s", a->opt.log_file);
		return;
	}
	char dir[PATH_MAX];
	if (!paths_user(PATHS_STATE, "vitals", dir, sizeof dir))
		snprintf(dir, sizeof dir, "%s", a->out_dir);
	if (mkdir_p(dir) < 0)
		snprintf(dir, sizeof dir, "%s", a->out_dir);
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (snprintf(buf, n, "%s/%s-%s.log", dir, name, stamp) >= (int)n)
		snprintf(buf, n, "vitals-%s.log", stamp);	/* absurdly long dir: fall back to cwd */
}

static int start_launches(app *a)
{
	char err[512];
	if (a->opt.demo) {
		char demo_dir[PATH_MAX];
		paths_data("demo", demo_dir, sizeof demo_dir);
		char logpath[PATH_MAX];
		launch_log_path(a, "demo", logpath, sizeof logpath);
		int n = launch_demo(a->loop, &a->m, a->probe_path, demo_dir, logpath, a->launches,
				    APP_MAX_LAUNCH, err, sizeof err);
		if (n < 0)
			return die(a, 2, "demo: %s", err);
		a->nlaunch = n;
		model_status(&a->m, "demo: a healthy server, a slow leak and a stalling loop — Enter for details, ? for keys");
		return 0;
	}
	if (!a->opt.cmd)
		return 0;
	char logpath[PATH_MAX];
	const char *base = strrchr(a->opt.cmd[0], '/');
	launch_log_path(a, base ? base + 1 : a->opt.cmd[0], logpath, sizeof logpath);
	const char *lp = logpath;
	launch *l = launch_start(a->loop, &a->m, a->opt.cmd, a->probe_path, lp, err, sizeof err);
	if (!l)
		return die(a, 2, "%s", err);
	a->launches[a->nlaunch++] = l;
	a->ui.selected_pid = launch_pid(l);
	model_status(&a->m, "launched %s (PID %d); output saved to %s", a->opt.cmd[0], launch_pid(l), lp);
	return 0;
}

static void app_cleanup(app *a)
{
	curses_stop(a);
	if (a->al)
		alerts_free(a->al);
	if (a->pc) {
		proc_collector_release(&a->m);
		proc_collector_free(a->pc);
	}
	model_free(&a->m);
	free(a->diff_text);
	free(a->seen);
	if (a->alert_log)
		fclose(a->alert_log);
}

int app_main(int argc, char **argv)
{
	static app A;	/* static: large, and the crash handler may need it */
	app *a = &A;
	char err[512];

	setlocale(LC_ALL, "");
	install_crash_handlers();
	if (cli_parse(argc, argv, &a->opt, err, sizeof err) < 0) {
		fprintf(stderr, "vitals: %s\n", err);
		return 2;
	}
	switch (a->opt.action) {
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		return 0;
	case CLI_VERSION:
		printf("vitals %s\n", PACKAGE_VERSION);
		return 0;
	case CLI_HEAP:
		return heap_cli_main(a->opt.heap_argc, a->opt.heap_argv);
	case CLI_RUN:
		break;
	}

	config_default(&a->cfg);
	int warnings = config_load(&a->cfg, a->opt.config, stderr);
	if (warnings < 0)
		return 2;	/* config_load said why */
	if (a->opt.interval_s > 0)
		a->cfg.interval_s = a->opt.interval_s;
	if (a->opt.hz > 0)
		a->cfg.probe_hz = a->opt.hz;
	if (a->opt.theme)
		snprintf(a->cfg.theme, sizeof a->cfg.theme, "%s", a->opt.theme);
	if (a->opt.bell)
		a->cfg.bell = true;
	a->headless = a->opt.json || a->opt.no_tui;
	a->json_out = stdout;
	a->uid = getuid();
	a->discover = a->opt.npids == 0 && !a->opt.cmd && !a->opt.demo;
	a->ui.window = a->cfg.window >= 0 && a->cfg.window < UI_NWINDOWS ? a->cfg.window : 0;
	a->ui.braille = a->opt.braille || a->cfg.braille;
	a->ui.sort = SORT_PID;
	if (check_output_dir(a))
		return 2;
	if (!a->headless) {
		int tw = load_theme(a, a->cfg.theme);
		if (tw < 0)
			return 2;
		warnings += tw;
	}
	if (a->cfg.alert_log[0]) {
		int fd = open(a->cfg.alert_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || !(a->alert_log = fdopen(fd, "a")))
			return die(a, 2, "alert log %s: %s", a->cfg.alert_log, strerror(errno));
	}
	paths_probe(a->probe_path, sizeof a->probe_path);
	if (access(a->probe_path, R_OK) < 0)
		fprintf(stderr, "vitals: warning: probe not found at %s; attach and launch will fail\n", a->probe_path);
	char sockdir[PATH_MAX];
	paths_sock_dir(sockdir, sizeof sockdir);
	if (paths_sock_dir_ensure(sockdir, err, sizeof err) < 0)
		fprintf(stderr, "vitals: warning: %s\n", err);

	model_init(&a->m, &a->cfg.ring);
	a->m.now_ms = app_now_ms();
	a->t_start = a->m.now_ms;
	a->pc = proc_collector_new(err, sizeof err);
	if (!a->pc) {
		int rc = die(a, 2, "%s", err);
		app_cleanup(a);
		return rc;
	}
	if (add_pids(a)) {
		app_cleanup(a);
		return 2;
	}
	a->loop = uv_default_loop();
	probe_mgr_opts po = { .hz = a->cfg.probe_hz, .out_dir = a->out_dir,
			      .on_warning = on_probe_warning, .ud = a };
	a->pm = probe_mgr_new(a->loop, &a->m, &po);
	a->insp = inspector_new(a->loop, a->probe_path);
	a->al = alerts_new(&a->cfg.alerts, on_alert, a);
	if (!a->pm || !a->insp || !a->al) {
		app_cleanup(a);
		return die(a, 2, "out of memory");
	}
	if (a->opt.prometheus) {
		a->prom = prom_server_new(a->loop, &a->m, a->al, a->opt.prometheus, err, sizeof err);
		if (!a->prom) {
			int rc = die(a, 2, "--prometheus %s", err);
			app_quit(a);
			uv_run(a->loop, UV_RUN_DEFAULT);
			app_cleanup(a);
			return rc;
		}
		if (a->headless)
			fprintf(stderr, "vitals: Prometheus metrics on http://%s/metrics\n", prom_server_address(a->prom));
		else
			model_status(&a->m, "Prometheus metrics on http://%s/metrics", prom_server_address(a->prom));
	}
	if (start_launches(a)) {
		app_quit(a);
		uv_run(a->loop, UV_RUN_DEFAULT);
		app_cleanup(a);
		return 2;
	}
	if (!a->headless && start_curses(a)) {
		app_quit(a);
		uv_run(a->loop, UV_RUN_DEFAULT);
		app_cleanup(a);
		return 2;
	}
	if (a->curses && warnings > 0)	/* written before the screen was taken over */
		model_status(&a->m, "%d warning%s about the config or theme file: on the terminal after you quit",
			     warnings, warnings == 1 ? "" : "s");

	uv_timer_init(a->loop, &a->tick_timer);
	a->tick_timer.data = a;
	uv_prepare_init(a->loop, &a->paint);
	a->paint.data = a;
	uv_prepare_start(&a->paint, on_prepare);
	uv_signal_init(a->loop, &a->sig_winch);
	uv_signal_init(a->loop, &a->sig_int);
	uv_signal_init(a->loop, &a->sig_term);
	uv_signal_init(a->loop, &a->sig_hup);
	a->sig_winch.data = a->sig_int.data = a->sig_term.data = a->sig_hup.data = a;
	uv_signal_start(&a->sig_winch, on_winch, SIGWINCH);
	uv_signal_start(&a->sig_int, on_quit_signal, SIGINT);
	uv_signal_start(&a->sig_term, on_quit_signal, SIGTERM);
	uv_signal_start(&a->sig_hup, on_quit_signal, SIGHUP);
	if (a->curses) {
		uv_poll_init(a->loop, &a->stdin_poll, STDIN_FILENO);
		a->stdin_poll.data = a;
		uv_poll_start(&a->stdin_poll, UV_READABLE, on_stdin);
	}
	a->handles_open = true;

	/* First sample at once; --attach PIDs are queued right away. */
	on_tick(&a->tick_timer);
	if (a->opt.attach)
		for (size_t i = 0; i < a->m.nprocs; i++)
			if (a->m.procs[i]->state == PROC_LIVE && !a->m.procs[i]->launched)
				app_attach(a, a->m.procs[i]);
	uint64_t ms = (uint64_t)(a->cfg.interval_s * 1000);
	if (!a->quitting)
		uv_timer_start(&a->tick_timer, on_tick, ms, ms);

	uv_run(a->loop, UV_RUN_DEFAULT);
	curses_stop(a);
	int code = a->exit_code;
	app_cleanup(a);
	uv_loop_close(a->loop);
	return code;
}
