/* probe_client — the dashboard's connections to probes; see probe_client.h
 * and doc/PROTOCOL.md.
 *
 * Data: a probe_mgr keeps one pclient per process it has ever tried to reach
 * (hung on p->probe_data, owned here, freed by probe_mgr_forget/close).  A
 * pclient has at most one live pconn (a uv_pipe_t plus its line buffer); a
 * pconn is freed only in its close callback, and once closing it no longer
 * points at its client (c->cl == NULL), so a client can be forgotten while a
 * connection or a file sync is still winding down.  A pclient runs at most one
 * capture (collectors/probe_capture) and one gc at a time, and after a lost
 * connection at most one settle timer (is the process gone? is its socket
 * left behind?) before anything in flight is failed.
 *
 * Invariants: cl->conn == NULL or cl->conn->cl == cl; cl->settle == NULL or
 * cl->settle->cl == cl; every open handle and every fs request in flight
 * counts in pm->pending, and the manager is freed when it is closing and
 * pending drops to zero.
 *
 * Lines are split here and parsed by collectors/probe_line (the one parser of
 * probe input); its command messages come back through probe_line_ops.
 */
#include "collectors/probe_client.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "collectors/container.h"
#include "collectors/procfs.h"
#include "base/linebuf.h"
#include "base/paths.h"
#include "base/xalloc.h"

#define RETRY_MS 2000			/* before reconnecting to the same socket file */
#define SWEEP_MS 60000			/* between looks for stale sockets */
#define SETTLE_STEP_MS 5		/* after a lost connection: poll every 5 ms ... */
#define SETTLE_TRIES 20			/* ... up to 100 ms per question */
#define CAPTURE_IDLE_MS 120000		/* a capture that hears nothing this long is given up */
#define SNAPSHOT_BYTES_PER_S (10 << 20)	/* before the first chunk: the target is frozen */

/* ------------------------------------------------------------------ types */

typedef struct pclient pclient;
typedef struct pconn pconn;
typedef struct settle settle;

struct pconn {
	uv_pipe_t pipe;		/* pipe.data == this */
	uv_connect_t req;
	probe_mgr *pm;
	pclient *cl;		/* NULL once closing */
	char *path;		/* owned: the socket (maybe under /proc/PID/root) */
	linebuf lines;		/* the current, unfinished line */
	bool connected, closing;
};

/* After a connection dropped, without blocking the loop: whether the
 * process is gone (the kernel may still be tearing it down when EOF comes);
 * if it is, its socket file is removed at once (dead_sock_remove). */
struct settle {
	uv_timer_t timer;	/* timer.data == this */
	probe_mgr *pm;
	pclient *cl;		/* NULL once the client is freed */
	int tries;
};

struct pclient {
	probe_mgr *pm;
	vproc *p;
	pclient *prev, *next;	/* pm->clients */
	pconn *conn;		/* current connection or NULL */
	settle *settle;		/* after a lost connection, or NULL */
	probe_state before;	/* pstate to restore if a connect attempt fails */
	bool have_sock;
	bool sock_refused;	/* that socket file gave no usable hello: not retried */
	dev_t sock_dev;		/* the socket file of the last attempt */
	ino_t sock_ino;
	uint64_t retry_at;	/* uv_now() before which that same file is not retried */
	long long next_id;
	long long hz_id;
	probe_capture *cap;
	long long cap_id;
	uint64_t cap_deadline;	/* uv_now() by which cap must hear from the probe */
	long long cancel_id;	/* the last cancel sent and its target: their */
	long long cancel_target;	/* answers are expected, not news */
	long long gc_id;
	probe_done_cb gc_cb;
	void *gc_ud;
};

