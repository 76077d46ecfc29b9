/* app — vitals' main program: setup (options, config, theme, collectors,
 * launches), the libuv loop and its handles, ncurses, painting and key
 * dispatch, and an orderly shutdown.  The tick lives in tui/app_tick.c, what
 * keys do in tui/app_actions.c, the question line in tui/prompt.c and the
 * heap-diff job in tui/heapdiff.c.
 *
 * One loop runs everything.  The sampling timer and the collectors' callbacks
 * only change the model; a prepare handle paints at the end of a loop turn
 * in which the tick ran, a key came or the terminal changed (a->repaint), or
 * the status line got a new message — never for a probe sample alone, which
 * may come 20 times a second from each of hundreds of processes.  Headless mode
 * (--json) runs the same loop without curses and writes JSON lines instead.
 * The terminal is restored on quit, on SIGINT/SIGTERM/SIGHUP, and on a fatal
 * signal (crash handler) — never left in raw mode. */
#include "config.h"
#include "tui/app.h"
#include "base/clock.h"
#include "base/xalloc.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pwd.h>
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

#include "base/paths.h"
#include "base/text.h"
#include "export/alert_action.h"
#include "export/prom_server.h"
#include "heap/heap_cli.h"
#include "themes/theme.h"
#include "widgets/canvas.h"
#include "tui/app_priv.h"
#include "tui/heapdiff.h"
#include "tui/profview.h"
#include "tui/help.h"
#include "tui/keys.h"
#include "tui/prompt.h"
#include "tui/rows.h"
#include "tui/view.h"
#include "tui/view_detail.h"
#include "tui/view_overview.h"

static volatile sig_atomic_t curses_live;

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

/* ---- painting ----------------------------------------------------------- */

/* Keep the selection on a visible row (the first, when it went away). */
static void fix_selection(app *a)
{
	if (rows_index(a->rows.v, a->rows.n, a->ui.selected_pid) < 0) {
		a->ui.selected_pid = a->rows.n ? a->rows.v[0]->pid : 0;
		a->ui.selected_worker = 0;
	} else if (a->ui.selected_worker &&
		   rows_index_sel(&a->rows, a->ui.selected_pid, a->ui.selected_worker) < 0) {
		a->ui.selected_worker = 0;	/* the worker ended, or its row folded */
	}
}

/* One frame: the rows are filtered and sorted once, here, and the same list
 * serves the selection and the overview. */
static void paint(app *a)
{
	if (!a->ui.paused)
		a->ui.end_ms = a->m.now_ms ? a->m.now_ms : clock_wall_ms();
	rows_build(&a->rows, &a->m, &a->ui);
	fix_selection(a);
	if (a->ui.view == VIEW_DETAIL && !app_selected(a))
		a->ui.view = VIEW_OVERVIEW;
	erase();
	switch (a->ui.view) {
	case VIEW_HELP:
		help_draw(stdscr, &a->ui);
		break;
	case VIEW_HEAPDIFF:
		heapdiff_draw(stdscr, &a->m, &a->ui);
		break;
	case VIEW_PROFILE:
		if ((COLS < PROFVIEW_WIDE_COLS) != a->prof_narrow)
			app_profile_render(a);	/* resized across the width class */
		profview_draw(stdscr, &a->m, &a->ui);
		break;
	case VIEW_EXPLORE:
		app_explore_draw(a);
		break;
	case VIEW_DETAIL:
		view_detail_draw(stdscr, &a->m, &a->ui);
		break;
	default:
		view_overview_draw(stdscr, &a->m, &a->ui, &a->rows);
		break;
	}
	prompt_draw(stdscr, &a->ui);
	wnoutrefresh(stdscr);
	doupdate();
	a->repaint = false;
	a->painted_status_ms = a->m.status_ms;
	memcpy(a->painted_status, a->m.status, sizeof a->painted_status);
}

static void on_prepare(uv_prepare_t *h)
{
	app *a = h->data;
	if (a->curses && (a->repaint || a->m.status_ms != a->painted_status_ms ||
			  memcmp(a->m.status, a->painted_status, sizeof a->painted_status) != 0))
		paint(a);
}

/* ---- keys --------------------------------------------------------------- */

