/* alert_action — the --on-alert command; see alert_action.h.
 *
 * Data: one slot per rule (at most MAX_RULES; vitals has 9) holding the job
 * running for it and the newest transition waiting for it.  A job owns three
 * libuv handles (the process, the read end of its output pipe, a timer) and
 * is freed when the last of them has closed; it is finished (its slot freed
 * for the next action) once the process has exited and its output reached
 * EOF — or EOF_GRACE_MS after the exit, when a grandchild left in the
 * background still holds the pipe.  The timer is first the timeout, then
 * the grace before SIGKILL, then the EOF grace.  Output lines beyond
 * KEEP_LINES are counted, not stored: memory per job is fixed.
 */
#include "export/alert_action.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"
#include "base/xalloc.h"

extern char **environ;

#define MAX_RULES 16
#define KEEP_LINES 5		/* output lines an action may put in the log */
#define LINE_KEEP 200		/* bytes of each */
#define KILL_GRACE_MS 2000	/* SIGTERM → SIGKILL */
#define EOF_GRACE_MS 200	/* exit → stop reading the output */

typedef struct job job;

typedef struct rule_slot {
	char rule[sizeof(((model_alert *)0)->rule)];
	job *running;
	bool waiting;
	model_alert next;	/* the newest transition waiting */
	char next_name[64];
} rule_slot;

struct job {
	alert_actions *x;
	rule_slot *slot;	/* NULL once finished or abandoned at close */
	model_alert a;
	uv_process_t proc;	/* proc.data == this, and so for out and timer */
	uv_pipe_t out;
	uv_timer_t timer;
	int open;		/* handles not yet closed */
	bool exited, eof, finished, term_sent, kill_sent;
	int64_t status;
	int sig;
	char line[LINE_KEEP];
	size_t len;
	int kept;
	unsigned long long dropped;	/* output bytes not kept */
	char rbuf[4096];
};

struct alert_actions {
	uv_loop_t *loop;
	char *cmd;
	uint64_t timeout_ms;
	alert_action_log_cb log;
	void *ud;
	rule_slot slots[MAX_RULES];
	int nslots;
	int running;
	int jobs;		/* allocated jobs */
	bool closing;
};

static void start(alert_actions *x, rule_slot *s, const model_alert *a, const char *name);

static void say(job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(job *j, const char *fmt, ...)
{
	if (!j->x->log || j->x->closing)
		return;
	char raw[LINE_KEEP + 128], clean[LINE_KEEP + 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	text_clean(clean, sizeof clean, raw, strlen(raw), TEXT_UTF8 | TEXT_TABS | TEXT_ANSI);
	j->x->log(j->x->ud, &j->a, clean);
}

static void handle_closed(uv_handle_t *h)
{
	job *j = h->data;
	if (--j->open > 0)
		return;
	alert_actions *x = j->x;
	free(j);
	if (--x->jobs == 0 && x->closing) {
		free(x->cmd);
		free(x);
	}
}

/* The process has exited and its output is read: tell how it ended, free
 * the slot, start what waited. */
static void finish(job *j)
{
	if (j->finished || !j->exited || !j->eof)
		return;
	j->finished = true;
	if (j->len > 0 && j->kept < KEEP_LINES) {
		j->line[j->len] = 0;
		say(j, "%s", j->line);
	}
	char extra[64] = "";
	if (j->dropped)
		snprintf(extra, sizeof extra, " (%llu bytes of output not kept)", j->dropped);
	if (j->term_sent)
		say(j, "action timed out after %.0f s; stopped%s", (double)j->x->timeout_ms / 1000, extra);
	else if (j->sig)
		say(j, "action ended by signal %d%s", j->sig, extra);
	else
		say(j, "action exit status %lld%s", (long long)j->status, extra);
	uv_close((uv_handle_t *)&j->timer, handle_closed);
	rule_slot *s = j->slot;
	j->slot = NULL;
	j->x->running--;
	if (!s)
		return;
	s->running = NULL;
	if (s->waiting && !j->x->closing) {
		s->waiting = false;
		start(j->x, s, &s->next, s->next_name);
	}
}

static void out_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	job *j = h->data;
	*b = uv_buf_init(j->rbuf, sizeof j->rbuf);
}

/* Keep the first KEEP_LINES lines (cut to LINE_KEEP bytes); count the rest. */
static void out_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	job *j = st->data;
	if (n < 0) {
		j->eof = true;
		uv_close((uv_handle_t *)&j->out, handle_closed);
		finish(j);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (j->kept >= KEEP_LINES) {
			j->dropped += (unsigned long long)(n - i);
			return;
		}
		char c = b->base[i];
		if (c == '\n') {
			j->line[j->len] = 0;
			say(j, "%s", j->line);
			j->kept++;
			j->len = 0;
		} else if (j->len + 1 < sizeof j->line) {
			j->line[j->len++] = c;
		} else {
			j->dropped++;
		}
	}
}

static void on_timer(uv_timer_t *t)
{
	job *j = t->data;
	if (j->exited) {	/* the EOF grace is over: stop reading */
		if (!j->eof) {
			j->eof = true;
			uv_read_stop((uv_stream_t *)&j->out);
			uv_close((uv_handle_t *)&j->out, handle_closed);
			finish(j);
		}
		return;
	}
	/* the action's group: sh and whatever it started */
	if (!j->term_sent) {
		j->term_sent = true;
		kill(-j->proc.pid, SIGTERM);
		uv_timer_start(&j->timer, on_timer, KILL_GRACE_MS, 0);
	} else if (!j->kill_sent) {
		j->kill_sent = true;
		kill(-j->proc.pid, SIGKILL);
	}
}