struct probe_mgr {
	uv_loop_t *loop;
	model *m;
	int hz;
	char out_dir[PATH_MAX];
	probe_capture_env cenv;	/* cenv.out_dir == out_dir */
	probe_sample_cb on_sample;
	probe_warning_cb on_warning;	/* the owner's, called with pm->ud */
	void *ud;		/* of on_sample and on_warning */
	probe_line_ops ops;	/* ops.ud == this */
	pclient *clients;
	int pending;		/* open handles + fs requests */
	bool closing;
	bool dir_warned;
	uint64_t sweep_at;	/* uv_now() of the next sweep for stale sockets */
	unsigned gen;		/* bumped whenever a client is freed */
	uint64_t capture_idle_ms;
	char rbuf[65536];	/* read buffer shared by all connections (one loop thread) */
};

/* ------------------------------------------------------------ manager */

static void mgr_unref(probe_mgr *pm)
{
	if (--pm->pending == 0 && pm->closing)
		free(pm);
}

static void mgr_hold(void *owner, int delta)
{
	probe_mgr *pm = owner;
	if (delta > 0)
		pm->pending += delta;
	else
		mgr_unref(pm);
}

static void write_done(uv_write_t *req, int status)
{
	free(req);	/* the request heads the allocation that also holds the data */
}

/* Send one command line (without the newline). */
static int conn_send(pconn *c, const char *line)
{
	size_t n = strlen(line);
	struct wreq {
		uv_write_t req;
		char data[];
	} *w = malloc(sizeof *w + n + 1);
	if (!w)
		return UV_ENOMEM;
	memcpy(w->data, line, n);
	w->data[n] = '\n';
	uv_buf_t b = uv_buf_init(w->data, (unsigned)n + 1);
	int rc = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, write_done);
	if (rc < 0)
		free(w);
	return rc;
}

static void conn_closed(uv_handle_t *h)
{
	pconn *c = h->data;
	probe_mgr *pm = c->pm;
	linebuf_free(&c->lines);
	free(c->path);
	free(c);
	mgr_unref(pm);
}

/* Start closing c; it lets go of its client at once. */
static void conn_close(pconn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->cl && c->cl->conn == c)
		c->cl->conn = NULL;
	c->cl = NULL;
	uv_close((uv_handle_t *)&c->pipe, conn_closed);
}

/* Where p's probe socket is, as we reach it (collectors/container's rule,
 * which the inspector gave the probe). */
static void probe_sock_path(const vproc *p, char *path, size_t n)
{
	char dir[PATH_MAX];
	container_probe_sock(p->pid, p->nspid ? p->nspid : p->pid, p->other_mnt, dir, sizeof dir, path, n);
}

/* True when the process is gone: exited in the model, no such PID, or a
 * zombie (kill(2) still succeeds on those). */
static bool proc_gone(const vproc *p)
{
	return p->state == PROC_EXITED || procfs_gone(p->pid);
}

static void gc_finish(pclient *cl, int ok, const char *msg)
{
	probe_done_cb cb = cl->gc_cb;
	void *ud = cl->gc_ud;
	vproc *p = cl->p;
	cl->gc_id = 0;
	cl->gc_cb = NULL;
	if (cb)
		cb(ud, p, ok, msg);
}

/* The client of p when it is one of pm's, else NULL (a late message after a
 * forget, or a line applied without a connection). */
static pclient *pclient_of(probe_mgr *pm, vproc *p)
{
	pclient *cl = p->probe_data;
	return cl && cl->pm == pm ? cl : NULL;
}

/* Whether cl is still one of pm's clients (compares pointers only). */
static bool client_alive(probe_mgr *pm, const pclient *cl)
{
	for (pclient *x = pm->clients; x; x = x->next)
		if (x == cl)
			return true;
	return false;
}

/* Ask the probe to stop a capture we gave up on (doc/PROTOCOL.md: cancel):
 * otherwise it streams on, and the next capture gets EBUSY. */
static void send_cancel(pclient *cl, long long target)
{
	if (!cl->conn || !cl->conn->connected)
		return;	/* a dropped connection cancels it in the probe */
	char line[96];
	cl->cancel_id = cl->next_id++;
	cl->cancel_target = target;
	snprintf(line, sizeof line, "{\"id\":%lld,\"cmd\":\"cancel\",\"target\":%lld}", cl->cancel_id, target);
	conn_send(cl->conn, line);
}

