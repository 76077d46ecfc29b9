/* inspector — inject the probe into a running Node process (see inspector.h
 * and ../shared/DESIGN.md "Attaching to a running process").
 *
 * Data: an inspector holds a FIFO of jobs (one per requested pid); only the
 * head job runs, because SIGUSR1 always opens the same port (9229) and a
 * second target would fail with "address already in use".  A running job is a
 * small state machine driven by two timers (`deadline`, the whole attach;
 * `poll`, for the steps that wait on /proc) and at most one TCP connection
 * (`conn`, first for GET /json/list, then a fresh one for the WebSocket).
 *
 * Invariants:
 *  - in->cur is either NULL or in->head; a job's callback runs exactly once,
 *    from job_finish(), unless inspector_close() dropped it first.
 *  - A conn is freed only in its close callback; when its job ends first,
 *    conn->job is set to NULL so late libuv callbacks do nothing.
 *  - Every libuv handle counts in in->nhandles; the inspector itself is freed
 *    when that reaches 0 after inspector_close().
 *  - When vitals opened the inspector (SIGUSR1) it is closed again before the
 *    job reports: by the probe (closeInspector), or, on a failure after the
 *    process was identified, by a tiny fixed snippet; the job waits until
 *    the port is really gone, so the next queued SIGUSR1 finds it free.
 *    If the port outlives the probe's close, the job reconnects once and
 *    runs the snippet itself.  A SIGUSR1 that opens nothing within 1.5 s is
 *    reported at once, but the job (its callback spent, j->late) watches
 *    the port a while longer: a process busy in native code opens it late.
 *  - SIGKILL: a job arms the watchdog (collectors/watchdog) just before its
 *    SIGUSR1 and disarms it in job_finish, unlocking attach.lock explicitly
 *    (the watchdog holds the same open file); if vitals dies armed, the
 *    watchdog runs orphan_close: watch-only jobs that close the port.
 *  - Node's cluster primary answers an inspector opened at run time by
 *    sending SIGUSR1 to each of its workers (NODE_DEBUG_ENABLED in Node's
 *    lib/internal/cluster/primary.js).  A worker slower than our session
 *    (a loaded machine, a main thread busy in native code) then opens the
 *    port after the primary closed it, and nobody would close that one: so
 *    the children of every process we SIGUSR1 are watched for PROXY_WATCH_MS
 *    (in->proxy); an inspector one of them opens meanwhile is ours — closed
 *    by a close-only job, or after the injection when we attach it anyway.
 *  - Between dashboards: a job holds flock(<sockdir>/attach.lock) from its
 *    SIGUSR1 to its end, so two vitals of one user never race for 9229; a
 *    port held by another Node process (another user's attach) is waited for
 *    briefly, and a SIGUSR1 that lost the race is sent again.
 *
 * Steps: socket already answers → done.  Else find an open inspector
 * (/proc/PID/cmdline and NODE_OPTIONS flags, the process's listening sockets
 * from /proc/PID/fd + /proc/PID/net/tcp{,6} when a loopback connect says
 * something listens at its port), or refuse non-Node processes and SIGUSR1
 * the rest → GET /json/list → WebSocket → evaluate [process.pid,
 * process.version] → then:
 *  - an inspector we opened (deferred, DEFER_HEAD): write the probe text to
 *    <sockdir>/<pid>.probe.js, evaluate a small injection → end the session
 *    → create <pid>.cue, the injection's cue to close the inspector and then
 *    start the probe → wait for the port to close: the job ends and the
 *    queue moves on, while `starting` waits for <pid>.sock (or <pid>.fail)
 *    to report it;
 *  - an inspector someone else opened: evaluate the wrapped probe → end the
 *    session → wait for <pid>.sock; the inspector stays open.
 */
#include "collectors/inspector.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "collectors/cdp.h"
#include "collectors/container.h"
#include "collectors/netns.h"
#include "collectors/watchdog.h"
#include "collectors/node_flags.h"
#include "collectors/procfs.h"
#include "base/paths.h"
#include "base/text.h"
#include "base/xalloc.h"

#define ATTACH_TIMEOUT_MS 8000	/* whole attach */
#define SIGUSR1_WAIT_MS 1500	/* for the port to open after SIGUSR1 */
#define LATE_OPEN_WAIT_MS 6000	/* then, silently, for a late one to close */
#define LATE_POLL_MS 100
#define PORT_FREE_WAIT_MS 1500	/* for another Node process's (attach) inspector to go */
#define ARM_WAIT_MS 4000	/* for a starting Node to catch SIGUSR1 */
#define LOCK_WAIT_MS 6000	/* for another vitals's attach (attach.lock) */
#define SOCK_WAIT_MS 3000	/* for the probe's socket after the injection */
#define PORT_CLOSE_WAIT_MS 2000	/* for the inspector port to close again */
#define SESSION_END_WAIT_MS 1000	/* for the inspector to end our session after our close */
#define PROXY_WATCH_MS 15000	/* children of a signalled process, watched this long */
#define PROXY_POLL_MS 200
#define MAX_PROXY 64
#define POLL_MS 5	/* the waits of an attach (port open, socket, port closed): they are
			 * serial, so each poll's delay is paid once per attached process */
#define PROC_POLL_MS 100	/* the waits' look at /proc while the quick check says nothing */
#define MAX_LISTEN 64
#define DEFAULT_PORT 9229

/* The snippet that closes an inspector vitals opened when the probe could not
 * (failure paths).  A timeout, because closing synchronously loses the reply
 * and inspector.close() waits until our session is gone.  Looked at again
 * 0.4, 1.2 and 2.4 s on: a main thread busy when SIGUSR1 came starts the
 * inspector a second time once its loop runs (see closeInspectorSoon in
 * probe/vitals-probe.js). */
#define CLOSE_SNIPPET "(function (r) { var i = r('inspector'), n = 0; function c() { " \
	"try { if (i.url()) i.close(); } catch (e) {} if (++n < 4) setTimeout(c, 400 * n).unref(); } " \
	"setTimeout(c, 20); return true; })(typeof require === 'function' ? require : " \
	"process.getBuiltinModule)"

enum step {
	ST_IDLE,
	ST_ARM_WAIT,		/* the process does not catch SIGUSR1 yet (still starting) */
	ST_LOCK_WAIT,		/* another vitals of this user is attaching (attach.lock) */
	ST_PORT_FREE_WAIT,	/* the SIGUSR1 port is held by another Node process */
	ST_PORT_OPEN_WAIT,	/* SIGUSR1 sent, polling for the listening port */
	ST_CONNECT,		/* cdp: GET /json/list, then the WebSocket */
	ST_CDP_PID,		/* Runtime.evaluate [process.pid, process.version] */
	ST_CDP_PROBE,		/* Runtime.evaluate the wrapped probe */
	ST_CDP_CLOSE,		/* Runtime.evaluate CLOSE_SNIPPET */
	ST_SESSION_END,		/* our session closing (cdp_end), waiting for the inspector's side */
	ST_SOCK_WAIT,		/* polling for <sockdir>/<pid>.sock */
	ST_PORT_CLOSE_WAIT,	/* polling until the inspector port is gone */
};

typedef struct job job;
typedef struct inspector inspector;

struct job {
	job *next;
	int pid;
	inspector_done_cb cb;
	void *ud;

	enum step step;
	bool opened;		/* vitals sent SIGUSR1: the inspector must be closed again */
	bool signalled;		/* SIGUSR1 was sent at least once (kept by inspector_close) */
	bool close_only_job;	/* made by job_signal to close an inspector opened late */
	bool close_only;	/* reconnected only to run CLOSE_SNIPPET */
	bool close_retried;
	bool late;		/* reported already; watching for an inspector opened late */
	bool watch_only;	/* the watchdog's: SIGUSR1 came from a vitals now dead */
	bool armed;		/* the watchdog would close our inspector if we died */
	int retries;		/* SIGUSR1 sent again after losing the port to another process */
	int lock_fd;		/* <sockdir>/attach.lock, held from SIGUSR1 to the end;
				 * -1 not taken yet, -2 cannot be made (go on unserialised) */
	bool identified;	/* the inspector answered with process.pid == pid */
	bool guessing;		/* candidates are all the process's listeners */
	bool no_sigusr1;	/* --disable-sigusr1 */
	int sig_port;		/* port SIGUSR1 opens; 0 = random */
	int before[MAX_LISTEN], nbefore;	/* listening ports before SIGUSR1 */
	procfs_listener cand[MAX_LISTEN];	/* inspector candidates, tried in order */
	int ncand, icand;
	procfs_listener port;	/* the inspector's listener */
	uint64_t step_start;	/* uv_now of the current waiting step */
	uint64_t proc_at;	/* uv_now of the last look at /proc/PID/net/tcp in a wait */

