/* app_priv — the application context shared by the files of the app:
 * tui/app.c (setup, the loop, painting, key dispatch), tui/app_tick.c (the
 * sampling tick, headless output, alert side effects), tui/app_actions.c
 * (what keys ask for), tui/prompt.c (questions and the filter line),
 * tui/heapdiff.c (the heap-diff job), tui/heapview.c (the heap explorer)
 * and tui/profview.c (the profile screen).  Not for other modules: keys,
 * views and widgets never see struct app.
 *
 * Ownership: struct app lives on app_main's stack; it owns the model, every
 * collector, the theme, the heap-diff text and the profile shown.  Every libuv handle here is
 * closed in app_shutdown before the loop's last run. */
#ifndef VITALS_APP_PRIV_H
#define VITALS_APP_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <uv.h>
#include <wchar.h>

#include "collectors/inspector.h"
#include "collectors/launch.h"
#include "collectors/probe_client.h"
#include "collectors/proc.h"
#include "collectors/procfs.h"
#include "base/alerts.h"
#include "base/config.h"
#include "base/model.h"
#include "themes/theme.h"
#include "tui/cli.h"
#include "tui/autohunt.h"
#include "tui/keys.h"
#include "tui/rows.h"
#include "tui/ui.h"

#define APP_MAX_LAUNCH 8

enum { SET_THEME = 1, SET_WINDOW = 2, SET_SORT = 4, SET_MOUSE = 8, SET_TREE = 16 };

typedef enum pending_action { ACT_NONE = 0, ACT_SNAPSHOT, ACT_PROFILE, ACT_SIGNAL, ACT_JUMP } pending_action;

/* What headless mode last said about a process, to report transitions once. */
typedef struct seen_proc {
	const vproc *p;
	int state, pstate;
	uint64_t gc_seen;	/* record: GC events already written */
} seen_proc;

/* --auto-snapshot's leak hunt of one process (tui/autohunt.c); pid 0: free. */
typedef struct hunt {
	int pid;
	int taken;		/* snapshots saved */
	bool capturing;		/* one is being taken */
	bool analysing;		/* the report job runs */
	int64_t next_ms;	/* when the next is due */
	char snap[HUNT_SNAPSHOTS][PATH_MAX];
	char report[PATH_MAX + 32];
	uv_work_t work;
	bool ok;		/* the job's result: report written */
	char *headline;		/* owned: the top cluster in one line */
	char err[512];
	struct app *a;
} hunt;

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
	struct alert_actions *actions;	/* --on-alert, or NULL */
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
	bool repaint;		/* paint at the end of this loop turn (tick, key, resize) */
	int64_t painted_status_ms;	/* the status line at the last paint: a new */
	char painted_status[sizeof ((model *)0)->status];	/* message is painted at once */

	FILE *json_out;		/* headless output (stdout) */
	int json_err;		/* first failed write to json_out (-errno), 0 = none */
	FILE *alert_log;	/* [log] alert_log of the config, or NULL */
	seen_proc *seen;
	size_t nseen, capseen;

	theme th;		/* the theme in use (a plain value) */
	int theme_idx;

	pending_action pending;
	int pending_pid;
	int pending_thread;	/* ACT_SNAPSHOT of a worker thread of pending_pid; 0: the process */
	bool pending_refuse;
	int pending_sig;	/* ACT_SIGNAL: which */

	/* heap diff on the thread pool */
	uv_work_t diff_work;
	bool diff_running;
	char diff_before[PATH_MAX], diff_after[PATH_MAX];
	char *diff_text;	/* owned; shown in VIEW_HEAPDIFF */
	char diff_err[256];

	/* CPU profile screen: the capture is loaded on the thread pool, the
	 * table rendered on the loop (again when the sort or the width class
	 * changes) */
	uv_work_t prof_work;
	bool prof_running;
	char prof_path[PATH_MAX];	/* the capture being loaded / shown */
	struct profile *prof_next;	/* the worker's result, owned until done */
	struct profile *prof;		/* owned; the profile shown */
	char *prof_text;		/* owned; shown in VIEW_PROFILE */
	bool prof_narrow;		/* rendered for a narrow screen */
	char prof_err[256];
	/* heap explorer (tui/heapview.c): the load on the thread pool, then the screen */
	uv_work_t explore_work;
	bool explore_running;
	char explore_before[PATH_MAX], explore_after[PATH_MAX];	/* before "" : one snapshot */
	struct explore *explore_x;	/* the worker's result, handed over in the done callback */
	char explore_err[512];
	struct explore_ui *explorer;	/* owned; shown in VIEW_EXPLORE */
	uv_async_t explore_wake;	/* sent by its thread: retained sizes ready */

	int64_t autosnap_ms[64];	/* last leak hunt per pid slot (pid % 64) */
	hunt hunts[APP_MAX_HUNTS];	/* --auto-snapshot (tui/autohunt.c) */

	unsigned settings_changed;	/* SET_* chosen in the UI, saved to the config at quit */

	struct rec_writer *rec;	/* vitals record: the recording (json_out is its stream), or NULL */
	int64_t rec_flushed_ms;	/* when the last block was written */
	struct replay *rp;	/* vitals replay: the recording being played, or NULL */
	struct remote *remotes;	/* --remote: one per host (opt.nremotes), or NULL */

	row_list rows;		/* the overview's rows, rebuilt once per paint and per moving key */
} app;