static void route_chunk(void *ud, vproc *p, long long id, const char *data, size_t n)
{
	probe_mgr *pm = ud;
	pclient *cl = pclient_of(pm, p);
	if (!cl || !probe_capture_owns(cl->cap, id))
		return;	/* a capture we gave up on: its late chunks are dropped */
	cl->cap_deadline = uv_now(pm->loop) + pm->capture_idle_ms;
	probe_capture_chunk(cl->cap, data, n);
	/* a local write failed (disk full): the callback has run and may have
	 * let go of the client */
	if (client_alive(pm, cl) && !cl->cap)
		send_cancel(cl, id);
}

/* The parser's ud is the manager; the owner's callback wants its own ud. */
static void route_warning(void *ud, vproc *p, const char *name, const char *message, int64_t t_ms)
{
	probe_mgr *pm = ud;
	if (pm->on_warning)
		pm->on_warning(pm->ud, p, name, message, t_ms);
}

static void route_reply(void *ud, vproc *p, long long id, bool ok, double bytes, double hz)
{
	pclient *cl = pclient_of(ud, p);
	if (!cl)
		return;
	if (id == cl->hz_id) {
		cl->hz_id = 0;
		if (ok && !isnan(hz) && p->node)
			p->node->hz = (int)hz;
	} else if (cl->gc_id && id == cl->gc_id) {
		gc_finish(cl, ok, ok ? "garbage collected" : "GC failed");
	} else if (probe_capture_owns(cl->cap, id)) {
		probe_capture_reply(cl->cap, ok, bytes);
	}
}

static void route_error(void *ud, vproc *p, long long id, const char *code, const char *message)
{
	probe_mgr *pm = ud;
	pclient *cl = pclient_of(pm, p);
	char why[320];
	if (cl && id && cl->gc_id && id == cl->gc_id) {
		snprintf(why, sizeof why, "GC failed: %s (%s)", message, code);
		gc_finish(cl, 0, why);
	} else if (cl && id && probe_capture_owns(cl->cap, id)) {
		snprintf(why, sizeof why, "%s failed: %s (%s); no file written", probe_capture_label(cl->cap),
			 message, code);
		probe_capture_fail(cl->cap, why);
	} else if (cl && id && id == cl->hz_id) {
		cl->hz_id = 0;
	} else if (cl && id && (id == cl->cancel_id || id == cl->cancel_target)) {
		/* the cancelled capture's ECANCELED, or an older probe's EUNKNOWN */
	} else {
		model_status(pm->m, "probe %d: %s: %s", p->pid, code, message);
	}
}

/* After the probe of a dead process hung up: remove its socket file if it is
 * still the one we were connected to.  Called only once the process is gone
 * (no PID, or its main thread a zombie): the file's inode is the one our
 * connection went to, so it is that probe's, and nobody else can take the
 * name while the PID is held.  Its listener may still be open for a while
 * (the kernel closes a killed multi-threaded process's files only after it
 * freed its memory, ~0.1-1 s for a big heap), so we do not wait for
 * connect() to be refused: a vitals that quits right after the capture
 * failed would leave the file behind.  Always returns true. */
static bool dead_sock_remove(pclient *cl)
{
	char path[PATH_MAX];
	struct stat st;
	probe_sock_path(cl->p, path, sizeof path);
	if (!cl->have_sock || stat(path, &st) < 0 || st.st_dev != cl->sock_dev || st.st_ino != cl->sock_ino)
		return true;
	if (unlink(path) == 0)
		model_status(cl->pm->m, "removed stale probe socket %s (process %d is gone)", path, cl->p->pid);
	return true;
}

/* At the first scan and then every SWEEP_MS: remove <pid>.sock files of dead
 * processes (killed by a signal, whether or not we watched them).  One
 * readdir of a small directory; a connect only for files of dead PIDs. */