	cdp *cdp;		/* the inspector connection, while one is open */
	bool session;		/* its WebSocket is open */

	int pending_err;	/* failure to report after CLOSE_SNIPPET ran */
	char pending_msg[512];
	char sock_path[PATH_MAX];	/* the probe's socket, as vitals reaches it */
	char probe_dir[PATH_MAX];	/* its directory, as the target sees it */
	int nspid;		/* pid inside its PID namespace: what process.pid says */
	bool deferred;		/* injected with DEFER_HEAD: the probe starts after the port closed */
};

/* An attach handed off once its inspector closed (j->deferred): the probe
 * compiles and starts in the target while the queue's next SIGUSR1 goes. */
typedef struct starting starting;
struct starting {
	starting *next;
	int pid;
	inspector_done_cb cb;
	void *ud;
	uint64_t since;		/* uv_now at the handoff */
	char sock_path[PATH_MAX];
	char fail_path[PATH_MAX];	/* <pid>.fail: why the deferred start failed */
};

struct inspector {
	uv_loop_t *loop;
	char *probe_path;
	uv_timer_t deadline, poll;
	int nhandles;
	bool closing;
	job *head, *tail, *cur;
	watchdog *wd;		/* closes our inspector if vitals is SIGKILLed */
	/* processes SIGUSR1'd by a job that ended before their inspector
	 * opened (a start or a machine slower than every wait): if one holds
	 * the port later, that inspector is ours to close (job_signal) */
	struct { int pid; uint64_t start; } unseen[16];
	int nunseen;
	/* children of processes we SIGUSR1'd (see the header): pid, start
	 * time, the port SIGUSR1 opens in it, until when (uv_now) */
	struct { int pid; int port; uint64_t start, until; } proxy[MAX_PROXY];
	int nproxy;
	uv_timer_t proxy_timer;	/* PROXY_POLL_MS while nproxy > 0 */
	starting *starting;	/* handed-off attaches waiting for their probe's socket */
	uv_timer_t start_timer;	/* POLL_MS while starting is not empty */
	/* the probe file as one JS string literal (escaped once, not per
	 * attach), with the size and mtime it was read at */
	char *src;
	size_t src_len;
	off_t src_size;
	struct timespec src_mtime;
};

static void job_fail(inspector *in, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void job_step_connect(inspector *in);
static void job_signal(inspector *in);
static void job_signal_start(inspector *in);
static void job_enqueue(inspector *in, job *j);
static void connect_next(inspector *in, const char *msg);
static void poll_cb(uv_timer_t *t);
static void cdp_send(inspector *in, enum step s, const char *expr, size_t exprlen, bool cmdline_api);
static void sock_sibling(const char *sock_path, const char *ext, char *out, size_t n);
static void deferred_clean(const char *sock_path);

/* ---------- checks ---------- */

/* 0 if pid is a Node process we may signal, else -errno with msg. */
static int pid_check_node(int pid, char *msg, size_t n)
{
	if (pid <= 0) {
		snprintf(msg, n, "invalid PID %d", pid);
		return -ESRCH;
	}
	if (kill(pid, 0) < 0) {
		if (errno == EPERM) {
			snprintf(msg, n, "permission denied: PID %d belongs to another user", pid);
			return -EPERM;
		}
		snprintf(msg, n, "no such process: PID %d", pid);
		return -ESRCH;
	}
	char comm[64];
	procfs_comm(pid, comm, sizeof comm);
	if (!procfs_is_node(pid, comm, NULL)) {
		snprintf(msg, n, "PID %d is not a Node.js process (%s)", pid, comm);
		return -ENOTSUP;
	}
	return 0;
}

/* Whether the Unix socket at path accepts a connection (a path too long for
 * sun_path, as under /proc/PID/root, is reached through its directory). */
static bool sock_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int dfd = container_sock_short(path, sa.sun_path, sizeof sa.sun_path);
	if (dfd == -2)
		return false;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool ok = false;
	if (fd >= 0) {
		int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
		ok = r == 0 || errno == EAGAIN || errno == EINPROGRESS;
		close(fd);
	}
	if (dfd >= 0)
		close(dfd);
	return ok;
}

/* Whether a connection to addr:port (unspecified: loopback) in pid's network
 * namespace is refused, i.e. nothing listens there.  Over loopback the answer
 * is there when connect() returns, so this costs tens of µs where a read of
 * /proc/PID/net/tcp{,6} costs ~12 ms (the kernel walks its whole socket
 * hash): the attach's waits poll this and look at /proc only when something
 * may be listening, and every PROC_POLL_MS (an inspector on another address).
 * false when it connected or cannot tell. */
static bool port_refused(int pid, int family, const unsigned char *addr, int port)
{
	char err[200];
	int fd = netns_socket(pid, family, err, sizeof err);
	if (fd < 0)
		return false;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t len;
	static const unsigned char any[16];
	if (!addr)
		addr = any;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		if (memcmp(addr, any, 16) != 0)
			memcpy(&a->sin6_addr, addr, 16);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		memcpy(&a->sin_addr, addr, 4);
		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	}
	bool refused = false;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		if (e == EINPROGRESS) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			socklen_t el = sizeof e;
			if (poll(&pf, 1, 0) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
				e = 0;
		}
		refused = e == ECONNREFUSED;
	}
	close(fd);
	return refused;
}

/* In a wait: time for a look at /proc (the quick check aside)? */
static bool proc_due(inspector *in, job *j)
{
	if (uv_now(in->loop) - j->proc_at < PROC_POLL_MS)
		return false;
	j->proc_at = uv_now(in->loop);
	return true;
}

/* ---------- the inspector connection (collectors/cdp) ---------- */

/* One handle fewer; the inspector goes with its last one once closing. */
static void inspector_unref(inspector *in)
{
	if (--in->nhandles == 0 && in->closing) {
		watchdog_free(in->wd);
		free(in->src);
		free(in->probe_path);
		free(in);
	}
}

static void handle_closed(uv_handle_t *h)
{
	inspector_unref(h->data);
}

/* Let go of the job's inspector connection, if any. */
static void job_disconnect(job *j)
{
	cdp_close(j->cdp);
	j->cdp = NULL;
	j->session = false;
}

static void on_cdp_reply(void *ud, int err, const char *value, const char *reply_msg);

static const char *step_name(enum step s)
{
	switch (s) {
	case ST_ARM_WAIT: return "waiting for the process to catch SIGUSR1";
	case ST_LOCK_WAIT: return "waiting for another vitals to finish attaching";
	case ST_PORT_FREE_WAIT: return "waiting for port 9229 to be free";
	case ST_PORT_OPEN_WAIT: return "waiting for the inspector port";
	case ST_CONNECT: return "opening the inspector session";
	case ST_CDP_PID: return "identifying the process";
	case ST_CDP_PROBE: return "starting the probe";
	case ST_CDP_CLOSE: return "closing the inspector";
	case ST_SESSION_END: return "ending the inspector session";
	case ST_SOCK_WAIT: return "waiting for the probe socket";
	case ST_PORT_CLOSE_WAIT: return "waiting for the inspector to close";
	default: return "starting";
	}
}

static void on_cdp_open(void *ud)
{
	inspector *in = ud;
	in->cur->session = true;
	static const char expr[] = "[process.pid, process.version]";
	cdp_send(in, ST_CDP_PID, expr, strlen(expr), false);
}

static void job_session_ended(inspector *in);
static void job_poll_sock(inspector *in);

static void on_cdp_fail(void *ud, bool listing, const char *msg)
{
	inspector *in = ud;
	job *j = in->cur;
	j->cdp = NULL;	/* closed itself */
	j->session = false;
	if (j->step == ST_SESSION_END) {
		job_session_ended(in);	/* broken rather than closed: over all the same */
		return;
	}
	if (listing && j->step == ST_CONNECT) {
		connect_next(in, msg);	/* maybe not the inspector: the next candidate */
		return;
	}
	job_fail(in, -EPROTO, "%s while %s", msg, step_name(j->step));
}