/* app.c */
void app_quit(app *a);
/* mkdir -p with mode 0700; 0 when path is a writable directory. */
int app_mkdir_p(const char *path);

/* app_tick.c: the sampling timer's callback, and the callbacks of alerts and
 * the probe manager (ud is the app). */
void app_tick(uv_timer_t *t);
void app_on_alert(void *ud, const model_alert *al);
void app_on_alert_gc(void *ud, vproc *p);
void app_on_action_log(void *ud, const model_alert *al, const char *line);
void app_on_probe_sample(void *ud, vproc *p);
void app_on_probe_warning(void *ud, vproc *p, const char *name, const char *message, int64_t t_ms);
/* Note the first failed JSON write (headless_*'s result); the next tick
 * stops the loop, not the callback that noticed (it may be deep inside a
 * collector). */
void app_json_written(app *a, int rc);
/* --json: the tick's lines (found, sample, exited, probe changes). */
void app_headless_tick(app *a, int64_t now);

/* app_record.c: vitals record (the headless loop writing a recording) and
 * vitals replay (a collector feeding a recording into the model on the
 * timer, in place of the proc and probe collectors). */
int app_record_open(app *a, char *err, size_t errlen);
void app_record_tick(app *a, int64_t now, bool last);
void app_record_close(app *a);
int app_replay_open(app *a, char *err, size_t errlen);
void app_replay_tick(uv_timer_t *t);
void app_replay_speed(app *a, int dir);	/* +1 faster, -1 slower */
/* Jump to the moment typed at the G prompt (record/rec_time's forms). */
void app_replay_jump(app *a, const char *typed);
void app_replay_close(app *a);
/* --remote: run the remote command for each host (its stream applied to the
 * model as it comes); the tick only moves the clock.  close kills them. */
int app_remote_open(app *a, char *err, size_t errlen);
void app_remote_tick(uv_timer_t *t);
void app_remote_close(app *a);
void app_remote_free(app *a);

/* app_actions.c */
void app_act(app *a, key_action act);
vproc *app_selected(app *a);
void app_attach(app *a, vproc *p);
/* At quit: each attach still queued or running is said to have failed (the
 * inspector drops it without a callback), so every attach asked for ends in
 * an outcome: --json's attach_failed, --no-tui's stderr line. */
void app_attach_abandon(app *a);
/* Whether p is to be attached without being asked (and retried): --attach,
 * or p or a watched ancestor is a group attached with `a` (attach_members). */
bool app_wants_attach(const app *a, const vproc *p);
void app_capture(app *a, vproc *p, const char *cmd, int seconds);
/* A heap snapshot of p's worker thread thread_id (its own isolate). */
void app_snapshot_thread(app *a, vproc *p, int thread_id);
/* Select the next visible row matching ui.search after the selection (or
 * from it, when from_current), wrapping; says so when none matches. */
void app_search_next(app *a, bool from_current);
/* Choose a menu's item (Enter in a menu). */
void app_menu_chosen(app *a, ui_menu_kind kind, int item);
/* Send sig to p, once more checking that p is the process it was (a PID may
 * have been reused); the status line says what happened. */
void app_signal(app *a, vproc *p, int sig);
/* Drop p from the model and from every collector's books. */
void app_forget_proc(app *a, vproc *p);
void app_seen_forget(app *a, const vproc *p);
void app_theme_next(app *a);
void app_set_mouse(app *a, bool on);

/* Write the settings changed in the UI to the config file (as htop does);
 * called once the screen is given back, so a failure can be said. */
void app_save_settings(app *a);

/* heapdiff.c: compare p's last two heap snapshots on the thread pool; the
 * report opens VIEW_HEAPDIFF when ready. */
void app_start_diff(app *a, vproc *p);
/* p's last two heap snapshots (NULL when there are fewer). */
void app_last_snapshots(const vproc *p, const capture **before, const capture **after);

/* heapview.c: open p's last heap snapshot (the last two: their diff) in the
 * explorer, loaded on the thread pool; VIEW_EXPLORE at its first screen,
 * the retained sizes taken in when explore_wake comes.  Draw it,
 * give it a key (Esc/q at its top level return to the overview), close it. */
struct explore_ui;
void app_start_explore(app *a, vproc *p);
void app_explore_draw(app *a);
void app_explore_key(app *a, wint_t ch, bool is_key);
void app_explore_close(app *a);
/* explore_wake's callback: take the retained sizes in, paint. */
void app_explore_wake(uv_async_t *h);

/* autohunt.c: a firing leak alert starts a hunt; each tick takes the
 * snapshots due; every capture's end is told to it; cancel at quit. */
void app_hunt_start(app *a, const model_alert *al);
void app_hunt_tick(app *a, int64_t now);
void app_hunt_captured(app *a, vproc *p, int ok, const char *path);
void app_hunt_cancel(app *a);
/* app_tick.c: an info line (the alert log file and the alert pane). */
void app_alert_note(app *a, const model_alert *info);

/* profview.c: load a finished CPU profile capture on the thread pool and
 * open VIEW_PROFILE on it; render (again) its table for the screen's width
 * and the chosen sort; free it at exit. */
void app_profile_open(app *a, const char *path);
void app_profile_render(app *a);
void app_profile_free(app *a);

/* prompt.c: a key while a question or the filter line is open (true: it was
 * taken). */
bool prompt_key(app *a, wint_t ch, bool is_key);

#endif