static void sweep_stale(probe_mgr *pm)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	pm->sweep_at = uv_now(pm->loop) + SWEEP_MS;
	DIR *d = opendir(paths_sock_dir(dir, sizeof dir));
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (pid <= 0 || pid > INT_MAX || strcmp(end, ".sock") != 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (paths_sock_refuses(path) && unlink(path) == 0)
			model_status(pm->m, "removed stale probe socket %s (process %ld is gone)", path, pid);
	}
	closedir(d);
}

static void settle_closed(uv_handle_t *h)
{
	settle *s = h->data;
	probe_mgr *pm = s->pm;
	free(s);
	mgr_unref(pm);
}

/* Stop s and let go of its client. */
static void settle_end(settle *s)
{
	if (s->cl)
		s->cl->settle = NULL;
	s->cl = NULL;
	uv_close((uv_handle_t *)&s->timer, settle_closed);
}

/* The connection is gone for good: fail what was in flight, saying whether
 * the process exited.  Callbacks last, as they may forget the process. */
static void lost_fail_pending(pclient *cl, bool gone)
{
	probe_mgr *pm = cl->pm;
	unsigned gen = pm->gen;
	if (cl->cap) {
		char msg[160];
		snprintf(msg, sizeof msg, gone ? "process exited during the %s; no file written"
					       : "probe connection lost during the %s; no file written",
			 probe_capture_label(cl->cap));
		probe_capture_fail(cl->cap, msg);
	}
	/* the capture's callback may have forgotten p (and then client_free told
	 * the gc's caller already): touch cl only if it is certainly alive */
	if ((gen == pm->gen || client_alive(pm, cl)) && cl->gc_id)
		gc_finish(cl, 0, gone ? "process exited before the GC finished" : "probe connection lost before the GC finished");
}

static void settle_tick(uv_timer_t *t)
{
	settle *s = t->data;
	pclient *cl = s->cl;
	bool gone = proc_gone(cl->p);
	if (!gone && ++s->tries < SETTLE_TRIES)
		return;
	/* gone: a probe killed by a signal could not remove its socket; do it
	 * before the callbacks, which may forget the process or end vitals */
	if (gone)
		dead_sock_remove(cl);
	lost_fail_pending(cl, gone);
	if (s->cl)	/* not forgotten by a callback */
		settle_end(s);
}

/* The connection is gone (EOF, error): the process is LOST at once; what was
 * in flight fails once settle_tick knows whether the process exited. */
static void conn_lost(pconn *c, const char *why)
{
	pclient *cl = c->cl;
	conn_close(c);
	if (!cl)
		return;
	probe_mgr *pm = cl->pm;
	vproc *p = cl->p;
	if (p->pstate == PROBE_ATTACHED || p->pstate == PROBE_CONNECTING) {
		p->pstate = PROBE_LOST;
		snprintf(p->probe_err, sizeof p->probe_err, "probe connection lost: %s", why);
	}
	cl->retry_at = uv_now(pm->loop) + RETRY_MS;
	model_touch(pm->m);
	if (cl->settle)
		return;
	settle *s = xcalloc(1, sizeof *s);
	if (uv_timer_init(pm->loop, &s->timer) < 0) {
		free(s);
		lost_fail_pending(cl, proc_gone(p));	/* no timer: decide now */
		return;
	}
	s->pm = pm;
	s->cl = cl;
	s->timer.data = s;
	cl->settle = s;
	pm->pending++;
	uv_timer_start(&s->timer, settle_tick, 0, SETTLE_STEP_MS);
}

/* One complete line from the probe. */
static void conn_line(pconn *c, const char *line, size_t len)
{
	pclient *cl = c->cl;
	probe_mgr *pm = c->pm;
	char err[256];
	vproc *p = cl->p;
	uint64_t before = p->node ? p->node->samples : 0;
	int pid = p->pid;
	if (len == 0)
		return;
	if (probe_line_apply_ops(pm->m, p, line, len, &pm->ops, err, sizeof err) < 0) {
		model_status(pm->m, "probe %d: %s", pid, err);
		if (c->cl && p->pstate == PROBE_CONNECTING) {
			/* the first line must be a good hello: this is no probe we
			 * can talk to (wrong pid, garbage); do not retry this socket */
			p->pstate = PROBE_FAILED;
			snprintf(p->probe_err, sizeof p->probe_err, "%.159s", err);
		}
		if (c->cl && p->pstate == PROBE_FAILED) {	/* wrong version or no hello: stop */
			c->cl->sock_refused = true;
			conn_close(c);
		}
		return;
	}
	/* p may have been removed by a command callback; c->cl says it is still ours */
	if (c->cl && p->node && p->node->samples != before && pm->on_sample)
		pm->on_sample(pm->ud, p);
}