static void on_cdp_ended(void *ud)
{
	inspector *in = ud;
	in->cur->cdp = NULL;	/* closed itself */
	in->cur->session = false;
	job_session_ended(in);
}

static const cdp_ops job_cdp_ops = { on_cdp_open, on_cdp_reply, on_cdp_fail, on_cdp_ended };

/* Open a connection to the current candidate, in the target's network
 * namespace. */
static void job_connect(inspector *in)
{
	job *j = in->cur;
	char msg[300];
	j->session = false;
	j->cdp = cdp_open(in->loop, j->port.family, j->port.addr, j->port.port, j->pid, &job_cdp_ops,
			  in, msg, sizeof msg);
	if (!j->cdp)
		job_fail(in, -EPROTO, "%s", msg);
}

/* ---------- job lifecycle ---------- */

static void job_free(job *j)
{
	job_disconnect(j);
	if (j->lock_fd >= 0)
		close(j->lock_fd);	/* releases the flock */
	free(j);
}

/* Close the timers; the inspector is freed when the last handle closed. */
static void inspector_release(inspector *in)
{
	if (uv_is_closing((uv_handle_t *)&in->poll))
		return;
	uv_close((uv_handle_t *)&in->deadline, handle_closed);
	uv_close((uv_handle_t *)&in->poll, handle_closed);
	uv_close((uv_handle_t *)&in->proxy_timer, handle_closed);
	uv_close((uv_handle_t *)&in->start_timer, handle_closed);
}

static void kick(inspector *in)
{
	if (!in->cur && in->head && !in->closing)
		uv_timer_start(&in->poll, poll_cb, 0, 0);
}

/* ---------- handed-off attaches (deferred injection) ---------- */

/* Why a deferred start failed, from the target's <pid>.fail (removed); 0
 * when there is none yet. */
