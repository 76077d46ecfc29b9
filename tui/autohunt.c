/* autohunt — the leak hunt; see autohunt.h.
 *
 * A hunt is a slot of a->hunts (pid 0: free).  Its states: capturing (a
 * snapshot asked of the probe, app_hunt_captured says how it ended), waiting
 * (next_ms: the next one is due; app_hunt_tick takes it), analysing (the
 * report job on the thread pool: the worker touches only the slot's paths,
 * text and err; the done callback frees the slot).  A hunt ends early, with
 * a line saying why, when a snapshot fails, the headroom is gone, or the
 * process leaves. */
#include "tui/autohunt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/filewrite.h"
#include "heap/heap_cli.h"
#include "tui/app_priv.h"
#include "tui/diag.h"
#include "tui/headless.h"

static hunt *hunt_find(app *a, int pid)
{
	for (int i = 0; i < APP_MAX_HUNTS; i++)
		if (a->hunts[i].pid == pid)
			return &a->hunts[i];
	return NULL;
}

/* A line about p's hunt: the alert log, the alert pane, the status line,
 * and --json (a process event; its detail: detail, else the line). */
static void hunt_say(app *a, int pid, const char *event, const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void hunt_say(app *a, int pid, const char *event, const char *detail, const char *fmt, ...)
{
	model_alert info = { .t_ms = clock_wall_ms(), .pid = pid, .severity = SEV_INFO, .state = ALERT_FIRING };
	snprintf(info.rule, sizeof info.rule, "leak_hunt");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(info.msg, sizeof info.msg, fmt, ap);
	va_end(ap);
	app_alert_note(a, &info);
	model_status(&a->m, "PID %d: %s", pid, info.msg);
	vproc *p = model_find(&a->m, pid);
	if (a->opt.json && event && p)
		app_json_written(a, headless_event(a->json_out, p, event, detail ? detail : info.msg, info.t_ms));
}

/* Take the hunt's next snapshot if there is headroom; false: the hunt ended. */
static bool hunt_snapshot(app *a, hunt *h)
{
	vproc *p = model_find(&a->m, h->pid);
	if (!p || p->state != PROC_LIVE || p->pstate != PROBE_ATTACHED) {
		hunt_say(a, h->pid, "leak_hunt_stopped", NULL, "leak hunt stopped after %d snapshot%s: the probe is gone", h->taken,
			 h->taken == 1 ? "" : "s");
		return false;
	}
	snap_cost c = diag_snapshot_cost(p->node ? p->node->heap_used : 0, p->rss_bytes, p->mem_limit,
					 procfs_mem_available());
	if (c.refuse) {
		hunt_say(a, h->pid, "leak_hunt_stopped", NULL, "leak hunt stopped after %d snapshot%s: not enough memory headroom",
			 h->taken, h->taken == 1 ? "" : "s");
		return false;
	}
	h->capturing = true;
	app_capture(a, p, "heap_snapshot", 0);
	return true;
}

void app_hunt_start(app *a, const model_alert *al)
{
	if (hunt_find(a, al->pid))
		return;	/* one hunt per process at a time */
	hunt *h = hunt_find(a, 0);
	if (!h) {
		model_status(&a->m, "leak hunt of %d not started: %d hunts already running", al->pid, APP_MAX_HUNTS);
		return;
	}
	memset(h, 0, sizeof *h);
	h->pid = al->pid;
	h->a = a;
	hunt_say(a, al->pid, "leak_hunt", NULL, "leak hunt: %d heap snapshots %.0f s apart, then a report",
		 HUNT_SNAPSHOTS, a->cfg.hunt_spacing_s);
	if (!hunt_snapshot(a, h))
		h->pid = 0;
}

static void hunt_work_cb(uv_work_t *w)
{
	hunt *h = w->data;
	const char *files[HUNT_SNAPSHOTS] = { h->snap[0], h->snap[1], h->snap[2] };
	char *text;
	h->err[0] = 0;
	h->ok = false;
	if (heap_hunt_text(files, &text, &h->headline, h->err, sizeof h->err) < 0)
		return;
	h->ok = filewrite_atomic(h->report, text, strlen(text), h->err, sizeof h->err) == 0;
	free(text);
}

static void hunt_done_cb(uv_work_t *w, int status)
{
	hunt *h = w->data;
	app *a = h->a;
	if (status != UV_ECANCELED && !a->quitting) {
		if (h->ok)
			hunt_say(a, h->pid, "leak_report", h->report, "leak report %s: %s", h->report,
				 h->headline ? h->headline : "no leaked object survived to the third snapshot");
		else
			hunt_say(a, h->pid, "leak_hunt_stopped", NULL, "leak report failed: %s", h->err);
	}
	free(h->headline);
	h->headline = NULL;
	h->pid = 0;
}

/* The report goes next to the last snapshot: its name with
 * .leak-report.txt for .heapsnapshot. */
static void report_path(hunt *h)
{
	const char *last = h->snap[HUNT_SNAPSHOTS - 1];
	size_t n = strlen(last);
	const char *ext = ".heapsnapshot";
	size_t el = strlen(ext);
	if (n > el && strcmp(last + n - el, ext) == 0)
		n -= el;
	static const char suffix[] = ".leak-report.txt";
	if (n > sizeof h->report - sizeof suffix)
		n = sizeof h->report - sizeof suffix;	/* cannot be: report has room for snap */
	memcpy(h->report, last, n);
	memcpy(h->report + n, suffix, sizeof suffix);
}

void app_hunt_captured(app *a, vproc *p, int ok, const char *path)
{
	hunt *h = hunt_find(a, p->pid);
	if (!h || !h->capturing)
		return;
	h->capturing = false;
	if (!ok) {
		hunt_say(a, h->pid, "leak_hunt_stopped", NULL, "leak hunt stopped: snapshot %d failed: %s", h->taken + 1, path);
		h->pid = 0;
		return;
	}
	snprintf(h->snap[h->taken], sizeof h->snap[h->taken], "%s", path);
	if (++h->taken < HUNT_SNAPSHOTS) {
		h->next_ms = clock_wall_ms() + (int64_t)(a->cfg.hunt_spacing_s * 1000);
		return;
	}
	report_path(h);
	h->work.data = h;
	if (uv_queue_work(a->loop, &h->work, hunt_work_cb, hunt_done_cb) == 0) {
		h->analysing = true;
		model_status(&a->m, "leak hunt of %d: analysing the snapshots…", h->pid);
	} else {
		hunt_say(a, h->pid, "leak_hunt_stopped", NULL, "leak report not started");
		h->pid = 0;
	}
}

void app_hunt_tick(app *a, int64_t now)
{
	for (int i = 0; i < APP_MAX_HUNTS; i++) {
		hunt *h = &a->hunts[i];
		if (h->pid && !h->capturing && !h->analysing && h->taken > 0 && now >= h->next_ms &&
		    !hunt_snapshot(a, h))
			h->pid = 0;
	}
}

void app_hunt_cancel(app *a)
{
	for (int i = 0; i < APP_MAX_HUNTS; i++)
		if (a->hunts[i].pid && a->hunts[i].analysing)
			uv_cancel((uv_req_t *)&a->hunts[i].work);
}
