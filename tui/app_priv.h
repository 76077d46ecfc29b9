/* app_priv — the application context shared by tui/app.c (loop, lifecycle),
 * tui/keys.c (key table and actions) and tui/help.c.  Not for other modules.
 *
 * Ownership: struct app lives on app_main's stack; it owns the model, every
 * collector, the theme and the heap-diff text.  Every libuv handle here is
 * closed in app_shutdown before the loop's last run. */
#ifndef VITALS_APP_PRIV_H
#define VITALS_APP_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <uv.h>

#include "collectors/inspector.h"
#include "collectors/launch.h"
#include "collectors/probe_client.h"
#include "collectors/proc.h"
#include "core/alerts.h"
#include "core/config.h"
#include "core/model.h"
#include "themes/theme.h"
#include "tui/cli.h"
#include "tui/ui.h"

#define APP_MAX_LAUNCH 8

typedef enum pending_action { ACT_NONE = 0, ACT_SNAPSHOT, ACT_PROFILE } pending_action;

/* What headless mode last said about a process, to report transitions once. */
typedef struct seen_proc {
	const vproc *p;
	int state, pstate;
} seen_proc;

typedef struct app {
	uv_loop_t *loop;
	cli_opts opt;
	vitals_config cfg;
	model m;
	ui_state ui;
	uid_t uid;
	char probe_path[PATH_MAX];
	char out_dir[PATH_MAX];

	proc_collector *pc;
	probe_mgr *pm;
	inspector *insp;
	alerts *al;
	struct prom_server *prom;	/* --prometheus, or NULL */
	launch *launches[APP_MAX_LAUNCH];
	int nlaunch;

	uv_timer_t tick_timer;
	uv_poll_t stdin_poll;
	uv_signal_t sig_winch, sig_int, sig_term, sig_hup;
	uv_prepare_t paint;
	bool handles_open;

	bool curses;		/* ncurses is active (TUI mode) */
	bool headless;
	bool discover;		/* no PIDs given: follow this user's node processes */
	bool quitting;
	int exit_code;
	int64_t t_start;
	uint64_t painted;	/* m.dirty at the last paint */
	int rows, cols;

	FILE *json_out;		/* headless output (stdout) */
	int json_err;		/* first failed write to json_out (-errno), 0 = none */
	FILE *alert_log;	/* [log] alert_log of the config, or NULL */
	seen_proc *seen;
	size_t nseen, capseen;

	theme th;		/* the theme in use (a plain value) */
	int theme_idx;

	pending_action pending;
	int pending_pid;
	bool pending_refuse;

	/* heap diff on the thread pool */
	uv_work_t diff_work;
	bool diff_running;
	char diff_before[PATH_MAX], diff_after[PATH_MAX];
	char *diff_text;	/* owned; shown in VIEW_HEAPDIFF */
	char diff_err[256];

	int64_t autosnap_ms[64];	/* last auto snapshot per pid slot (pid % 64) */
} app;

int64_t app_now_ms(void);
/* Visible processes in display order (filter + sort); returns the count. */
size_t app_rows(app *a, vproc **out, size_t max);
vproc *app_selected(app *a);
void app_quit(app *a);
void app_attach(app *a, vproc *p);
void app_capture(app *a, vproc *p, const char *cmd, int seconds);
void app_start_diff(app *a, vproc *p);
void app_theme_next(app *a);
void app_set_mouse(app *a, bool on);

/* help.c */
void help_draw(app *a);
/* Largest useful ui.help_scroll at the current terminal size (0: all fits). */
int help_max_scroll(void);

#endif