static bool conn_line_cb(void *ud, const char *line, size_t len)
{
	pconn *c = ud;
	conn_line(c, line, len);
	return !c->closing && c->cl;	/* the line may have closed c */
}

/* Split what arrived into lines; a line over the cap is dropped and the
 * stream resynchronises at the next newline. */
static void conn_feed(pconn *c, const char *data, size_t n)
{
	if (c->closing || !c->cl)
		return;
	if (linebuf_feed(&c->lines, data, n, conn_line_cb, c) && c->cl)
		model_status(c->pm->m, "probe %d: line over the 1 MiB limit dropped", c->cl->p->pid);
}

static void conn_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	pconn *c = h->data;
	*b = uv_buf_init(c->pm->rbuf, sizeof c->pm->rbuf);
}

static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	pconn *c = s->data;
	if (c->closing)
		return;
	if (nread < 0) {
		conn_lost(c, nread == UV_EOF ? "the probe closed the connection" : uv_strerror((int)nread));
		return;
	}
	conn_feed(c, b->base, (size_t)nread);
}

static int send_hz(pclient *cl, int hz)
{
	char line[64];
	cl->hz_id = cl->next_id++;
	snprintf(line, sizeof line, "{\"id\":%lld,\"cmd\":\"hz\",\"hz\":%d}", cl->hz_id, hz);
	return conn_send(cl->conn, line);
}

static void conn_connected(uv_connect_t *req, int status)
{
	pconn *c = req->data;
	pclient *cl = c->cl;
	if (c->closing || !cl)
		return;
	probe_mgr *pm = c->pm;
	vproc *p = cl->p;
	if (status < 0) {
		if ((status == UV_ECONNREFUSED || status == UV_ENOENT) && proc_gone(p)) {
			/* a probe killed by a signal leaves its socket behind */
			if (unlink(c->path) == 0)
				model_status(pm->m, "removed stale probe socket %s (process %d is gone)", c->path, p->pid);
		} else {
			snprintf(p->probe_err, sizeof p->probe_err, "cannot connect to the probe: %s", uv_strerror(status));
		}
		if (p->pstate == PROBE_CONNECTING)
			p->pstate = cl->before;
		cl->retry_at = uv_now(pm->loop) + RETRY_MS;
		conn_close(c);
		model_touch(pm->m);
		return;
	}
	c->connected = true;
	int rc = uv_read_start((uv_stream_t *)&c->pipe, conn_alloc, conn_read);
	if (rc == 0)
		rc = send_hz(cl, pm->hz);
	if (rc < 0)
		conn_lost(c, uv_strerror(rc));
}

