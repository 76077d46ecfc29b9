/* probe_client_main — test driver for collectors/probe_client against real
 * probes (tests/probe_client.sh).  Puts the given PIDs into a model, runs a
 * libuv loop with a probe_mgr that scans every 100 ms, and prints what the
 * model holds as JSON lines on stdout:
 *   {"ev":"state","pid":N,"pstate":"attached","err":""}     pstate changes
 *   {"ev":"sample","pid":N,"ts":...,"heap_used":...,...}     each sample
 *   {"ev":"status","msg":"..."}                              status line changes
 *   {"ev":"capture"|"gc","pid":N,"ok":true,"msg":"..."}      command results
 *   {"ev":"progress","pid":N,"bytes":N}                      capture bytes so far
 *   {"ev":"final","pid":N,...}                               at exit, per PID
 * Options: --seconds N (stop after), --samples N (stop when every PID has N),
 * --hz N, --out DIR, --capture heap_snapshot|cpu_profile|report (on the first
 * PID once attached; stop when it is done), --profile-seconds N, --gc,
 * --attaches N (stop once the first PID got attached N times: reconnects),
 * --rehz N (probe_mgr_set_hz after the first sample), --forget (forget and
 * remove the first PID right after its capture was requested), --retry (a
 * failed capture is requested once more, at once), --capture-timeout MS
 * (probe_mgr_opts.capture_idle_ms).
 * Exit status 0, or 1 on bad usage or if the loop did not close cleanly. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "collectors/container.h"
#include "collectors/probe_client.h"
#include "base/model.h"

typedef struct driver {
	uv_loop_t *loop;
	model m;
	probe_mgr *pm;
	uv_timer_t tick;
	int64_t deadline;
	int want_samples;
	int want_attaches, attaches;	/* stop once the first PID attached this often */
	int rehz;			/* probe_mgr_set_hz(rehz) after the first sample */
	bool forget, forgot;		/* forget + remove the process right after the capture request */
	const char *capture;
	int profile_seconds;
	int retries;			/* --retry: requests left after a failure */
	bool capture_sent, capture_done;
	bool want_gc, gc_sent, gc_done;
	int last_pstate[64];
	long long last_progress;
	bool stopping;
} driver;

static const char *pstate_name(probe_state s)
{
	static const char *n[] = { "none", "attaching", "connecting", "attached", "lost", "failed" };
	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

static void emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	if (s) {
		puts(s);
		fflush(stdout);
		free(s);
	}
	json_decref(o);
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static void on_sample(void *ud, vproc *p)
{
	driver *d = ud;
	const vnode *n = p->node;
	if (d->rehz) {
		if (probe_mgr_set_hz(d->pm, d->rehz) < 0)
			fprintf(stderr, "probe_mgr_set_hz(%d) refused\n", d->rehz);
		d->rehz = 0;
	}
	json_t *o = json_pack("{s:s, s:i, s:I, s:I}", "ev", "sample", "pid", p->pid,
			      "ts", (json_int_t)n->last_sample_ms, "samples", (json_int_t)n->samples);
	json_object_set_new(o, "heap_used", jnum(n->heap_used));
	json_object_set_new(o, "heap_total", jnum(n->heap_total));
	json_object_set_new(o, "heap_limit", jnum(n->heap_limit));
	json_object_set_new(o, "external", jnum(n->external));
	json_object_set_new(o, "rss", jnum(n->probe_rss));
	json_object_set_new(o, "lag_p99", jnum(n->lag_p99));
	json_object_set_new(o, "elu", jnum(n->elu));
	json_object_set_new(o, "gc_pct", jnum(n->gc_pct));
	json_object_set_new(o, "gc_total", json_integer((json_int_t)n->gc_total));
	json_object_set_new(o, "nspaces", json_integer(n->nspaces));
	json_object_set_new(o, "handles_total", json_integer(n->handles_total));
	json_object_set_new(o, "hz", json_integer(n->hz));
	emit(o);
}

static void on_capture(void *ud, vproc *p, int ok, const char *msg)
{
	driver *d = ud;
	d->capture_done = true;
	emit(json_pack("{s:s, s:i, s:b, s:s}", "ev", "capture", "pid", p->pid, "ok", ok, "msg", msg));
	if (!ok && d->retries > 0) {	/* as a user pressing the key again */
		d->retries--;
		d->capture_sent = d->capture_done = false;
	}
}

static void on_gc(void *ud, vproc *p, int ok, const char *msg)
{
	driver *d = ud;
	d->gc_done = true;
	emit(json_pack("{s:s, s:i, s:b, s:s}", "ev", "gc", "pid", p->pid, "ok", ok, "msg", msg));
}

static void stop(driver *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	for (size_t i = 0; i < d->m.nprocs; i++) {
		vproc *p = d->m.procs[i];
		json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:I, s:i}", "ev", "final", "pid", p->pid,
				      "pstate", pstate_name(p->pstate), "err", p->probe_err,
				      "samples", (json_int_t)(p->node ? p->node->samples : 0),
				      "captures", p->ncaptures);
		if (p->node) {
			json_object_set_new(o, "heap_used", jnum(p->node->heap_used));
			json_object_set_new(o, "hz", json_integer(p->node->hz));
		}
		emit(o);
	}
	uv_timer_stop(&d->tick);
	uv_close((uv_handle_t *)&d->tick, NULL);
	probe_mgr_close(d->pm);
	d->pm = NULL;
}

/* Every status, even one the next overwrites within a tick. */
static void on_status(void *ud, const char *msg)
{
	(void)ud;
	emit(json_pack("{s:s, s:s}", "ev", "status", "msg", msg));
}

