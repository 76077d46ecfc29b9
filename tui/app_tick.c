/* app_tick — the sampling tick and what follows from samples: discovery,
 * the collectors, alert evaluation, the progress of captures, headless JSON
 * output, and the side effects of alerts (alert log file, bell, automatic
 * heap snapshots).
 *
 * The tick only changes the model (and writes JSON in headless mode); the
 * screen is painted by the loop's prepare handle (tui/app.c).  Headless mode
 * reports a process's state changes once: `seen` remembers, per vproc, the
 * state last written. */
#include "tui/app_priv.h"

#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"
#include "base/clock.h"
#include "export/alert_action.h"
#include "tui/diag.h"
#include "tui/headless.h"

/* A process younger than this is attached once it is this old, or once its
 * main thread waits in its event loop, whichever comes first (attach_newcomers). */
#define ATTACH_SETTLE_MS 3000

void app_json_written(app *a, int rc)
{
	if (rc < 0 && !a->json_err)
		a->json_err = rc;
}

/* ---- alerts ------------------------------------------------------------- */

static void alert_log_write(FILE *f, const model_alert *al)
{
	char ts[32];
	time_t t = (time_t)(al->t_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	static const char *const st[] = { "pending", "firing", "resolved" };
	fprintf(f, "%s pid=%d rule=%s state=%s %s\n", ts, al->pid, al->rule,
		al->state < 3 ? st[al->state] : "?", al->msg);
	fflush(f);
}

/* --auto-snapshot: a firing leak alert starts a leak hunt (autohunt.c), at
 * most one per process every 30 minutes, none without memory headroom. */
static void auto_snapshot(app *a, const model_alert *al)
{
	vproc *p = model_find(&a->m, al->pid);
	int64_t *last = &a->autosnap_ms[al->pid % 64];
	if (!p || p->pstate != PROBE_ATTACHED || (*last != 0 && al->t_ms - *last <= 30 * 60 * 1000))
		return;
	snap_cost c = diag_snapshot_cost(p->node ? p->node->heap_used : 0, p->rss_bytes, p->mem_limit,
					 procfs_mem_available());
	if (c.refuse) {
		model_status(&a->m, "auto-snapshot of %d skipped: not enough memory headroom", p->pid);
		return;
	}
	*last = al->t_ms;
	app_hunt_start(a, al);
}

void app_alert_note(app *a, const model_alert *info)
{
	if (a->alert_log)
		alert_log_write(a->alert_log, info);
	model_alert_push(&a->m, info);
}

void app_on_alert(void *ud, const model_alert *al)
{
	app *a = ud;
	if (a->opt.json)
		app_json_written(a, headless_alert(a->json_out, al, NULL));
	if (a->alert_log)
		alert_log_write(a->alert_log, al);
	if (a->actions && (al->state == ALERT_FIRING || al->state == ALERT_RESOLVED)) {
		vproc *p = model_find(&a->m, al->pid);
		char label[NAME_LEN + 16] = "";
		if (p)
			model_proc_label(p, label, sizeof label);
		alert_actions_run(a->actions, al, label);
	}
	if (al->state != ALERT_FIRING)
		return;
	if (a->cfg.bell) {
		if (a->curses)
			beep();
		else if (!a->headless)
			fputc('\a', stderr);
	}
	if (a->opt.auto_snapshot && strstr(al->rule, "leak") && strcmp(al->rule, "handle_leak") != 0)
		auto_snapshot(a, al);
}

/* The heap leak rule wants a major GC (growth no GC has judged yet: see
 * alerts.h): ask the probe, quietly — the GC shows in the GC log as forced,
 * --json says why in a `leak_gc` event, the alert text if it fires.  A probe
 * that cannot (not attached, a GC still running) leaves the rule to wait for
 * V8's own. */
void app_on_alert_gc(void *ud, vproc *p)
{
	app *a = ud;
	char err[256];
	if (probe_mgr_gc(a->pm, p, NULL, NULL, err, sizeof err) < 0)
		return;
	if (a->opt.json)
		app_json_written(a, headless_event(a->json_out, p, "leak_gc",
						   "heap growth no major GC has judged: a GC asked for",
						   clock_wall_ms()));
}

/* A line about an --on-alert action (its first output lines, how it ended):
 * into the alert log file and, as info, the model's alert log. */
void app_on_action_log(void *ud, const model_alert *al, const char *line)
{
	app *a = ud;
	model_alert info = { .t_ms = clock_wall_ms(), .pid = al->pid, .severity = SEV_INFO,
			     .state = al->state };
	snprintf(info.rule, sizeof info.rule, "on_alert");
	snprintf(info.msg, sizeof info.msg, "%s: %s", al->rule, line);
	app_alert_note(a, &info);
}

/* A process warning from a probe becomes an alert at once (listener leaks
 * included); alerts dedups repeats. */
void app_on_probe_warning(void *ud, vproc *p, const char *name, const char *message, int64_t t_ms)
{
	app *a = ud;
	alerts_warning(a->al, &a->m, p, name, message, t_ms);
}

static seen_proc *seen_for(app *a, const vproc *p);

/* A process's first probe sample is shown at once, not at the next tick (up
 * to a second after the attach completed): the dashboard paints, --json
 * writes the attach and the sample now.  Later samples wait for the tick
 * (one paint per tick, never one per sample). */
void app_on_probe_sample(void *ud, vproc *p)
{
	app *a = ud;
	if (!p->node || p->node->samples != 1)
		return;
	if (a->opt.json && !a->json_err) {
		int64_t now = clock_wall_ms();
		seen_proc *s = seen_for(a, p);
		if (s->state == -1)
			return;	/* not announced yet: the tick writes it all */
		if (s->pstate != (int)p->pstate && p->pstate == PROBE_ATTACHED) {
			app_json_written(a, headless_event(a->json_out, p, "probe_attached", NULL, now));
			s->pstate = (int)p->pstate;
		}
		app_json_written(a, headless_sample(a->json_out, p, now));
	}
	a->repaint = true;
}

/* ---- headless output ---------------------------------------------------- */

static seen_proc *seen_for(app *a, const vproc *p)
{
	for (size_t i = 0; i < a->nseen; i++)
		if (a->seen[i].p == p)
			return &a->seen[i];
	if (a->nseen == a->capseen) {
		a->capseen = a->capseen ? a->capseen * 2 : 32;
		a->seen = xrealloc(a->seen, a->capseen * sizeof *a->seen);
	}
	seen_proc *s = &a->seen[a->nseen++];
	s->p = p;
	s->state = -1;
	s->pstate = -1;
	s->gc_seen = 0;
	return s;
}

void app_headless_tick(app *a, int64_t now)
{
	for (size_t i = 0; i < a->m.nprocs && !a->json_err; i++) {
		vproc *p = a->m.procs[i];
		seen_proc *s = seen_for(a, p);
		if (s->state == -1)
			app_json_written(a, headless_event(a->json_out, p, "found", p->state == PROC_DENIED ? p->err : NULL, now));
		if (p->state == PROC_LIVE || (s->state == PROC_LIVE && p->state == PROC_EXITED))
			app_json_written(a, headless_sample(a->json_out, p, now));
		if (s->state != -1 && s->state != (int)p->state && p->state == PROC_EXITED)
			app_json_written(a, headless_event(a->json_out, p, "exited", NULL, now));
		if (s->pstate != (int)p->pstate && p->pstate == PROBE_ATTACHED)
			app_json_written(a, headless_event(a->json_out, p, "probe_attached", NULL, now));
		if (s->pstate == PROBE_ATTACHED && p->pstate == PROBE_LOST)
			app_json_written(a, headless_event(a->json_out, p, "probe_lost", NULL, now));
		s->state = (int)p->state;
		s->pstate = (int)p->pstate;
	}
}

/* ---- the tick ----------------------------------------------------------- */

/* Let go of headless mode's memory of p (it is leaving the model). */
void app_seen_forget(app *a, const vproc *p)
{
	for (size_t i = 0; i < a->nseen; i++) {
		if (a->seen[i].p == p) {
			a->seen[i] = a->seen[--a->nseen];
			return;
		}
	}
}

/* Exited processes leave the model after [history] exited_keep, or beyond
 * exited_max of them, in every mode: memory stays bounded however many
 * processes come and go.  After the tick's output, so a JSON reader always
 * sees the exit first. */
static void prune_exited(app *a, int64_t now)
{
	vproc *gone[64];
	size_t n = model_exited_expired(&a->m, now, a->cfg.exited_keep_ms, (size_t)a->cfg.exited_max, gone,
					sizeof gone / sizeof gone[0]);
	for (size_t i = 0; i < n; i++)
		app_forget_proc(a, gone[i]);
	if (n)
		model_groups(&a->m);	/* a group's leader may have been one of them */
}

/* Attach the processes discovery just added (from index `before` on) that
 * want it (app_wants_attach; with --attach in "all my node processes" mode
 * every one not attached yet).  A Node process still running its startup
 * code opens the inspector only once it reaches its event loop, too late
 * for the attach that signalled it, and the port then stays open in the way
 * of the next process's attach (a pm2 app being scaled up).  So one that
 * started less than ATTACH_SETTLE_MS ago is attached once its main thread is
 * seen waiting in epoll (its loop: procfs_in_epoll, each tick), else when it
 * is that old (app_tick's retries; a kernel that hides wait channels). */
static void attach_newcomers(app *a, size_t before, int64_t now)
{
	for (size_t i = a->opt.attach && a->discover ? 0 : before; i < a->m.nprocs; i++) {
		vproc *p = a->m.procs[i];
		if (p->pstate != PROBE_NONE || p->state != PROC_LIVE || !app_wants_attach(a, p))
			continue;
		int64_t settled = proc_start_ms(a->pc, p->start_time) + ATTACH_SETTLE_MS;
		if (p->start_time && settled > now && settled - now <= ATTACH_SETTLE_MS && procfs_in_epoll(p->pid) != 1)
			p->attach_retry_ms = settled;
		else
			app_attach(a, p);
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

void app_tick(uv_timer_t *t)
{
	app *a = t->data;
	int64_t now = clock_wall_ms();
	a->m.now_ms = now;
	/* new processes: this user's node processes, or (PIDs given) the node
	 * processes the watched ones start, such as cluster workers; they are
	 * appended to the model, so the new ones are those after `before` */
	size_t before = a->m.nprocs;
	int added = a->discover ? proc_discover(a->pc, &a->m, a->uid, a->opt.all_users)
		  : a->opt.npids && !a->opt.no_children ? proc_discover_children(a->pc, &a->m) : 0;
	proc_collector_sample(a->pc, &a->m, now);
	for (size_t i = 0; i < a->m.nprocs; i++) {	/* attaches due: retries (app_actions.c), newcomers settled */
		vproc *p = a->m.procs[i];
		if ((p->pstate == PROBE_FAILED || p->pstate == PROBE_NONE) && p->attach_retry_ms && p->state == PROC_LIVE &&
		    (now >= p->attach_retry_ms || (p->pstate == PROBE_NONE && procfs_in_epoll(p->pid) == 1)))
			app_attach(a, p);
	}
	model_groups(&a->m);
	if (added > 0)		/* after model_groups: a newcomer's group decides */
		attach_newcomers(a, before, now);
	probe_mgr_scan(a->pm);
	alerts_eval(a->al, &a->m, now);
	app_hunt_tick(a, now);
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
		app_headless_tick(a, now);
	app_record_tick(a, now, false);
	prune_exited(a, now);
	model_touch(&a->m);	/* the clock and the time axis moved */
	a->repaint = true;	/* the one paint of this tick */
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