static int start_fail_read(const starting *s, char *why, size_t n)
{
	int fd = open(s->fail_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	char buf[512];
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	unlink(s->fail_path);
	text_clean(why, n, buf, r > 0 ? (size_t)r : 0, TEXT_UTF8 | TEXT_TABS);
	return 1;
}

static void start_poll(uv_timer_t *t)
{
	inspector *in = t->data;
	uint64_t now = uv_now(in->loop);
	for (starting **pp = &in->starting; *pp;) {
		starting *s = *pp;
		char why[512], msg[PATH_MAX + 700];
		int err = 0;
		if (sock_alive(s->sock_path)) {
			snprintf(msg, sizeof msg, "attached");
		} else if (start_fail_read(s, why, sizeof why)) {
			err = -EIO;
			if (strncmp(why, "threw: ", 7) == 0)
				snprintf(msg, sizeof msg, "the probe failed to start in PID %d: %s", s->pid, why);
			else
				snprintf(msg, sizeof msg, "the probe did not start in PID %d: %s", s->pid,
					 strncmp(why, "reason: ", 8) == 0 ? why + 8 : why);
		} else if (kill(s->pid, 0) < 0 && errno == ESRCH) {
			err = -ESRCH;
			snprintf(msg, sizeof msg, "PID %d exited while the probe started", s->pid);
		} else if (now - s->since >= SOCK_WAIT_MS) {
			err = -EIO;
			snprintf(msg, sizeof msg, "the probe started in PID %d but its socket %s did not appear",
				 s->pid, s->sock_path);
		} else {
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		deferred_clean(s->sock_path);	/* the target removed them, unless it failed first */
		s->cb(s->ud, s->pid, err, msg);	/* may call inspector_close: the list is then empty */
		free(s);
		if (in->closing)
			return;
	}
	if (!in->starting)
		uv_timer_stop(&in->start_timer);
}

/* Hand j's report to start_poll. */
static void start_add(inspector *in, job *j)
{
	starting *s = xcalloc(1, sizeof *s);
	s->pid = j->pid;
	s->cb = j->cb;
	s->ud = j->ud;
	s->since = uv_now(in->loop);
	snprintf(s->sock_path, sizeof s->sock_path, "%s", j->sock_path);
	sock_sibling(j->sock_path, ".fail", s->fail_path, sizeof s->fail_path);
	s->next = in->starting;
	in->starting = s;
	if (!uv_is_active((uv_handle_t *)&in->start_timer))
		uv_timer_start(&in->start_timer, start_poll, 0, POLL_MS);
}

static void start_free_all(inspector *in)
{
	while (in->starting) {
		starting *s = in->starting;
		in->starting = s->next;
		deferred_clean(s->sock_path);
		free(s);
	}
}

/* Report and drop the running job, then start the next one. */
static void job_finish(inspector *in, int err, const char *msg)
{
	job *j = in->cur;
	if (!j)
		return;
	uv_timer_stop(&in->poll);
	job_disconnect(j);
	in->cur = NULL;
	in->head = j->next;
	if (!in->head)
		in->tail = NULL;
	if (j->armed)
		watchdog_disarm(in->wd, j->pid);
	if (j->lock_fd >= 0) {
		flock(j->lock_fd, LOCK_UN);	/* the watchdog shares the open file */
		close(j->lock_fd);
		j->lock_fd = -1;
	}
	procfs_stat st;
	if (j->signalled && !j->port.port && !j->close_only_job && procfs_stat_read(j->pid, &st) == 0) {
		int k = in->nunseen < 16 ? in->nunseen++ : 15;
		in->unseen[k].pid = j->pid;
		in->unseen[k].start = st.start_time;
	}
	if (j->cb && err == 0 && j->deferred) {
		start_add(in, j);	/* reported once the probe's socket answers */
	} else {
		if (j->deferred)
			deferred_clean(j->sock_path);
		if (j->cb)
			j->cb(j->ud, j->pid, err, msg);
	}
	job_free(j);
	if (in->closing)
		inspector_release(in);
	else
		kick(in);
}

/* Start waiting (polling) in step s. */
static void job_wait(inspector *in, enum step s)
{
	job *j = in->cur;
	j->step = s;
	j->step_start = j->proc_at = uv_now(in->loop);
	uv_timer_start(&in->poll, poll_cb, POLL_MS, POLL_MS);
}

/* End the running job with err (0 = success).  When vitals opened the
 * inspector of an identified process, a failure first closes it (snippet on
 * the live session, or a wait for the port that reconnects if needed). */
static void job_end(inspector *in, int err, const char *msg)
{
	job *j = in->cur;
	if (err && j->close_only && j->step != ST_PORT_CLOSE_WAIT) {
		/* the reconnect to close it failed, maybe because it just closed:
		 * the final look at the port decides */
		job_disconnect(j);
		job_wait(in, ST_PORT_CLOSE_WAIT);
		return;
	}
	if (err && j->opened && j->step >= ST_CONNECT && !j->pending_err) {
		/* The port is the target's own listener (found in its sockets after
		 * our SIGUSR1), so close it even before the pid check answered:
		 * the reconnect in ST_PORT_CLOSE_WAIT checks the pid again. */
		j->pending_err = err;
		snprintf(j->pending_msg, sizeof j->pending_msg, "%s", msg);
		if (j->identified && j->session && cdp_is_open(j->cdp) && j->step >= ST_CDP_PID &&
		    j->step <= ST_CDP_PROBE) {
			cdp_send(in, ST_CDP_CLOSE, CLOSE_SNIPPET, strlen(CLOSE_SNIPPET), true);
			return;
		}
		job_disconnect(j);
		job_wait(in, ST_PORT_CLOSE_WAIT);
		return;
	}
	if (j->pending_err) {
		err = j->pending_err;
		msg = j->pending_msg;
	}
	job_finish(in, err, msg);
}

static void job_fail(inspector *in, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	job_end(in, err, msg);
}

/* Giving up with a failure: if an inspector vitals opened is still there,
 * the user must hear it (the message they get is all there is). */
static void job_note_open(job *j)
{
	procfs_listener l;
	if (!j->opened || !j->port.port || strstr(j->pending_msg, "stays open") ||
	    procfs_pid_listeners(j->pid, j->port.port, &l, 1) == 0)
		return;
	size_t n = strlen(j->pending_msg);
	snprintf(j->pending_msg + n, sizeof j->pending_msg - n,
		 " (and its inspector port %d stays open)", j->port.port);
}

static void deadline_cb(uv_timer_t *t)
{
	inspector *in = t->data;
	job *j = in->cur;
	if (!j)
		return;
	if (j->pending_err) {
		job_note_open(j);
		job_finish(in, j->pending_err, j->pending_msg);
		return;
	}
	/* a last short grace period for closing an inspector we opened */
	uv_timer_start(&in->deadline, deadline_cb, 3000, 0);
	job_disconnect(j);
	job_fail(in, -ETIMEDOUT, "timed out attaching to PID %d (while %s)", j->pid,
		 step_name(j->step));
}

/* ---------- steps ---------- */

static int cmp_port(const void *a, const void *b)
{
	const procfs_listener *x = a, *y = b;
	return (x->port != DEFAULT_PORT) - (y->port != DEFAULT_PORT);
}

/* Decide where the process's inspector is, or open it with SIGUSR1. */
/* The inspector flags of pid: its command line, then NODE_OPTIONS. */
static void pid_flags(int pid, node_flags *f)
{
	node_flags_init(f);
	size_t len;
	char *buf = procfs_cmdline(pid, &len);
	if (buf)
		node_flags_cmdline(f, buf, len);
	free(buf);
	buf = procfs_environ_get(pid, "NODE_OPTIONS");
	if (buf)
		node_flags_node_options(f, buf);
	free(buf);
}

/* Whether pid is on the proxy watch (and the same process); takes it off. */
static bool proxy_take(inspector *in, int pid)
{
	for (int i = 0; i < in->nproxy; i++) {
		if (in->proxy[i].pid != pid)
			continue;
		procfs_stat st;
		bool same = procfs_stat_read(pid, &st) == 0 && st.start_time == in->proxy[i].start;
		in->proxy[i] = in->proxy[--in->nproxy];
		return same;
	}
	return false;
}

static void proxy_poll(uv_timer_t *t);

/* Put the children of pid (just SIGUSR1'd) on the proxy watch: the Node
 * processes among them, with the port SIGUSR1 opens in each. */
static void proxy_add_children(inspector *in, int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	uint64_t until = uv_now(in->loop) + PROXY_WATCH_MS;
	int c;
	while (fscanf(f, "%d", &c) == 1) {
		char comm[64];
		procfs_stat st;
		procfs_comm(c, comm, sizeof comm);
		if (c <= 0 || !procfs_is_node(c, comm, NULL) || procfs_stat_read(c, &st) < 0)
			continue;
		node_flags fl;
		pid_flags(c, &fl);
		if (fl.no_sigusr1)
			continue;
		int i = 0;
		while (i < in->nproxy && in->proxy[i].pid != c)
			i++;
		if (i == in->nproxy) {
			if (in->nproxy == MAX_PROXY)
				break;
			in->nproxy++;
		}
		in->proxy[i].pid = c;
		in->proxy[i].start = st.start_time;
		in->proxy[i].port = fl.port >= 0 ? fl.port : DEFAULT_PORT;
		in->proxy[i].until = until;
	}
	fclose(f);
	if (in->nproxy && !uv_is_active((uv_handle_t *)&in->proxy_timer))
		uv_timer_start(&in->proxy_timer, proxy_poll, PROXY_POLL_MS, PROXY_POLL_MS);
}

/* A child on the proxy watch that opened its inspector: close it with a
 * close-only job, unless an attach of it is queued (its job_start takes
 * the entry and closes the inspector after the injection). */
static void proxy_poll(uv_timer_t *t)
{
	inspector *in = t->data;
	uint64_t now = uv_now(in->loop);
	for (int i = 0; i < in->nproxy;) {
		int pid = in->proxy[i].pid;
		procfs_stat st;
		procfs_listener l;
		if (now > in->proxy[i].until || procfs_stat_read(pid, &st) < 0 || st.start_time != in->proxy[i].start) {
			in->proxy[i] = in->proxy[--in->nproxy];
			continue;
		}
		if (in->closing || in->proxy[i].port <= 0 || procfs_pid_listeners(pid, in->proxy[i].port, &l, 1) <= 0) {
			i++;
			continue;
		}
		bool queued = false;
		for (const job *q = in->head; q; q = q->next)
			queued |= q->pid == pid && q != in->cur && !q->late;
		if (queued) {
			i++;	/* its own job_start takes it */
			continue;
		}
		in->proxy[i] = in->proxy[--in->nproxy];
		if (in->cur && in->cur->pid == pid)
			continue;	/* its running attach signalled it too: closes it */
		job *k = xcalloc(1, sizeof *k);
		k->pid = pid;
		k->lock_fd = -1;
		k->opened = k->signalled = k->close_only = k->close_only_job = true;
		job_enqueue(in, k);
	}
	if (!in->nproxy)
		uv_timer_stop(&in->proxy_timer);
}

static void job_start(inspector *in)
{
	job *j = in->cur;
	char msg[512];
	j->step_start = uv_now(in->loop);
	uv_timer_start(&in->deadline, deadline_cb, ATTACH_TIMEOUT_MS, 0);

	char dir[PATH_MAX];
	paths_sock_dir(dir, sizeof dir);
	container_info ci;
	container_identify(j->pid, &ci);
	j->nspid = ci.nspid;
	container_probe_sock(j->pid, ci.nspid, ci.other_mnt, j->probe_dir, sizeof j->probe_dir,
			     j->sock_path, sizeof j->sock_path);
	if (j->watch_only) {
		job_wait(in, ST_PORT_OPEN_WAIT);
		return;
	}
	if (!j->close_only_job && sock_alive(j->sock_path)) {
		job_finish(in, 0, "already attached");
		return;
	}
	int rc = pid_check_node(j->pid, msg, sizeof msg);
	if (rc < 0) {
		job_finish(in, rc, msg);
		return;
	}
	/* Its sockets are found through /proc/PID/fd, its probe's through
	 * /proc/PID/root: without ptrace access to it (root without
	 * CAP_SYS_PTRACE in a container, for an app of another uid) SIGUSR1
	 * would open an inspector vitals could neither find nor close. */
	char pp[64], link[PATH_MAX];
	snprintf(pp, sizeof pp, "/proc/%d/root", j->pid);
	if (readlink(pp, link, sizeof link) < 0 && (errno == EACCES || errno == EPERM)) {
		int e = errno;
		struct stat st;
		snprintf(pp, sizeof pp, "/proc/%d", j->pid);
		unsigned uid = stat(pp, &st) == 0 ? (unsigned)st.st_uid : 0;
		snprintf(msg, sizeof msg,
			 "can't attach: no access to PID %d's sockets and files (/proc/%d/root: %s): run "
			 "vitals as its user (uid %u) or with CAP_SYS_PTRACE (`kubectl debug "
			 "--profile=general`, `docker exec --privileged`)", j->pid, j->pid, strerror(e), uid);
		job_finish(in, -EPERM, msg);
		return;
	}
	if (paths_sock_dir_ensure(dir, msg, sizeof msg) < 0) {
		job_finish(in, -EACCES, msg);
		return;
	}

	node_flags f;
	pid_flags(j->pid, &f);

	/* the port asked for separately: an app may have more than MAX_LISTEN */
	procfs_listener ls[MAX_LISTEN], wl;
	int want = f.port >= 0 ? f.port : DEFAULT_PORT;
	/* Its listeners (/proc/PID/fd, then net/tcp{,6}: 5-50 ms on a loaded
	 * machine, a third of an attach) matter only if an inspector may be
	 * open: started with one, or something on loopback at its port.  An
	 * inspector an app opened itself on another address at that port is
	 * found by the port-open wait's look at /proc after SIGUSR1. */
	int nl = 0;
	if (f.inspect || !want || f.host[0] || !port_refused(j->pid, AF_INET, NULL, want))
		nl = procfs_pid_listeners(j->pid, 0, ls, MAX_LISTEN);
	const procfs_listener *l = NULL;
	for (int i = 0; i < nl && want && !l; i++)
		if (ls[i].port == want)
			l = &ls[i];
	if (!l && want && nl == MAX_LISTEN && procfs_pid_listeners(j->pid, want, &wl, 1) > 0)
		l = &wl;
	j->sig_port = want;
	j->no_sigusr1 = f.no_sigusr1;
	j->nbefore = 0;
	for (int i = 0; i < nl; i++)
		j->before[j->nbefore++] = ls[i].port;
	if (l) {
		/* open already (--inspect, or opened earlier): use it, leave it
		 * open — unless our SIGUSR1 to its cluster primary opened it */
		if (proxy_take(in, j->pid))
			j->opened = j->signalled = true;
		j->cand[0] = *l;
		j->ncand = 1;
	} else if (f.inspect && nl > 0) {
		/* --inspect=…:0 or a port we cannot predict: ask each listener;
		 * if none is the inspector (it failed to start), use SIGUSR1 */
		memcpy(j->cand, ls, (size_t)nl * sizeof *ls);
		j->ncand = nl;
		j->guessing = true;
		qsort(j->cand, (size_t)nl, sizeof *ls, cmp_port);
	}
	if (j->ncand > 0) {
		job_step_connect(in);
		return;
	}
	job_signal_start(in);
}

/* The process has no inspector open: open one with SIGUSR1. */
static void job_signal_start(inspector *in)
{
	job *j = in->cur;
	char msg[512];
	if (j->no_sigusr1) {
		snprintf(msg, sizeof msg,
			 "PID %d runs with --disable-sigusr1; start it with `vitals -- node …` or `node -r %s …`",
			 j->pid, in->probe_path);
		job_finish(in, -ENOTSUP, msg);
		return;
	}
	job_signal(in);
}

/* When owner is a process an earlier job signalled whose inspector opened
 * only after that job ended: run a job closing it first, then this one
 * again.  True when it did. */
static bool job_close_unseen(inspector *in, int owner)
{
	procfs_stat st;
	int i = 0;
	while (i < in->nunseen && in->unseen[i].pid != owner)
		i++;
	if (i == in->nunseen)
		return false;
	bool same = procfs_stat_read(owner, &st) == 0 && st.start_time == in->unseen[i].start;
	in->unseen[i] = in->unseen[--in->nunseen];
	if (!same)
		return false;	/* the PID was reused */
	job *j = in->cur, *k = xcalloc(1, sizeof *k);
	k->pid = owner;
	k->lock_fd = -1;
	k->opened = k->close_only = k->close_only_job = true;
	/* j starts over after k, from its first step */
	uv_timer_stop(&in->deadline);
	uv_timer_stop(&in->poll);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	j->lock_fd = -1;
	j->step = ST_IDLE;
	k->next = in->head;
	in->head = k;
	in->cur = NULL;
	kick(in);
	return true;
}

/* Whether pid catches SIGUSR1 (SigCgt in /proc/PID/status): Node arms its
 * handler early in its start, and a process without one is killed by the
 * signal (the default action), not opened.  Unknown (unreadable) counts as
 * yes: the flags and the Node check came first. */
static bool catches_sigusr1(int pid)
{
	char path[64];
	size_t len;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	char *buf = procfs_read_file(path, 1 << 16, &len);
	if (!buf)
		return true;
	const char *l = strstr(buf, "\nSigCgt:");
	bool yes = true;
	if (l) {
		unsigned long long mask = strtoull(l + 8, NULL, 16);
		yes = (mask >> (SIGUSR1 - 1)) & 1;
	}
	free(buf);
	return yes;
}

/* Send SIGUSR1 once the port it opens is free.  A port held by another Node
 * process may be a concurrent attach (another vitals): its inspector closes
 * within a few hundred ms, so wait a little before giving up. */
static void job_signal(inspector *in)
{
	job *j = in->cur;
	char msg[512];
	int owner;
	/* Node arms its SIGUSR1 handler a few hundred ms into its start (more
	 * on a loaded machine); before that the signal's default action ends
	 * the process (a pm2 daemon and its apps, seen in CI) */
	if (!catches_sigusr1(j->pid)) {
		if (j->step != ST_ARM_WAIT) {
			job_wait(in, ST_ARM_WAIT);
			return;
		}
		if (uv_now(in->loop) - j->step_start < ARM_WAIT_MS)
			return;	/* poll again */
		snprintf(msg, sizeof msg, "PID %d does not catch SIGUSR1 (it ignores it, or is still starting): not "
			 "signalled, as the signal would end it; start it with `vitals -- node …`", j->pid);
		job_finish(in, -ENOTSUP, msg);
		return;
	}
	if (j->lock_fd == -1) {
		/* Serialise with other dashboards of this user: SIGUSR1 races for
		 * one port, and a target that loses says so only on its stderr. */
		char dir[PATH_MAX], lp[PATH_MAX + 16];
		snprintf(lp, sizeof lp, "%s/attach.lock", paths_sock_dir(dir, sizeof dir));
		int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			if (j->step != ST_LOCK_WAIT) {
				job_wait(in, ST_LOCK_WAIT);
				return;
			}
			if (uv_now(in->loop) - j->step_start < LOCK_WAIT_MS)
				return;	/* poll again */
			job_finish(in, -EBUSY, "another vitals is attaching and does not finish; try again");
			return;
		}
		j->lock_fd = fd >= 0 ? fd : -2;
	}
	/* the port in the target's network namespace: a container's own */
	if (j->sig_port && !port_refused(j->pid, AF_INET, NULL, j->sig_port) &&
	    procfs_port_held(j->pid, j->sig_port, NULL)) {
		/* Polled every POLL_MS while waiting, so the costly owner lookup is
		 * made only when the wait starts and when it runs out. */
		bool waiting = j->step == ST_PORT_FREE_WAIT;
		if (waiting && uv_now(in->loop) - j->step_start < PORT_FREE_WAIT_MS)
			return;	/* poll again */
		if (procfs_port_held(j->pid, j->sig_port, &owner) && owner != j->pid &&
		    job_close_unseen(in, owner))
			return;
		if (procfs_port_held(j->pid, j->sig_port, &owner) && owner != j->pid) {
			char comm[64] = "?";
			if (owner > 0)
				procfs_comm(owner, comm, sizeof comm);
			/* unknown owner: another user's, or one that just closed it */
			bool transient = owner <= 0 || procfs_name_is_node(comm);
			if (transient && !waiting) {
				job_wait(in, ST_PORT_FREE_WAIT);
				return;
			}
			/* the ways round: a probe loaded at start needs no port */
			char holder[96];
			if (owner > 0)
				snprintf(holder, sizeof holder, "PID %d (%s)", owner, comm);
			else
				snprintf(holder, sizeof holder, "another user's process");
			snprintf(msg, sizeof msg,
				 "can't attach: port %d%s is held by %s; stop it, or start the app with "
				 "`vitals -- node …` or `node -r %s …`", j->sig_port,
				 procfs_same_ns(j->pid, 0, "net") == 0 ? " in its network namespace" : "",
				 holder, in->probe_path);
			job_finish(in, -EADDRINUSE, msg);
			return;
		}
	}
	/* Across network namespaces: first make sure we can get in, or the
	 * inspector SIGUSR1 opens could be neither used nor closed again. */
	int fd = netns_socket(j->pid, AF_INET, msg, sizeof msg);
	if (fd < 0) {
		job_finish(in, fd, msg);
		return;
	}
	close(fd);
	/* from here on, a SIGKILLed vitals leaves the inspector to the watchdog */
	j->armed = j->sig_port > 0 &&
		   watchdog_arm(in->wd, j->pid, j->sig_port, j->lock_fd >= 0 ? j->lock_fd : -1) == 0;
	if (kill(j->pid, SIGUSR1) < 0) {
		int e = errno;
		if (e == EPERM)
			snprintf(msg, sizeof msg, "permission denied: PID %d belongs to another user", j->pid);
		else
			snprintf(msg, sizeof msg, "no such process: PID %d", j->pid);
		job_finish(in, e == EPERM ? -EPERM : -ESRCH, msg);
		return;
	}
	j->opened = j->signalled = true;
	proxy_add_children(in, j->pid);
	job_wait(in, ST_PORT_OPEN_WAIT);
}

/* Poll step of ST_PORT_OPEN_WAIT: has the port appeared? */
static void job_poll_port_open(inspector *in)
{
	job *j = in->cur;
	procfs_listener ls[MAX_LISTEN];
	const procfs_listener *l = NULL;
	/* /proc only when something answers on the port, or now and then (a
	 * --inspect-port host that is not loopback) */
	bool look = !j->sig_port || !port_refused(j->pid, AF_INET, NULL, j->sig_port) || proc_due(in, j);
	if (!look) {
		/* nothing there yet */
	} else if (j->sig_port) {
		if (procfs_pid_listeners(j->pid, j->sig_port, ls, 1) > 0)
			l = &ls[0];
	} else {
		int nl = procfs_pid_listeners(j->pid, 0, ls, MAX_LISTEN);
		for (int i = 0; i < nl && !l; i++) {
			bool old = false;
			for (int k = 0; k < j->nbefore; k++)
				old |= j->before[k] == ls[i].port;
			if (!old)
				l = &ls[i];
		}
	}
	if (l) {
		uv_timer_stop(&in->poll);
		j->cand[0] = *l;
		j->ncand = 1;
		j->icand = 0;
		job_step_connect(in);
		return;
	}
	if (kill(j->pid, 0) < 0 && errno == ESRCH) {
		job_fail(in, -ESRCH, "PID %d exited after SIGUSR1", j->pid);
		return;
	}
	if (j->late)
		return;	/* until the port appears or the deadline */
	if (look && j->sig_port && j->retries < 3) {
		/* Another process took the port first (a concurrent attach by
		 * another vitals): ours failed with "address already in use" and
		 * survives; signal it again once the port is free. */
		procfs_listener any;
		/* the target's socket may have appeared between the look at its
		 * fds and the one at net/tcp: look at its fds again first */
		if (procfs_net_listeners(j->pid, NULL, 0, j->sig_port, &any, 1) > 0) {
			if (procfs_pid_listeners(j->pid, j->sig_port, ls, 1) > 0)
				return;	/* the target's after all: the next poll takes it */
			if (j->watch_only) {
				job_finish(in, -EADDRINUSE, "the port is another process's");
				return;
			}
			j->retries++;
			j->opened = false;
			job_wait(in, ST_PORT_FREE_WAIT);
			return;
		}
	}
	if (uv_now(in->loop) - j->step_start >= SIGUSR1_WAIT_MS) {
		/* Report now, but keep watching (silently, still holding the queue
		 * and the lock) until the attach deadline: a main thread busy in
		 * native code (execSync, a blocking read) handles the signal only
		 * when that returns, and the inspector it opens then is ours to
		 * close.  A process that handles SIGUSR1 itself never opens one. */
		char msg[512];
		snprintf(msg, sizeof msg,
			 "PID %d did not open its inspector after SIGUSR1 (it may handle SIGUSR1 itself); "
			 "start it with `vitals -- node …` or `node -r %s …`", j->pid, in->probe_path);
		inspector_done_cb cb = j->cb;
		j->cb = NULL;
		j->late = true;
		j->close_only = true;	/* if it opens after all: close it, inject nothing */
		uv_timer_start(&in->deadline, deadline_cb, LATE_OPEN_WAIT_MS, 0);
		uv_timer_start(&in->poll, poll_cb, LATE_POLL_MS, LATE_POLL_MS);	/* no hurry now */
		if (cb)
			cb(j->ud, j->pid, -ETIMEDOUT, msg);	/* may call inspector_close */
	}
}

static void job_step_connect(inspector *in)
{
	job *j = in->cur;
	j->step = ST_CONNECT;
	j->port = j->cand[j->icand];
	job_connect(in);
}

/* Next candidate after an unusable answer, or fail with msg. */
static void connect_next(inspector *in, const char *msg)
{
	job *j = in->cur;
	if (j->icand + 1 < j->ncand) {
		j->icand++;
		job_disconnect(j);
		job_step_connect(in);
		return;
	}
	if (j->guessing) {
		j->guessing = false;
		j->ncand = j->icand = 0;
		job_disconnect(j);
		job_signal_start(in);
		return;
	}
	job_fail(in, -EPROTO, "%s", msg);
}

/* Send one Runtime.evaluate and wait for its reply in step s. */
static void cdp_send(inspector *in, enum step s, const char *expr, size_t exprlen, bool cmdline_api)
{
	job *j = in->cur;
	char msg[200];
	j->step = s;
	if (cdp_evaluate(j->cdp, expr, exprlen, cmdline_api, msg, sizeof msg) < 0) {
		job_disconnect(j);
		job_fail(in, -EPROTO, "%s", msg);
	}
}

/* The injection into an inspector vitals opened (j->deferred).  Evaluated in
 * the session, it loads nothing where Node has process.getBuiltinModule
 * (older ones: the builtins now, as a command-line require lives only while
 * the evaluation runs; every module loaded here holds the port longer), and
 * returns.  vitals ends its session and, once the inspector has closed the
 * connection, creates the cue file C, which the injection looks for every
 * 5 ms: the cue to close the inspector (closing under a live or ending
 * session crashed Node 20 with SIGUSR1's inspector, SIGSEGV in 4 of 120
 * attaches, so it waits for the cue, or 1 s), looked at again 0.4, 1.2 and
 * 2.4 s on as CLOSE_SNIPPET does; only then is the probe read, compiled and
 * started.  So the 80 KB of probe text no longer travel through the
 * inspector (its handling of them was most of an attach: 20-200 ms on a
 * loaded machine, a small evaluate 1-10 ms), and compile and start no longer
 * hold port 9229: the next target's SIGUSR1 overlaps them.
 * Arguments: require, the socket dir D; C: <D>/<pid>.cue; F: <D>/<pid>.fail,
 * why a start failed ("threw: …" or "reason: …", made 0600 with O_EXCL and
 * renamed in, so a planted link is never followed); P: <D>/<pid>.probe.js,
 * the probe text vitals wrote (read, then removed), or null and S the text
 * itself (a JS string literal) when it could not write it.  The text is a
 * function (require, module, exports) returning module.exports. */
#define DEFER_HEAD "(function (r, D, C, F, P, S) { var g = process.getBuiltinModule, m = {}, n = 0, " \
	"i = null, done = false, t, iv, fs; " \
	"if (typeof g !== 'function') { g = null; ['fs', 'net', 'path', 'v8', 'perf_hooks', " \
	"'worker_threads', 'inspector', 'diagnostics_channel', 'vm', 'os', 'util', 'events'].forEach(function (k) " \
	"{ try { m[k] = r(k); } catch (e) {} }); } " \
	"function q(k) { if (g) return g.call(process, k); if (Object.prototype.hasOwnProperty.call(m, k)) " \
	"return m[k]; throw new Error('Cannot find module ' + k); } " \
	"fs = q('fs'); " \
	"function c() { try { if (!i) i = q('inspector'); if (i.url()) i.close(); } catch (e) {} " \
	"if (++n < 4) setTimeout(c, 400 * n).unref(); } " \
	"function f(x) { var T = F + '.tmp'; try { try { fs.unlinkSync(T); } catch (e) {} " \
	"var d = fs.openSync(T, 'wx', 384); fs.writeSync(d, x.slice(0, 400)); fs.closeSync(d); " \
	"fs.renameSync(T, F); } catch (e) {} } " \
	"function go() { if (done) return; done = true; clearTimeout(t); clearInterval(iv); " \
	"try { fs.unlinkSync(C); } catch (e) {} c(); setImmediate(function () { var s; try { if (P) { " \
	"S = fs.readFileSync(P, 'utf8'); try { fs.unlinkSync(P); } catch (e) {} } " \
	"s = q('vm').runInThisContext(S, { filename: P || 'vitals-probe.js' })" \
	"(q, { exports: {} }, undefined).start({ sockDir: D, closeInspector: false }); } catch (e) { " \
	"f('threw: ' + String(e && e.stack || e).split('\\n')[0]); return; } " \
	"if (!s || !s.active) f('reason: ' + String(s && s.reason || 'no reason given')); }); } " \
	"iv = setInterval(function () { if (fs.existsSync(C)) go(); }, 5); iv.unref(); " \
	"t = setTimeout(go, 1000); t.unref(); " \
	"setImmediate(function () { try { i = q('inspector'); } catch (e) {} }); " \
	"return true; })(typeof require === 'function' ? require : process.getBuiltinModule, "

/* The probe file wrapped as a function (require, module, exports) returning
 * module.exports, cached in `in` while the file's size and mtime stay
 * (tests swap probes between runs, not within one).  NULL with msg when
 * unreadable. */
static const char *probe_src(inspector *in, size_t *len, char *msg, size_t msglen)
{
	struct stat st;
	if (stat(in->probe_path, &st) < 0) {
		snprintf(msg, msglen, "cannot read the probe %s: %s", in->probe_path, strerror(errno));
		return NULL;
	}
	if (in->src && st.st_size == in->src_size && st.st_mtim.tv_sec == in->src_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == in->src_mtime.tv_nsec) {
		*len = in->src_len;
		return in->src;
	}
	size_t flen;
	char *file = procfs_read_file(in->probe_path, 16 << 20, &flen);
	if (!file) {
		snprintf(msg, msglen, "cannot read the probe %s: %s", in->probe_path, strerror(errno));
		return NULL;
	}
	static const char pre[] = "(function (require, module, exports) { "
		"globalThis.__vitalsProbeNoAutostart = true;\n";
	static const char post[] = "\n;return module.exports; })";
	size_t n = strlen(pre) + flen + strlen(post);
	free(in->src);
	in->src = xmalloc(n + 1);
	memcpy(in->src, pre, strlen(pre));
	memcpy(in->src + strlen(pre), file, flen);
	memcpy(in->src + strlen(pre) + flen, post, strlen(post) + 1);
	free(file);
	in->src_len = n;
	in->src_size = st.st_size;
	in->src_mtime = st.st_mtim;
	*len = n;
	return in->src;
}

/* Write the probe text where the target reads it (path, vitals' view of
 * <sockdir>/<pid>.probe.js): 0600, owned by the target's user when vitals
 * is root (the target reads it as itself), created exclusively under a
 * temporary name and renamed in.  0 or -1. */
static int probe_src_write(int pid, const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX + 48];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	bool ok = true;
	if (geteuid() == 0) {
		char pp[64];
		struct stat st;
		snprintf(pp, sizeof pp, "/proc/%d", pid);
		ok = stat(pp, &st) == 0 && fchown(fd, st.st_uid, st.st_gid) == 0;
	}
	for (size_t off = 0; ok && off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w <= 0)
			ok = false;
		else
			off += (size_t)w;
	}
	if (close(fd) < 0)
		ok = false;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* <pid>.sock -> <pid><ext> beside it. */
