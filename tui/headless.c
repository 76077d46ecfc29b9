/* headless — JSON-lines output for scripts, CI and the scenario runner.
 *
 * Every line is one object with "t" (kind), "ts" (ms since the epoch) and
 * "pid".  Values the process has not reported (no probe yet, unreadable fds)
 * are omitted rather than written as 0, so a reader can tell "none" from
 * "zero".  Lines are flushed one by one: a pipe reader sees them at once. */
#include "tui/headless.h"
#include "base/text.h"
#include "base/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Whole numbers (bytes, counts) are written as integers, others as reals. */
static void put_num(json_t *o, const char *k, double v)
{
	if (!isfinite(v))
		return;
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		json_object_set_new(o, k, json_integer((json_int_t)v));
	else
		json_object_set_new(o, k, json_real(v));
}

/* A JSON string of s; bytes that are not valid UTF-8 (a command line can
 * hold anything) become '?' rather than losing the field. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	size_t n = strlen(s) + 1;
	char *t = xmalloc(n);
	text_clean(t, n, s, n - 1, TEXT_UTF8);
	j = json_string(t);
	free(t);
	return j;
}

static void put_int(json_t *o, const char *k, long long v)
{
	json_object_set_new(o, k, json_integer(v));
}

/* Write o as one line and flush it; 0, or -errno when the write failed (the
 * reader went away: EPIPE, SIGPIPE being ignored). */
static int emit(FILE *out, json_t *o)
{
	int rc = 0;
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (s) {
		if (fputs(s, out) == EOF || fputc('\n', out) == EOF || fflush(out) == EOF)
			rc = errno ? -errno : -EIO;
		free(s);
	}
	json_decref(o);
	return rc;
}

static const char *state_name(proc_state s)
{
	switch (s) {
	case PROC_LIVE: return "live";
	case PROC_EXITED: return "exited";
	case PROC_DENIED: return "denied";
	}
	return "?";
}