static void on_exit_(uv_process_t *p, int64_t status, int sig)
{
	job *j = p->data;
	j->exited = true;
	j->status = status;
	j->sig = sig;
	uv_close((uv_handle_t *)&j->proc, handle_closed);
	if (!j->eof)
		uv_timer_start(&j->timer, on_timer, EOF_GRACE_MS, 0);
	finish(j);
}

/* environ without our names, plus the alert's. */
static char **build_env(const model_alert *a, const char *name)
{
	static const char *const sev[] = { "info", "warn", "crit" };
	static const char *const st[] = { "pending", "firing", "resolved" };
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + 8, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "VITALS_", 7) != 0)
			env[k++] = xstrdup(environ[i]);
	env[k++] = xasprintf("VITALS_RULE=%s", a->rule);
	env[k++] = xasprintf("VITALS_SEVERITY=%s", a->severity < 3 ? sev[a->severity] : "?");
	env[k++] = xasprintf("VITALS_STATE=%s", a->state < 3 ? st[a->state] : "?");
	env[k++] = xasprintf("VITALS_PID=%d", a->pid);
	env[k++] = xasprintf("VITALS_NAME=%s", name ? name : "");
	env[k++] = xasprintf("VITALS_MESSAGE=%s", a->msg);
	env[k++] = xasprintf("VITALS_TIME=%lld", (long long)(a->t_ms / 1000));
	return env;
}

static void start(alert_actions *x, rule_slot *s, const model_alert *a, const char *name)
{
	job *j = xcalloc(1, sizeof *j);
	j->x = x;
	j->a = *a;
	j->proc.data = j->out.data = j->timer.data = j;
	x->jobs++;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		say(j, "action not started: %s", strerror(errno));
		free(j);
		x->jobs--;
		return;
	}
	char **env = build_env(a, name);
	char *args[] = { "/bin/sh", "-c", x->cmd, NULL };
	uv_stdio_container_t io[3] = {
		{ .flags = UV_IGNORE },
		{ .flags = UV_INHERIT_FD, .data.fd = fds[1] },
		{ .flags = UV_INHERIT_FD, .data.fd = fds[1] },
	};
	uv_process_options_t o = {
		.exit_cb = on_exit_, .file = args[0], .args = args, .env = env,
		.flags = UV_PROCESS_DETACHED,	/* its own group, killed as one */
		.stdio_count = 3, .stdio = io,
	};
	int rc = uv_spawn(x->loop, &j->proc, &o);
	close(fds[1]);
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
	uv_timer_init(x->loop, &j->timer);
	uv_pipe_init(x->loop, &j->out, 0);
	j->open = 3;
	if (rc < 0 || uv_pipe_open(&j->out, fds[0]) < 0) {
		say(j, "action not started: %s", uv_strerror(rc < 0 ? rc : UV_EBADF));
		if (rc >= 0)
			kill(-j->proc.pid, SIGKILL);
		else
			close(fds[0]);
		j->finished = true;
		uv_close((uv_handle_t *)&j->proc, handle_closed);
		uv_close((uv_handle_t *)&j->out, handle_closed);
		uv_close((uv_handle_t *)&j->timer, handle_closed);
		return;
	}
	j->slot = s;
	s->running = j;
	x->running++;
	uv_read_start((uv_stream_t *)&j->out, out_alloc, out_read);
	uv_timer_start(&j->timer, on_timer, x->timeout_ms, 0);
}

alert_actions *alert_actions_new(uv_loop_t *loop, const char *cmd, double timeout_s, alert_action_log_cb log,
				 void *ud)
{
	alert_actions *x = xcalloc(1, sizeof *x);
	x->loop = loop;
	x->cmd = xstrdup(cmd);
	x->timeout_ms = (uint64_t)(timeout_s > 0 ? timeout_s * 1000 : 30000);
	x->log = log;
	x->ud = ud;
	return x;
}

void alert_actions_run(alert_actions *x, const model_alert *a, const char *name)
{
	if (!x || x->closing)
		return;
	rule_slot *s = NULL;
	for (int i = 0; i < x->nslots && !s; i++)
		if (strcmp(x->slots[i].rule, a->rule) == 0)
			s = &x->slots[i];
	for (int i = 0; i < x->nslots && !s; i++)	/* full (vitals has 9 rules): an idle slot */
		if (x->nslots == MAX_RULES && !x->slots[i].running)
			s = &x->slots[i];
	if (!s && x->nslots < MAX_RULES)
		s = &x->slots[x->nslots++];
	if (!s)
		return;	/* MAX_RULES actions of other rules running */
	if (strcmp(s->rule, a->rule) != 0) {
		memset(s, 0, sizeof *s);
		snprintf(s->rule, sizeof s->rule, "%s", a->rule);
	}
	if (s->running) {	/* one at a time: the newest transition waits */
		s->waiting = true;
		s->next = *a;
		snprintf(s->next_name, sizeof s->next_name, "%s", name ? name : "");
		return;
	}
	start(x, s, a, name);
}

int alert_actions_running(const alert_actions *x)
{
	return x ? x->running : 0;
}

void alert_actions_close(alert_actions *x)
{
	if (!x || x->closing)
		return;
	x->closing = true;
	for (int i = 0; i < x->nslots; i++) {
		rule_slot *s = &x->slots[i];
		s->waiting = false;
		job *j = s->running;
		if (!j)
			continue;
		s->running = NULL;
		j->slot = NULL;
		if (!j->exited && !j->term_sent) {	/* SIGTERM now, SIGKILL after the grace */
			j->term_sent = true;
			kill(-j->proc.pid, SIGTERM);
			uv_timer_start(&j->timer, on_timer, KILL_GRACE_MS, 0);
		}
	}
	if (x->jobs == 0) {
		free(x->cmd);
		free(x);
	}
}