static void sock_sibling(const char *sock_path, const char *ext, char *out, size_t n)
{
	size_t l = strlen(sock_path);
	if (l > 5 && strcmp(sock_path + l - 5, ".sock") == 0)
		l -= 5;
	snprintf(out, n, "%.*s%s", (int)l, sock_path, ext);
}

/* Remove what a deferred injection uses beside the socket (the target
 * removes them itself when all goes well). */
static void deferred_clean(const char *sock_path)
{
	static const char *const ext[] = { ".cue", ".fail", ".probe.js" };
	char p[PATH_MAX + 16];
	for (size_t k = 0; k < sizeof ext / sizeof *ext; k++) {
		sock_sibling(sock_path, ext[k], p, sizeof p);
		unlink(p);
	}
}

/* A path as a JS string literal (malloc'd; "null" if it cannot be encoded). */
static char *js_lit(const char *s)
{
	json_t *js = json_string(s);
	char *lit = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
	json_decref(js);
	return lit ? lit : xstrdup("null");
}

/* Build the probe injection: the file wrapped as in probe/vitals-probe.js's
 * contract, deferred (DEFER_HEAD) into an inspector we opened.  Returns
 * malloc'd text or NULL with msg. */
static char *probe_expr(inspector *in, job *j, size_t *len, char *msg, size_t msglen)
{
	char *dir = js_lit(j->probe_dir);
	char *e;
	j->deferred = j->opened;
	if (j->deferred) {
		size_t slen;
		const char *src = probe_src(in, &slen, msg, msglen);
		if (!src) {
			free(dir);
			return NULL;
		}
		char path[PATH_MAX + 32];
		int tpid = j->nspid > 0 ? j->nspid : j->pid;	/* its own name for itself */
		deferred_clean(j->sock_path);	/* stale ones of an earlier process with this pid */
		snprintf(path, sizeof path, "%s/%d.cue", j->probe_dir, tpid);
		char *cl = js_lit(path);
		snprintf(path, sizeof path, "%s/%d.fail", j->probe_dir, tpid);
		char *fl = js_lit(path), *pl, *sl;
		sock_sibling(j->sock_path, ".probe.js", path, sizeof path);
		if (probe_src_write(j->pid, path, src, slen) == 0) {
			snprintf(path, sizeof path, "%s/%d.probe.js", j->probe_dir, tpid);
			pl = js_lit(path);
			sl = xstrdup("null");
		} else {
			/* not writable there: the text goes through the inspector */
			json_t *js = json_stringn(src, slen);
			sl = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
			json_decref(js);
			pl = xstrdup("null");
			if (!sl) {
				snprintf(msg, msglen, "cannot encode the probe %s (is it valid UTF-8?)", in->probe_path);
				free(cl);
				free(fl);
				free(pl);
				free(dir);
				return NULL;
			}
		}
		size_t n = strlen(DEFER_HEAD) + strlen(dir) + strlen(cl) + strlen(fl) + strlen(pl) + strlen(sl) + 12;
		e = xmalloc(n);
		*len = (size_t)snprintf(e, n, "%s%s, %s, %s, %s, %s)", DEFER_HEAD, dir, cl, fl, pl, sl);
		free(cl);
		free(fl);
		free(pl);
		free(sl);
	} else {
		/* an inspector someone else opened stays open: the probe starts
		 * in the session, as it always did (and says why it did not) */
		size_t flen;
		char *file = procfs_read_file(in->probe_path, 16 << 20, &flen);
		if (!file) {
			snprintf(msg, msglen, "cannot read the probe %s: %s", in->probe_path, strerror(errno));
			free(dir);
			return NULL;
		}
		static const char pre[] = "(function (require, module, exports) { "
			"globalThis.__vitalsProbeNoAutostart = true;\n";
		char post[PATH_MAX + 300];
		snprintf(post, sizeof post,
			 "\n;return module.exports.start({ sockDir: %s, closeInspector: false }); })"
			 "(typeof require === 'function' ? require : process.getBuiltinModule, {exports:{}}, undefined)",
			 dir);
		*len = strlen(pre) + flen + strlen(post);
		e = xmalloc(*len + 1);
		memcpy(e, pre, strlen(pre));
		memcpy(e + strlen(pre), file, flen);
		memcpy(e + strlen(pre) + flen, post, strlen(post) + 1);
		free(file);
	}
	free(dir);
	return e;
}