static void on_tick(uv_timer_t *t)
{
	driver *d = t->data;
	d->m.now_ms = (int64_t)time(NULL) * 1000;
	probe_mgr_scan(d->pm);
	bool all_sampled = d->m.nprocs > 0;
	for (size_t i = 0; i < d->m.nprocs && i < 64; i++) {
		vproc *p = d->m.procs[i];
		if ((int)p->pstate != d->last_pstate[i]) {
			d->last_pstate[i] = (int)p->pstate;
			if (i == 0 && p->pstate == PROBE_ATTACHED)
				d->attaches++;
			emit(json_pack("{s:s, s:i, s:s, s:s}", "ev", "state", "pid", p->pid,
				       "pstate", pstate_name(p->pstate), "err", p->probe_err));
		}
		if (!p->node || p->node->samples < (uint64_t)d->want_samples)
			all_sampled = false;
	}
	vproc *first = d->m.nprocs ? d->m.procs[0] : NULL;
	char err[256];
	if (first && first->pstate == PROBE_ATTACHED && d->capture && !d->capture_sent) {
		d->capture_sent = true;
		if (probe_mgr_capture(d->pm, first, d->capture, d->profile_seconds, on_capture, d, err, sizeof err) < 0) {
			d->capture_done = true;
			emit(json_pack("{s:s, s:i, s:b, s:s}", "ev", "capture", "pid", first->pid, "ok", 0, "msg", err));
		} else if (d->forget) {	/* as the UI does when a row is dismissed */
			probe_mgr_forget(d->pm, first);
			model_remove(&d->m, first);
			d->forgot = true;
			first = NULL;
		}
	}
	if (first && first->pstate == PROBE_ATTACHED && d->want_gc && !d->gc_sent) {
		d->gc_sent = true;
		if (probe_mgr_gc(d->pm, first, on_gc, d, err, sizeof err) < 0) {
			d->gc_done = true;
			emit(json_pack("{s:s, s:i, s:b, s:s}", "ev", "gc", "pid", first->pid, "ok", 0, "msg", err));
		}
	}
	if (first && d->capture_sent && !d->capture_done) {
		long long b = probe_mgr_progress(d->pm, first);
		if (b >= 0 && b != d->last_progress) {
			d->last_progress = b;
			emit(json_pack("{s:s, s:i, s:I}", "ev", "progress", "pid", first->pid, "bytes", (json_int_t)b));
		}
	}
	if (d->forgot && d->capture_done)
		all_sampled = true;
	bool done = all_sampled && (!d->capture || d->capture_done) && (!d->want_gc || d->gc_done) &&
		    d->attaches >= d->want_attaches;
	if (done || uv_now(d->loop) >= (uint64_t)d->deadline)
		stop(d);
}

int main(int argc, char **argv)
{
	driver d;
	memset(&d, 0, sizeof d);
	double seconds = 10;
	int hz = 1, capture_timeout = 0;
	const char *out = ".";
	d.profile_seconds = 1;
	model_init(&d.m, NULL);
	d.m.on_status = on_status;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		/* scan-build: argv[i] is not NULL for i < argc */
		if (strcmp(a, "--seconds") == 0 && v)
			seconds = atof(v), i++;
		else if (strcmp(a, "--samples") == 0 && v)
			d.want_samples = atoi(v), i++;
		else if (strcmp(a, "--hz") == 0 && v)
			hz = atoi(v), i++;
		else if (strcmp(a, "--out") == 0 && v)
			out = v, i++;
		else if (strcmp(a, "--capture") == 0 && v)
			d.capture = v, i++;
		else if (strcmp(a, "--profile-seconds") == 0 && v)
			d.profile_seconds = atoi(v), i++;
		else if (strcmp(a, "--attaches") == 0 && v)
			d.want_attaches = atoi(v), i++;
		else if (strcmp(a, "--rehz") == 0 && v)
			d.rehz = atoi(v), i++;
		else if (strcmp(a, "--forget") == 0)
			d.forget = true;
		else if (strcmp(a, "--retry") == 0)
			d.retries = 1;
		else if (strcmp(a, "--capture-timeout") == 0 && v)
			capture_timeout = atoi(v), i++;
		else if (strcmp(a, "--gc") == 0)
			d.want_gc = true;
		else if (atoi(a) > 0) {
			vproc *p = model_add(&d.m, atoi(a), 0);
			snprintf(p->name, sizeof p->name, "node");
			container_info ci;	/* as the proc collector does at first sight */
			container_identify(p->pid, &ci);
			p->nspid = ci.nspid;
			p->other_mnt = ci.other_mnt;
		} else {
			fprintf(stderr, "usage: %s [--seconds N] [--samples N] [--hz N] [--out DIR] "
					"[--capture CMD] [--profile-seconds N] [--gc] [--attaches N] [--rehz N] [--forget] "
					"[--retry] [--capture-timeout MS] PID...\n", argv[0]);
			return 1;
		}
	}
	for (int i = 0; i < 64; i++)
		d.last_pstate[i] = -1;
	d.loop = uv_default_loop();
	probe_mgr_opts o = { .hz = hz, .out_dir = out, .on_sample = on_sample, .ud = &d,
			     .capture_idle_ms = capture_timeout };
	d.pm = probe_mgr_new(d.loop, &d.m, &o);
	d.deadline = (int64_t)uv_now(d.loop) + (int64_t)(seconds * 1000);
	uv_timer_init(d.loop, &d.tick);
	d.tick.data = &d;
	uv_timer_start(&d.tick, on_tick, 0, 100);
	uv_run(d.loop, UV_RUN_DEFAULT);
	int rc = uv_loop_close(d.loop);
	model_free(&d.m);
	if (rc != 0) {
		fprintf(stderr, "probe_client_main: loop not closed cleanly: %s\n", uv_strerror(rc));
		return 1;
	}
	return 0;
}