/* The wheel scrolls like the arrow keys; a click selects a row. */
static void handle_mouse(app *a)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return;
	if (a->ui.view == VIEW_EXPLORE) {	/* the wheel moves the explorer's selection */
		if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED))
			app_explore_key(a, ev.bstate & BUTTON4_PRESSED ? KEY_UP : KEY_DOWN, true);
		return;
	}
	if (ev.bstate & BUTTON4_PRESSED)
		app_act(a, KA_UP);
	else if (ev.bstate & BUTTON5_PRESSED)
		app_act(a, KA_DOWN);
	else if (ev.bstate & BUTTON1_CLICKED && a->ui.view == VIEW_OVERVIEW) {
		rows_build(&a->rows, &a->m, &a->ui);
		int pid = view_overview_pid_at(&a->m, &a->ui, &a->rows, ev.y, LINES, COLS);
		if (pid > 0) {
			a->ui.selected_pid = pid;
			a->ui.selected_worker = 0;
		}
	}
}

static void handle_key(app *a, wint_t ch, bool is_key)
{
	if (is_key && ch == KEY_RESIZE)
		return;
	if (is_key && ch == KEY_MOUSE) {
		handle_mouse(a);
		return;
	}
	if (a->ui.view == VIEW_EXPLORE && !a->ui.prompt[0]) {
		/* the explorer takes every key (its search prompt edits UTF-8) */
		app_explore_key(a, ch, is_key);
		return;
	}
	if (prompt_key(a, ch, is_key))
		return;
	/* a typed character whose code is also a curses key code (U+0103 is
	 * KEY_UP) is not that key */
	const key_binding *b = is_key || ch < 256 ? keys_find((int)ch) : NULL;
	if (b)
		app_act(a, b->act);
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
	a->repaint = true;
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
	a->repaint = true;
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
		/* the explorer's thread stopped and joined first: it sends
		 * explore_wake when done */
		app_explore_close(a);
		uv_close((uv_handle_t *)&a->explore_wake, close_cb);
		a->handles_open = false;
	}
	if (a->diff_running)
		uv_cancel((uv_req_t *)&a->diff_work);
	if (a->prof_running)
		uv_cancel((uv_req_t *)&a->prof_work);
	if (a->explore_running)
		uv_cancel((uv_req_t *)&a->explore_work);
	app_hunt_cancel(a);
	for (int i = 0; i < a->nlaunch; i++)
		launch_close(a->launches[i]);
	a->nlaunch = 0;
	if (a->insp) {
		app_attach_abandon(a);
		inspector_close(a->insp);
	}
	a->insp = NULL;
	if (a->pm)
		probe_mgr_close(a->pm);
	a->pm = NULL;
	prom_server_close(a->prom);
	a->prom = NULL;
	app_remote_close(a);
	alert_actions_close(a->actions);
	a->actions = NULL;
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
	/* without cursor addressing (TERM=dumb, a printer) curses can only
	 * scroll lines past: a blank, useless screen */
	const char *cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(s);
		return die(a, 2, "terminal '%s' cannot move the cursor: the dashboard needs one that can (xterm, screen, ...); use --json for line output", term);
	}
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
	/* ncurses (6.4) flushes after every cursor move while a screen is in
	 * its first state, before any endwin (for low-level terminfo callers):
	 * a paint of the overview was ~140 write(2)s.  Suspended and resumed
	 * once, as after a ^Z, it writes its buffer once per doupdate. */
	endwin();
	doupdate();
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

/* -u USER: a user name, or a uid as digits. */
static int resolve_user(const char *name, uid_t *uid)
{
	struct passwd *pw = getpwnam(name);
	if (pw) {
		*uid = pw->pw_uid;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(name, &end, 10);
	if (errno || end == name || *end || name[0] == '-' || v > (uid_t)-2)
		return -1;
	*uid = (uid_t)v;
	return 0;
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
		if (a->opt.attach && rc == 0 && !pi.is_node) {
			fprintf(stderr, "vitals: PID %d (%s) is not a Node.js process; watching without a probe\n",
				pid, pi.name);
			p->pstate = PROBE_FAILED;	/* and so not attached below */
			snprintf(p->probe_err, sizeof p->probe_err, "not a Node.js process");
		}
	}
	return 0;
}