/* The reply to the evaluate of the current step. */
static void on_cdp_reply(void *ud, int err, const char *value, const char *reply_msg)
{
	inspector *in = ud;
	job *j = in->cur;
	char msg[512];
	if (j->step == ST_CDP_PID) {
		if (err) {
			job_fail(in, -EPROTO, "inspector of PID %d: %s", j->pid, reply_msg);
			return;
		}
		json_t *v = value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL;
		json_int_t pid = json_integer_value(json_array_get(v, 0));
		const char *ver = json_string_value(json_array_get(v, 1));
		char version[32];
		snprintf(version, sizeof version, "%s", ver ? ver : "?");
		json_decref(v);
		if (pid != j->pid && pid != j->nspid) {	/* in a container it has its own */
			j->opened = false;	/* not ours to close */
			job_fail(in, -EADDRINUSE, "port %d belongs to PID %lld, not %d", j->port.port,
				 (long long)pid, j->pid);
			return;
		}
		j->identified = true;
		if (version[0] != 'v' || atoi(version + 1) < 18) {
			job_fail(in, -ENOTSUP, "PID %d runs Node %s; vitals needs Node 18 or newer", j->pid,
				 version);
			return;
		}
		if (j->close_only) {
			cdp_send(in, ST_CDP_CLOSE, CLOSE_SNIPPET, strlen(CLOSE_SNIPPET), true);
			return;
		}
		size_t len;
		char *expr = probe_expr(in, j, &len, msg, sizeof msg);
		if (!expr) {
			job_fail(in, -ENOENT, "%s", msg);
			return;
		}
		cdp_send(in, ST_CDP_PROBE, expr, len, true);
		free(expr);
		return;
	}
	if (j->step == ST_CDP_PROBE) {
		/* start() returns {active, sock, pid, reason, already} */
		if (err) {
			job_fail(in, -EIO, "the probe failed to start in PID %d: %s", j->pid, reply_msg);
			return;
		}
		json_t *v = value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL;
		json_t *active = json_object_get(v, "active");
		if (!j->deferred && !json_is_true(active)) {
			const char *why = json_string_value(json_object_get(v, "reason"));
			snprintf(msg, sizeof msg, "the probe did not start in PID %d: %s", j->pid,
				 why ? why : "no reason given");
			json_decref(v);
			job_fail(in, -EIO, "%s", msg);	/* closes an inspector we opened */
			return;
		}
		json_decref(v);
		/* End our session first and properly (the inspector prints
		 * "Debugger ending"); the probe closes an inspector we opened
		 * at our first connection to its socket, which so comes after
		 * the end (closing it under a live session loses that end). */
		job_wait(in, ST_SESSION_END);
		if (cdp_end(j->cdp) < 0) {
			job_disconnect(j);
			job_session_ended(in);
		}
		return;
	}
	if (j->step == ST_CDP_CLOSE) {
		job_disconnect(j);
		job_wait(in, ST_PORT_CLOSE_WAIT);
	}
}