/* Open a connection to the socket at path (already stat'ed as st). */
static int client_connect(pclient *cl, const char *path, const struct stat *st)
{
	probe_mgr *pm = cl->pm;
	vproc *p = cl->p;
	/* a path past sun_path's 108 bytes is reached through its directory */
	char via[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int dfd = container_sock_short(path, via, sizeof via);
	if (dfd == -2 || strlen(path) >= PATH_MAX) {
		snprintf(p->probe_err, sizeof p->probe_err, "socket path too long: %.100s", path);
		return -1;
	}
	pconn *c = xcalloc(1, sizeof *c);
	c->pm = pm;
	c->cl = cl;
	linebuf_init(&c->lines, PROBE_LINE_MAX, LINEBUF_DROP);
	c->path = xstrdup(path);
	if (uv_pipe_init(pm->loop, &c->pipe, 0) < 0) {
		free(c->path);
		free(c);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	c->pipe.data = c;
	c->req.data = c;
	pm->pending++;
	cl->conn = c;
	cl->have_sock = true;
	cl->sock_dev = st->st_dev;
	cl->sock_ino = st->st_ino;
	cl->sock_refused = false;
	cl->before = p->pstate == PROBE_CONNECTING ? PROBE_NONE : p->pstate;
	cl->next_id = 1;
	cl->hz_id = 0;
	p->pstate = PROBE_CONNECTING;
	model_touch(pm->m);
	uv_pipe_connect(&c->req, &c->pipe, via, conn_connected);	/* connect(2) runs here */
	if (dfd >= 0)
		close(dfd);
	return 0;
}

static pclient *client_get(probe_mgr *pm, vproc *p)
{
	if (p->probe_data)
		return p->probe_data;
	pclient *cl = calloc(1, sizeof *cl);
	if (!cl)
		return NULL;
	cl->pm = pm;
	cl->p = p;
	cl->next_id = 1;
	cl->next = pm->clients;
	if (pm->clients)
		pm->clients->prev = cl;
	pm->clients = cl;
	p->probe_data = cl;
	return cl;
}

/* Drop a client: close its connection, end its work; callbacks only when
 * notify (forget), not at shutdown. */
static void client_free(probe_mgr *pm, pclient *cl, bool notify, const char *why)
{
	vproc *p = cl->p;
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		pm->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	p->probe_data = NULL;
	pm->gen++;
	if (cl->conn)
		conn_close(cl->conn);
	if (cl->settle)
		settle_end(cl->settle);
	probe_capture *j = cl->cap;
	probe_done_cb gcb = cl->gc_id ? cl->gc_cb : NULL;
	void *gud = cl->gc_ud;
	free(cl);
	if (j)
		probe_capture_orphan(j, notify, why);
	if (notify && gcb)
		gcb(gud, p, 0, why);
}

probe_mgr *probe_mgr_new(uv_loop_t *loop, model *m, const probe_mgr_opts *o)
{
	probe_mgr *pm = calloc(1, sizeof *pm);
	if (!pm)
		return NULL;
	pm->loop = loop;
	pm->m = m;
	pm->hz = o && o->hz >= 1 && o->hz <= 20 ? o->hz : 1;
	pm->capture_idle_ms = o && o->capture_idle_ms > 0 ? (uint64_t)o->capture_idle_ms : CAPTURE_IDLE_MS;
	snprintf(pm->out_dir, sizeof pm->out_dir, "%s", o && o->out_dir && *o->out_dir ? o->out_dir : ".");
	pm->on_sample = o ? o->on_sample : NULL;
	pm->ud = o ? o->ud : NULL;
	pm->on_warning = o ? o->on_warning : NULL;
	/* without an owner's callback, probe_line puts warnings in the alert log */
	pm->ops = (probe_line_ops){ .on_warning = pm->on_warning ? route_warning : NULL, .on_chunk = route_chunk,
				    .on_reply = route_reply, .on_error = route_error, .ud = pm };
	pm->cenv = (probe_capture_env){ .loop = loop, .m = m, .out_dir = pm->out_dir, .hold = mgr_hold,
					.owner = pm };
	/* A probe that goes away mid-write must give EPIPE, not kill the dashboard. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	/* Likewise a capture over the file size limit (ulimit -f) must be a
	 * write error (EFBIG), not the end of the dashboard. */
	if (sigaction(SIGXFSZ, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGXFSZ, SIG_IGN);
	return pm;
}

void probe_mgr_close(probe_mgr *pm)
{
	if (!pm || pm->closing)
		return;
	pm->closing = true;
	/* scan-build: the head's prev is NULL, so client_free moves pm->clients on */
	while (pm->clients)
		client_free(pm, pm->clients, false, NULL);
	if (pm->pending == 0)
		free(pm);
}

void probe_mgr_forget(probe_mgr *pm, vproc *p)
{
	pclient *cl = p->probe_data;
	if (!pm || !cl || cl->pm != pm)
		return;
	client_free(pm, cl, true, "process removed; nothing written");
}

/* The socket directory must be ours and private, or we do not talk to what
 * is in it (someone else could feed us samples and files). */
static bool sock_dir_ok(probe_mgr *pm)
{
	char dir[PATH_MAX];
	struct stat st;
	paths_sock_dir(dir, sizeof dir);
	if (lstat(dir, &st) < 0)
		return false;	/* no probe has run yet */
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
		if (!pm->dir_warned)
			model_status(pm->m, "ignoring probe sockets in %s: not a 0700 directory of uid %u",
				     dir, (unsigned)getuid());
		pm->dir_warned = true;
		return false;
	}
	return true;
}

/* Connect p if its socket exists and may be tried now.  Returns 0 when a
 * connection is under way or open, -1 otherwise (p->probe_err may say why). */
static int try_connect(probe_mgr *pm, vproc *p, bool force)
{
	pclient *cl = p->probe_data;
	if (cl && cl->conn)
		return 0;
	if (cl && cl->settle) {	/* what the last connection left is decided first (<= 100 ms) */
		snprintf(p->probe_err, sizeof p->probe_err, "the previous probe connection is still closing");
		return -1;
	}
	char path[PATH_MAX];
	struct stat st;
	probe_sock_path(p, path, sizeof path);
	/* in its own mount namespace the socket is the target's, not in our dir */
	bool foreign = p->other_mnt || (p->nspid && p->nspid != p->pid);
	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    (st.st_uid != getuid() && !(foreign && st.st_uid == p->uid)))
		return -1;
	bool same = cl && cl->have_sock && cl->sock_dev == st.st_dev && cl->sock_ino == st.st_ino;
	if (same && !force && (cl->sock_refused || uv_now(pm->loop) < cl->retry_at))
		return -1;
	if (!cl && !(cl = client_get(pm, p)))
		return -1;
	return client_connect(cl, path, &st);
}

/* Give up on captures whose probe has gone quiet (stuck, or a probe that
 * never answers): the callback is told, and the probe asked to cancel. */
static void captures_check(probe_mgr *pm)
{
	uint64_t now = uv_now(pm->loop);
again:
	for (pclient *cl = pm->clients; cl; cl = cl->next) {
		if (!probe_capture_owns(cl->cap, cl->cap_id) || now < cl->cap_deadline)
			continue;
		char why[256];
		snprintf(why, sizeof why, "%s of %d: no answer from the probe for %llu s; cancelled, no file written",
			 probe_capture_label(cl->cap), cl->p->pid,
			 (unsigned long long)(pm->capture_idle_ms + 999) / 1000);
		unsigned gen = pm->gen;
		send_cancel(cl, cl->cap_id);
		probe_capture_fail(cl->cap, why);
		if (gen != pm->gen)
			goto again;	/* the callback let go of a client */
	}
}

void probe_mgr_scan(probe_mgr *pm)
{
	if (pm->closing)
		return;
	captures_check(pm);
	if (pm->closing || !sock_dir_ok(pm))
		return;
	if (uv_now(pm->loop) >= pm->sweep_at)
		sweep_stale(pm);
	for (size_t i = 0; i < pm->m->nprocs; i++) {
		vproc *p = pm->m->procs[i];
		if (p->state != PROC_LIVE)
			continue;
		if (p->pstate != PROBE_NONE && p->pstate != PROBE_LOST && p->pstate != PROBE_FAILED)
			continue;
		try_connect(pm, p, false);
	}
}

int probe_mgr_connect(probe_mgr *pm, vproc *p)
{
	if (pm->closing)
		return -1;
	if (!sock_dir_ok(pm)) {
		snprintf(p->probe_err, sizeof p->probe_err, "probe socket directory missing or not private");
		return -1;
	}
	p->probe_err[0] = 0;
	if (try_connect(pm, p, true) < 0) {
		if (!p->probe_err[0])
			snprintf(p->probe_err, sizeof p->probe_err, "no probe socket for pid %d", p->pid);
		/* the caller may have set CONNECTING, which scans skip: make it
		 * FAILED so that a scan connects once the socket appears */
		if (p->pstate == PROBE_CONNECTING)
			p->pstate = PROBE_FAILED;
		model_touch(pm->m);
		return -1;
	}
	return 0;
}

/* The client of an attached process, or NULL with err set. */
static pclient *attached_client(vproc *p, char *err, size_t errlen)
{
	pclient *cl = p->probe_data;
	if (!cl || !cl->conn || !cl->conn->connected || !probe_line_attached(p)) {
		probe_errf(err, errlen, "process %d has no probe attached", p->pid);
		return NULL;
	}
	return cl;
}

int probe_mgr_capture(probe_mgr *pm, vproc *p, const char *cmd, int seconds, probe_done_cb cb, void *ud,
		      char *err, size_t errlen)
{
	return probe_mgr_capture_thread(pm, p, cmd, seconds, 0, cb, ud, err, errlen);
}

int probe_mgr_capture_thread(probe_mgr *pm, vproc *p, const char *cmd, int seconds, int thread_id,
			     probe_done_cb cb, void *ud, char *err, size_t errlen)
{
	if (probe_capture_check(&pm->cenv, cmd, seconds, err, errlen) < 0)
		return -1;
	pclient *cl = attached_client(p, err, errlen);
	if (!cl)
		return -1;
	if (cl->cap)
		return probe_errf(err, errlen, "a %s of process %d is still running", probe_capture_label(cl->cap),
				  p->pid);
	char line[96];
	long long id = cl->next_id++;
	probe_capture *j = probe_capture_new(&pm->cenv, &cl->cap, p, cmd, seconds, thread_id, id, cb, ud, line,
					     sizeof line,
					     err, errlen);
	if (!j)
		return -1;
	int rc = conn_send(cl->conn, line);
	if (rc < 0) {
		probe_capture_cancel(j);
		return probe_errf(err, errlen, "cannot send to the probe of %d: %s", p->pid, uv_strerror(rc));
	}
	cl->cap = j;
	cl->cap_id = id;
	/* until the first chunk, allow for the time the capture itself takes */
	uint64_t first = pm->capture_idle_ms;
	if (strcmp(cmd, "cpu_profile") == 0)
		first += (uint64_t)seconds * 1000;
	else if (strcmp(cmd, "heap_snapshot") == 0 && p->node && p->node->heap_total > 0)
		first += (uint64_t)(p->node->heap_total / SNAPSHOT_BYTES_PER_S * 1000);
	cl->cap_deadline = uv_now(pm->loop) + first;
	return 0;
}

int probe_mgr_gc(probe_mgr *pm, vproc *p, probe_done_cb cb, void *ud, char *err, size_t errlen)
{
	pclient *cl = attached_client(p, err, errlen);
	if (!cl)
		return -1;
	if (cl->gc_id)
		return probe_errf(err, errlen, "a GC of process %d is still running", p->pid);
	char line[64];
	long long id = cl->next_id++;
	snprintf(line, sizeof line, "{\"id\":%lld,\"cmd\":\"gc\"}", id);
	int rc = conn_send(cl->conn, line);
	if (rc < 0)
		return probe_errf(err, errlen, "cannot send to the probe of %d: %s", p->pid, uv_strerror(rc));
	cl->gc_id = id;
	cl->gc_cb = cb;
	cl->gc_ud = ud;
	return 0;
}

int probe_mgr_set_hz(probe_mgr *pm, int hz)
{
	if (hz < 1 || hz > 20)
		return -1;
	pm->hz = hz;
	for (pclient *cl = pm->clients; cl; cl = cl->next)
		if (cl->conn && cl->conn->connected)
			send_hz(cl, hz);
	return 0;
}

long long probe_mgr_progress(probe_mgr *pm, vproc *p)
{
	pclient *cl = p->probe_data;
	return cl && cl->cap ? probe_capture_bytes(cl->cap) : -1;
}