/* mkdir -p with 0700 for the directories it creates. */
int app_mkdir_p(const char *path)
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
	if (app_mkdir_p(dir) < 0)
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
	app_record_close(a);
	app_replay_close(a);
	app_remote_free(a);
	model_free(&a->m);
	free(a->diff_text);
	app_profile_free(a);
	app_explore_close(a);
	free(a->seen);
	rows_free(&a->rows);
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
	if (a->opt.record)
		a->opt.json = true;	/* headless lines, into the recording (app_record.c) */
	a->headless = a->opt.json || a->opt.no_tui;
	a->json_out = stdout;
	a->uid = getuid();
	if (a->opt.user && resolve_user(a->opt.user, &a->uid) < 0) {
		char sb[96];
		text_clean(sb, sizeof sb, a->opt.user, strlen(a->opt.user), TEXT_UTF8);
		fprintf(stderr, "vitals: no such user: '%s'\n", sb);
		return 2;
	}
	a->discover = a->opt.npids == 0 && !a->opt.cmd && !a->opt.demo && !a->opt.replay && !a->opt.nremotes;
	a->ui.window = a->cfg.window >= 0 && a->cfg.window < UI_NWINDOWS ? a->cfg.window : 0;
	a->ui.braille = a->opt.braille || a->cfg.braille;
	a->ui.sort = a->cfg.sort >= 0 && a->cfg.sort < SORT_NCOLS ? (sort_col)a->cfg.sort : SORT_PID;
	a->ui.sort_invert = a->cfg.sort_invert;
	a->ui.tree = a->cfg.tree;
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
	a->m.now_ms = clock_wall_ms();
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
			      .on_sample = app_on_probe_sample, .on_warning = app_on_probe_warning, .ud = a };
	a->pm = probe_mgr_new(a->loop, &a->m, &po);
	a->insp = inspector_new(a->loop, a->probe_path);
	a->al = alerts_new(&a->cfg.alerts, app_on_alert, a);
	if (!a->pm || !a->insp || !a->al) {
		app_cleanup(a);
		return die(a, 2, "out of memory");
	}
	alerts_set_gc_cb(a->al, app_on_alert_gc, a);
	if (a->opt.on_alert)
		snprintf(a->cfg.on_alert, sizeof a->cfg.on_alert, "%s", a->opt.on_alert);
	if (a->cfg.on_alert[0])
		a->actions = alert_actions_new(a->loop, a->cfg.on_alert, a->cfg.on_alert_timeout_s, app_on_action_log, a);
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
	if ((a->opt.record && app_record_open(a, err, sizeof err) < 0) ||
	    (a->opt.replay && app_replay_open(a, err, sizeof err) < 0) ||
	    (a->opt.nremotes && app_remote_open(a, err, sizeof err) < 0)) {
		int rc = die(a, 2, "%s", err);
		app_quit(a);
		uv_run(a->loop, UV_RUN_DEFAULT);
		app_cleanup(a);
		return rc;
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
	uv_async_init(a->loop, &a->explore_wake, app_explore_wake);
	a->explore_wake.data = a;
	if (a->curses) {
		uv_poll_init(a->loop, &a->stdin_poll, STDIN_FILENO);
		a->stdin_poll.data = a;
		uv_poll_start(&a->stdin_poll, UV_READABLE, on_stdin);
	}
	a->handles_open = true;

	/* First sample at once; --attach PIDs are queued right away. */
	if (!a->rp && !a->remotes)
		app_tick(&a->tick_timer);
	if (a->opt.attach)
		for (size_t i = 0; i < a->m.nprocs; i++)
			if (a->m.procs[i]->state == PROC_LIVE && !a->m.procs[i]->launched &&
			    a->m.procs[i]->pstate == PROBE_NONE)
				app_attach(a, a->m.procs[i]);
	uint64_t ms = a->rp ? 100 : (uint64_t)(a->cfg.interval_s * 1000);
	if (!a->quitting)
		uv_timer_start(&a->tick_timer, a->rp ? app_replay_tick : a->remotes ? app_remote_tick : app_tick, ms, ms);

	uv_run(a->loop, UV_RUN_DEFAULT);
	app_record_close(a);	/* the last block */
	curses_stop(a);
	app_save_settings(a);
	int code = a->exit_code;
	app_cleanup(a);
	uv_loop_close(a->loop);
	return code;
}