/* Our session is over (or we gave up waiting): on to the probe's socket,
 * looked at once now rather than a poll later. */
static void job_session_ended(inspector *in)
{
	job *j = in->cur;
	job_disconnect(j);
	if (j->deferred) {
		/* our session is over: the cue to close the inspector and start
		 * the probe (start_poll waits for its socket) */
		char cue[PATH_MAX + 8];
		sock_sibling(j->sock_path, ".cue", cue, sizeof cue);
		int fd = open(cue, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);	/* else the injection closes it 1 s on by itself */
		job_wait(in, ST_PORT_CLOSE_WAIT);
		return;
	}
	job_wait(in, ST_SOCK_WAIT);
	job_poll_sock(in);
}

static void job_poll_session_end(inspector *in)
{
	if (uv_now(in->loop) - in->cur->step_start >= SESSION_END_WAIT_MS)
		job_session_ended(in);	/* the probe's own fallback closes it later */
}

static void job_poll_sock(inspector *in)
{
	job *j = in->cur;
	if (sock_alive(j->sock_path)) {
		if (j->opened) {
			job_wait(in, ST_PORT_CLOSE_WAIT);
			return;
		}
		job_finish(in, 0, "attached");
		return;
	}
	if (kill(j->pid, 0) < 0 && errno == ESRCH) {
		snprintf(j->pending_msg, sizeof j->pending_msg, "PID %d exited while the probe started",
			 j->pid);
		job_finish(in, -ESRCH, j->pending_msg);
		return;
	}
	if (uv_now(in->loop) - j->step_start >= SOCK_WAIT_MS)
		job_fail(in, -EIO, "the probe started in PID %d but its socket %s did not appear",
			 j->pid, j->sock_path);
}