static const char *probe_name(probe_state s)
{
	static const char *const n[] = { "none", "attaching", "connecting", "attached", "lost", "failed" };
	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

/* o[key] = {rps, p50_ms, p99_ms, max_ms, in_flight, status: {"2xx": n, ...}}
 * of side 0 (server) or 1 (outgoing), once the probe has reported any. */
static void headless_http(json_t *o, const char *key, const vnode *n, int side)
{
	double rps = side ? n->httpc_rps : n->http_rps;
	if (isnan(rps))
		return;
	json_t *h = json_object();
	put_num(h, "rps", rps);
	put_num(h, "count", side ? n->httpc_count : n->http_count);
	put_num(h, "p50_ms", side ? n->httpc_p50 : n->http_p50);
	put_num(h, "p99_ms", side ? n->httpc_p99 : n->http_p99);
	put_num(h, "max_ms", side ? n->httpc_max : n->http_max);
	put_num(h, "in_flight", side ? n->httpc_in_flight : n->http_in_flight);
	if (side)
		put_num(h, "errors", n->httpc_errors);
	json_t *st = json_object();
	for (int c = 0; c < HTTP_CLASSES; c++)
		if (n->http_status[side][c] > 0)
			put_num(st, http_class_name[c], n->http_status[side][c]);
	json_object_set_new(h, "status", st);
	if (!side && n->nroutes > 0) {	/* top routes: {method, route, count, rps, p50_ms, p99_ms, max_ms, 5xx} */
		json_t *rs = json_array();
		for (int i = 0; i < n->nroutes; i++) {
			const http_route *r = &n->routes[i];
			json_t *x = json_object();
			static const char *const rkey[] = { "count", "rps", "p50_ms", "p99_ms", "max_ms", "5xx" };
			const double val[] = { r->count, r->rps, r->p50, r->p99, r->max, r->e5xx };
			json_object_set_new(x, "method", jstr(r->method));
			json_object_set_new(x, "route", jstr(r->route));
			for (size_t k = 0; k < sizeof rkey / sizeof rkey[0]; k++)
				put_num(x, rkey[k], val[k]);
			json_array_append_new(rs, x);
		}
		json_object_set_new(h, "routes", rs);
	}
	json_object_set_new(o, key, h);
}

int headless_sample(FILE *out, const vproc *p, int64_t now_ms)
{
	json_t *o = json_object();
	json_object_set_new(o, "t", json_string("sample"));
	put_int(o, "ts", now_ms);
	put_int(o, "pid", p->pid);
	if (p->host[0])	/* --remote: the host it runs on */
		json_object_set_new(o, "host", jstr(p->host));
	if (p->ppid > 0)
		put_int(o, "ppid", p->ppid);
	put_int(o, "group", p->group);
	json_object_set_new(o, "name", jstr(p->name));
	if (p->app[0])		/* pm2's name for it: "web#0", "pm2" */
		json_object_set_new(o, "app", jstr(p->app));
	json_object_set_new(o, "state", json_string(state_name(p->state)));
	if (p->state_char > ' ' && p->state_char < 127)	/* R, S, D, Z ... as /proc says */
		json_object_set_new(o, "stat", json_string((char[]){ p->state_char, 0 }));
	put_num(o, "rss", p->rss_bytes);
	put_num(o, "vsz", p->vsz_bytes);
	put_num(o, "cpu", p->cpu_pct);
	put_num(o, "cpu_user", p->cpu_user_pct);
	put_num(o, "cpu_sys", p->cpu_sys_pct);
	put_int(o, "threads", p->threads);
	if (p->fds >= 0)
		put_int(o, "fds", p->fds);
	if (p->mem_limit > 0)
		put_num(o, "mem_limit", p->mem_limit);
	if (!isnan(p->sched_wait)) {	/* ms per s the event loop's thread waited for a CPU, ran */
		put_num(o, "sched_wait", round(p->sched_wait * 10) / 10);
		put_num(o, "sched_run", round(p->sched_run * 10) / 10);
	}
	if (p->oom_in_s > 0 && p->oom_limit) {	/* while a leak alert fires */
		put_num(o, "oom_in_s", round(p->oom_in_s));
		json_object_set_new(o, "oom_limit", json_string(p->oom_limit));
	}
	json_object_set_new(o, "probe", json_string(probe_name(p->pstate)));
	const vnode *n = p->node;
	if (n && n->samples > 0) {
		/* The probe's numbers are of its latest sample, measured at
		 * probe_ts (these lines repeat it until the next, an idle app's
		 * 5 s on); stale: the next is overdue (vnode_stale). */
		put_int(o, "probe_ts", n->last_sample_ms);
		if (vnode_stale(n, now_ms))
			json_object_set_new(o, "probe_stale", json_true());
		for (int i = 0; i < PS_COUNT; i++)	/* the table's numbers */
			if (probe_series_table[i].json)
				put_num(o, probe_series_table[i].json, vnode_value(n, i));
		headless_http(o, "http", n, 0);
		headless_http(o, "http_client", n, 1);
		if (n->nworkers > 0) {
			json_t *ws = json_array();
			for (int i = 0; i < n->nworkers; i++) {
				const worker_info *w = &n->workers[i];
				json_t *x = json_object();
				put_int(x, "thread_id", w->thread_id);
				json_object_set_new(x, "name", jstr(w->name));
				put_int(x, "ts", w->t_ms);
				put_num(x, "heap_used", w->heap_used);
				put_num(x, "heap_total", w->heap_total);
				put_num(x, "heap_limit", w->heap_limit);
				put_num(x, "elu", w->elu);
				put_num(x, "cpu", w->cpu_pct);
				put_num(x, "lag_max", w->lag_max);
				put_num(x, "gc_count", w->gc_count);
				put_num(x, "gc_ms", w->gc_ms);
				json_array_append_new(ws, x);
			}
			json_object_set_new(o, "workers", ws);
		}
		if (n->culprit.t_ms && now_ms - n->culprit.t_ms <= 60000) {
			json_t *c = json_object();	/* the latest stall's culprit */
			put_int(c, "ts", n->culprit.t_ms);
			put_num(c, "ms", n->culprit.ms);
			json_object_set_new(c, "fn", jstr(n->culprit.fn));
			json_object_set_new(c, "file", jstr(n->culprit.file));
			put_int(c, "line", n->culprit.line);
			json_object_set_new(o, "stall_culprit", c);
		}
		put_int(o, "gc_total", (long long)n->gc_total);
		put_num(o, "gc_total_ms", n->gc_total_ms);
		json_t *h = json_object();
		for (int i = 0; i < n->nhandles; i++)
			put_int(h, n->handles[i].type, n->handles[i].count);
		json_object_set_new(o, "handles_by_type", h);
		json_t *sp = json_object();
		for (int i = 0; i < n->nspaces; i++) {
			json_t *s = json_object();
			put_num(s, "size", n->spaces[i].size);
			put_num(s, "used", n->spaces[i].used);
			json_object_set_new(sp, n->spaces[i].name, s);
		}
		json_object_set_new(o, "spaces", sp);
		json_t *gc = json_object();
		static const char *const kinds[] = { "minor", "major", "incremental", "weak", "other" };
		for (int i = 0; i < 5; i++)
			put_int(gc, kinds[i], n->gc_count_interval[i]);
		json_object_set_new(o, "gc_interval", gc);
	}
	return emit(out, o);
}

int headless_alert(FILE *out, const model_alert *a, const char *host)
{
	static const char *const sev[] = { "info", "warn", "crit" };
	static const char *const st[] = { "pending", "firing", "resolved" };
	json_t *o = json_object();
	json_object_set_new(o, "t", json_string("alert"));
	put_int(o, "ts", a->t_ms);
	put_int(o, "pid", a->pid);
	if (host && host[0])
		json_object_set_new(o, "host", jstr(host));
	json_object_set_new(o, "rule", json_string(a->rule));
	json_object_set_new(o, "severity", json_string(a->severity < 3 ? sev[a->severity] : "?"));
	json_object_set_new(o, "state", json_string(a->state < 3 ? st[a->state] : "?"));
	json_object_set_new(o, "msg", jstr(a->msg));
	return emit(out, o);
}

int headless_event(FILE *out, const vproc *p, const char *event, const char *detail, int64_t now_ms)
{
	json_t *o = json_object();
	json_object_set_new(o, "t", json_string("process"));
	put_int(o, "ts", now_ms);
	put_int(o, "pid", p->pid);
	if (p->host[0])
		json_object_set_new(o, "host", jstr(p->host));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "name", jstr(p->name));
	if (p->cmdline)
		json_object_set_new(o, "cmdline", jstr(p->cmdline));
	if (p->container[0])	/* where it lives: collectors/container */
		json_object_set_new(o, "container", jstr(p->container));
	if (detail)
		json_object_set_new(o, "detail", jstr(detail));
	if (p->exit_status >= 0 && p->state == PROC_EXITED) {
		/* exit_status holds the wait status of a launched program */
		if (WIFEXITED(p->exit_status))
			put_int(o, "exit_status", WEXITSTATUS(p->exit_status));
		else if (WIFSIGNALED(p->exit_status))
			json_object_set_new(o, "signal", json_string(strsignal(WTERMSIG(p->exit_status))));
	}
	return emit(out, o);
}