static void job_poll_port_close(inspector *in)
{
	job *j = in->cur;
	procfs_listener l;
	/* refused at the listener's address: gone; else /proc says whose it is */
	bool gone = !j->port.port || (kill(j->pid, 0) < 0 && errno == ESRCH) ||
		    port_refused(j->pid, j->port.family, j->port.addr, j->port.port) ||
		    (proc_due(in, j) && procfs_pid_listeners(j->pid, j->port.port, &l, 1) == 0);
	if (gone) {
		job_end(in, 0, "attached");
		return;
	}
	if (uv_now(in->loop) - j->step_start < PORT_CLOSE_WAIT_MS)
		return;
	uv_timer_stop(&in->poll);
	if (!j->close_retried) {
		/* the probe did not close it: reconnect and close it ourselves */
		j->close_retried = true;
		j->close_only = true;
		j->ncand = 1;
		j->icand = 0;
		j->cand[0] = j->port;
		job_step_connect(in);
		return;
	}
	if (!j->pending_err) {
		j->pending_err = -EBUSY;
		snprintf(j->pending_msg, sizeof j->pending_msg,
			 "the inspector port %d of PID %d stays open", j->port.port, j->pid);
	}
	job_note_open(j);
	job_end(in, j->pending_err, j->pending_msg);
}

static void poll_cb(uv_timer_t *t)
{
	inspector *in = t->data;
	if (!in->cur) {
		if (in->closing)
			return;
		if (!in->head)
			return;
		in->cur = in->head;
		job_start(in);
		return;
	}
	switch (in->cur->step) {
	case ST_ARM_WAIT:
	case ST_LOCK_WAIT:
	case ST_PORT_FREE_WAIT: job_signal(in); break;
	case ST_PORT_OPEN_WAIT: job_poll_port_open(in); break;
	case ST_SESSION_END: job_poll_session_end(in); break;
	case ST_SOCK_WAIT: job_poll_sock(in); break;
	case ST_PORT_CLOSE_WAIT: job_poll_port_close(in); break;
	default: uv_timer_stop(t); break;
	}
}

/* ---------- public API ---------- */

/* Queue j last, and start it if nothing runs. */
static void job_enqueue(inspector *in, job *j)
{
	if (in->tail)
		in->tail->next = j;
	else
		in->head = j;
	in->tail = j;
	kick(in);
}

/* In the watchdog, vitals dead: close each inspector it opened (a job that
 * waits for the port SIGUSR1 opens, checks the PID, runs CLOSE_SNIPPET and
 * waits for the port to go), in a loop of its own, then return. */
static void orphan_close(const watchdog_item *items, int n)
{
	uv_loop_t loop;
	if (uv_loop_init(&loop) != 0)
		return;
	inspector *in = inspector_new(&loop, "");
	for (int i = 0; i < n; i++) {
		job *k = xcalloc(1, sizeof *k);
		k->pid = items[i].pid;
		k->sig_port = items[i].port;
		k->lock_fd = -2;	/* the watchdog holds the lock */
		k->opened = k->signalled = k->close_only = k->close_only_job = k->watch_only = true;
		job_enqueue(in, k);
	}
	uv_run(&loop, UV_RUN_DEFAULT);	/* until the jobs are done */
	inspector_close(in);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

inspector *inspector_new(uv_loop_t *loop, const char *probe_path)
{
	inspector *in = xcalloc(1, sizeof *in);
	in->probe_path = xstrdup(probe_path);
	in->loop = loop;
	uv_timer_init(loop, &in->deadline);
	uv_timer_init(loop, &in->poll);
	uv_timer_init(loop, &in->proxy_timer);
	uv_timer_init(loop, &in->start_timer);
	in->deadline.data = in->poll.data = in->proxy_timer.data = in->start_timer.data = in;
	in->nhandles = 4;
	in->wd = watchdog_new(orphan_close);
	return in;
}

int inspector_attach(inspector *in, int pid, inspector_done_cb cb, void *ud, char *err, size_t errlen)
{
	if (in->closing) {
		snprintf(err, errlen, "inspector is closing");
		return -1;
	}
	if (pid <= 0) {
		snprintf(err, errlen, "invalid PID %d", pid);
		return -1;
	}
	for (job *q = in->head; q; q = q->next) {
		/* a job that reported already (late: watching for a late
		 * inspector) does not stop a new attempt, queued behind it */
		if (q->pid == pid && !q->late && !(q == in->cur && q->step >= ST_SOCK_WAIT)) {
			snprintf(err, errlen, "an attach to PID %d is already under way", pid);
			return -1;
		}
	}
	for (const starting *s = in->starting; s; s = s->next) {
		if (s->pid == pid) {
			snprintf(err, errlen, "an attach to PID %d is already under way", pid);
			return -1;
		}
	}
	job *j = xcalloc(1, sizeof *j);
	j->pid = pid;
	j->lock_fd = -1;
	j->cb = cb;
	j->ud = ud;
	job_enqueue(in, j);
	return 0;
}

int inspector_pending(const inspector *in)
{
	int n = 0;
	for (const job *q = in->head; q; q = q->next)
		n++;
	for (const starting *s = in->starting; s; s = s->next)
		n++;
	return n;
}

void inspector_close(inspector *in)
{
	if (!in || in->closing)
		return;
	in->closing = true;
	start_free_all(in);	/* their inspectors are closed already */
	uv_timer_stop(&in->start_timer);
	/* Drop the queue.  A running attach that already sent SIGUSR1 goes on
	 * silently until the inspector it opened is closed again (normally
	 * ~0.2 s, at most the attach timeout); anything else stops now. */
	job *keep = in->cur && (in->cur->opened || in->cur->signalled) ? in->cur : NULL;
	job *q = in->head;
	while (q) {
		job *next = q->next;
		if (q != keep)
			job_free(q);
		q = next;
	}
	in->head = in->tail = in->cur = keep;
	if (keep) {
		keep->next = NULL;
		keep->cb = NULL;
		return;
	}
	inspector_release(in);
}
