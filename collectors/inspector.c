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
 *  - Between dashboards: a job holds flock(<sockdir>/attach.lock) from its
 *    SIGUSR1 to its end, so two vitals of one user never race for 9229; a
 *    port held by another Node process (another user's attach) is waited for
 *    briefly, and a SIGUSR1 that lost the race is sent again.
 *
 * Steps: socket already answers → done.  Else find an open inspector
 * (/proc/PID/cmdline and NODE_OPTIONS flags, the process's listening sockets
 * from /proc/PID/fd + /proc/PID/net/tcp{,6}), or refuse non-Node processes
 * and SIGUSR1 the rest → GET /json/list → WebSocket → evaluate
 * [process.pid, process.version] → evaluate the wrapped probe → disconnect →
 * wait for <sockdir>/<pid>.sock → wait for the port to close (if ours).
 */
#include "collectors/inspector.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <nettle/version.h>
#include <wslay/wslay.h>

#include "core/model.h"
#include "core/paths.h"

#define ATTACH_TIMEOUT_MS 8000	/* whole attach */
#define SIGUSR1_WAIT_MS 1500	/* for the port to open after SIGUSR1 */
#define LATE_OPEN_WAIT_MS 6000	/* then, silently, for a late one to close */
#define LATE_POLL_MS 100
#define PORT_FREE_WAIT_MS 1500	/* for another Node process's (attach) inspector to go */
#define LOCK_WAIT_MS 6000	/* for another vitals's attach (attach.lock) */
#define SOCK_WAIT_MS 3000	/* for the probe's socket after the injection */
#define PORT_CLOSE_WAIT_MS 2000	/* for the inspector port to close again */
#define POLL_MS 20
#define HTTP_BODY_MAX (1 << 20)
#define WS_MSG_MAX (4 << 20)
#define MAX_LISTEN 64
#define DEFAULT_PORT 9229
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* The snippet that closes an inspector vitals opened when the probe could not
 * (failure paths).  A timeout, because closing synchronously loses the reply
 * and inspector.close() waits until our session is gone. */
#define CLOSE_SNIPPET "(function (r) { setTimeout(function () { try { r('inspector').close(); } " \
	"catch (e) {} }, 20); return true; })(typeof require === 'function' ? require : " \
	"process.getBuiltinModule)"

enum step {
	ST_IDLE,
	ST_LOCK_WAIT,		/* another vitals of this user is attaching (attach.lock) */
	ST_PORT_FREE_WAIT,	/* the SIGUSR1 port is held by another Node process */
	ST_PORT_OPEN_WAIT,	/* SIGUSR1 sent, polling for the listening port */
	ST_HTTP,		/* GET /json/list */
	ST_WS_HANDSHAKE,
	ST_CDP_PID,		/* Runtime.evaluate [process.pid, process.version] */
	ST_CDP_PROBE,		/* Runtime.evaluate the wrapped probe */
	ST_CDP_CLOSE,		/* Runtime.evaluate CLOSE_SNIPPET */
	ST_SOCK_WAIT,		/* polling for <sockdir>/<pid>.sock */
	ST_PORT_CLOSE_WAIT,	/* polling until the inspector port is gone */
};

typedef struct listen_sock {
	int port;
	int family;
	unsigned char addr[16];
	unsigned long inode;
} listen_sock;

typedef struct job job;
typedef struct inspector inspector;

typedef struct conn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	inspector *in;
	job *job;		/* NULL once the job no longer wants it */
	char rd[65536];
} conn;

struct job {
	job *next;
	int pid;
	inspector_done_cb cb;
	void *ud;

	enum step step;
	bool opened;		/* vitals sent SIGUSR1: the inspector must be closed again */
	bool close_only;	/* reconnected only to run CLOSE_SNIPPET */
	bool close_retried;
	bool late;		/* reported already; watching for an inspector opened late */
	int retries;		/* SIGUSR1 sent again after losing the port to another process */
	int lock_fd;		/* <sockdir>/attach.lock, held from SIGUSR1 to the end;
				 * -1 not taken yet, -2 cannot be made (go on unserialised) */
	bool identified;	/* the inspector answered with process.pid == pid */
	bool guessing;		/* candidates are all the process's listeners */
	bool no_sigusr1;	/* --disable-sigusr1 */
	int sig_port;		/* port SIGUSR1 opens; 0 = random */
	int before[MAX_LISTEN], nbefore;	/* listening ports before SIGUSR1 */
	listen_sock cand[MAX_LISTEN];	/* inspector candidates, tried in order */
	int ncand, icand;
	listen_sock port;	/* the inspector's listener */
	uint64_t step_start;	/* uv_now of the current waiting step */

	conn *c;
	char *rbuf;		/* bytes read and not consumed yet */
	size_t rlen, rcap, roff;
	char ws_path[256];
	char ws_key[32];
	wslay_event_context_ptr ws;
	int next_id, want_id;
	bool got_reply, reply_err;
	char *reply_value;	/* JSON text of result.result.value */
	char reply_msg[200];

	int pending_err;	/* failure to report after CLOSE_SNIPPET ran */
	char pending_msg[256];
	char sock_path[PATH_MAX];
};

struct inspector {
	uv_loop_t *loop;
	char *probe_path;
	uv_timer_t deadline, poll;
	int nhandles;
	bool closing;
	job *head, *tail, *cur;
};

static void job_fail(inspector *in, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void job_step_http(inspector *in);
static void job_signal(inspector *in);
static void job_signal_start(inspector *in);
static void http_next(inspector *in, const char *msg);
static void job_step_ws(inspector *in);
static void poll_cb(uv_timer_t *t);
static void cdp_send(inspector *in, enum step s, const char *expr, size_t exprlen, bool cmdline_api);

/* ---------- small /proc helpers ---------- */

/* Read a whole (small) file; returns malloc'd bytes with a NUL appended. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		if (n == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			buf = NULL;
			errno = e;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	int e = errno;
	close(fd);
	errno = e;
	if (!buf)
		return NULL;
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static void pid_comm(int pid, char *out, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	char *s = read_file(path, 256, NULL);
	snprintf(out, n, "%s", s ? s : "?");
	free(s);
	out[strcspn(out, "\n")] = 0;
}

/* True when the executable's name is node, nodejs or node<version>. */
static bool name_is_node(const char *name)
{
	if (strcmp(name, "nodejs") == 0)
		return true;
	if (strncmp(name, "node", 4) != 0)
		return false;
	for (const char *p = name + 4; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.' && *p != '-')
			return false;
	return true;
}

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
	char path[64], exe[PATH_MAX], comm[64];
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	ssize_t r = readlink(path, exe, sizeof exe - 1);
	pid_comm(pid, comm, sizeof comm);
	const char *base;
	if (r > 0) {
		exe[r] = 0;
		char *del = strstr(exe, " (deleted)");
		if (del)
			*del = 0;
		base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	} else {
		base = comm;	/* exe unreadable (zombie, kernel thread, undumpable) */
	}
	if (!name_is_node(base)) {
		snprintf(msg, n, "PID %d is not a Node.js process (%s)", pid, comm);
		return -ENOTSUP;
	}
	return 0;
}

static int cmp_ulong(const void *a, const void *b);

/* Parse /proc/PID/net/tcp{,6} (pid 0: self) for listening sockets: those of
 * the network namespace, which may be many, so filter while reading — by
 * socket inode (inodes: sorted, NULL for any) and by port (0 for any) — lest
 * the ones wanted fall beyond max. */
static int net_listeners(int pid, const unsigned long *inodes, size_t ni, int port,
			 listen_sock *out, int max)
{
	int n = 0;
	for (int v6 = 0; v6 < 2; v6++) {
		char path[64];
		if (pid > 0)
			snprintf(path, sizeof path, "/proc/%d/net/tcp%s", pid, v6 ? "6" : "");
		else
			snprintf(path, sizeof path, "/proc/self/net/tcp%s", v6 ? "6" : "");
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		char line[512];
		while (fgets(line, sizeof line, f) && n < max) {
			char laddr[40];
			unsigned lport, st;
			unsigned long inode;
			if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*u %*u %lu",
				   laddr, &lport, &st, &inode) != 4 || st != 0x0A)
				continue;
			if ((port && (int)lport != port) ||
			    (inodes && !bsearch(&inode, inodes, ni, sizeof *inodes, cmp_ulong)))
				continue;
			listen_sock *l = &out[n];
			memset(l, 0, sizeof *l);
			l->port = (int)lport;
			l->inode = inode;
			l->family = v6 ? AF_INET6 : AF_INET;
			/* each 8-hex-digit word is a host-order u32 of network bytes */
			size_t words = v6 ? 4 : 1;
			if (strlen(laddr) != words * 8)
				continue;
			for (size_t w = 0; w < words; w++) {
				char h[9];
				memcpy(h, laddr + w * 8, 8);
				h[8] = 0;
				uint32_t u = (uint32_t)strtoul(h, NULL, 16);
				memcpy(l->addr + w * 4, &u, 4);
			}
			n++;
		}
		fclose(f);
	}
	return n;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

/* Socket inodes of pid's open fds, sorted; malloc'd, count in *n. */
static unsigned long *pid_socket_inodes(int pid, size_t *n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	*n = 0;
	DIR *d = opendir(path);
	if (!d)
		return NULL;
	size_t cap = 64;
	unsigned long *v = malloc(cap * sizeof *v);
	struct dirent *e;
	while (v && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char lp[320], target[64];
		snprintf(lp, sizeof lp, "%s/%s", path, e->d_name);
		ssize_t r = readlink(lp, target, sizeof target - 1);
		if (r <= 0)
			continue;
		target[r] = 0;
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) != 1)
			continue;
		if (*n == cap) {
			cap *= 2;
			unsigned long *nv = realloc(v, cap * sizeof *v);
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = ino;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof *v, cmp_ulong);
	return v;
}

/* Listening TCP sockets owned by pid (on port, or any when port is 0). */
static int pid_listeners(int pid, int port, listen_sock *out, int max)
{
	size_t ni;
	unsigned long *inodes = pid_socket_inodes(pid, &ni);
	if (!inodes)
		return 0;
	int n = net_listeners(pid, inodes, ni, port, out, max);
	free(inodes);
	return n;
}

/* Whether someone listens on port; with owner, *owner = its pid, or -1 if
 * not found (another user's process whose fds we cannot read).  The owner
 * costs a look at every process's fds: callers ask for it rarely. */
static bool port_held(int port, int *owner)
{
	listen_sock all[16];	/* IPv4 and IPv6, a few addresses */
	int na = net_listeners(0, NULL, 0, port, all, 16);
	if (!owner || na == 0)
		return na > 0;
	*owner = -1;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)) && *owner < 0) {
		int pid = atoi(e->d_name);
		if (pid <= 0)
			continue;
		size_t ni;
		unsigned long *inodes = pid_socket_inodes(pid, &ni);
		for (int i = 0; inodes && i < na; i++)
			if (bsearch(&all[i].inode, inodes, ni, sizeof *inodes, cmp_ulong))
				*owner = pid;
		free(inodes);
	}
	if (d)
		closedir(d);
	return true;
}

/* Whether the Unix socket at path accepts a connection. */
static bool sock_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	bool ok = r == 0 || errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return ok;
}

/* ---------- pure parsers (exposed for tests / fuzzing) ---------- */

void inspector_flags_init(inspector_flags *f)
{
	memset(f, 0, sizeof *f);
	f->port = -1;
}

/* "[host:]port", "[v6]:port", "host" */
static void flags_hostport(inspector_flags *f, const char *v)
{
	const char *port = NULL;
	char host[64] = "";
	if (v[0] == '[') {
		const char *end = strchr(v, ']');
		if (!end)
			return;
		snprintf(host, sizeof host, "%.*s", (int)(end - v - 1), v + 1);
		if (end[1] == ':')
			port = end + 2;
	} else if (strchr(v, ':')) {
		const char *colon = strrchr(v, ':');
		snprintf(host, sizeof host, "%.*s", (int)(colon - v), v);
		port = colon + 1;
	} else if (*v && strspn(v, "0123456789") == strlen(v)) {
		port = v;
	} else {
		snprintf(host, sizeof host, "%s", v);
	}
	if (host[0])
		snprintf(f->host, sizeof f->host, "%s", host);
	if (port && *port && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5) {
		long p = strtol(port, NULL, 10);
		if (p <= 65535)
			f->port = (int)p;
	}
}

/* One option; returns true when it takes the next argument as its value
 * (only for the inspector-port spellings, whose value we want). */
static bool flags_option(inspector_flags *f, const char *arg, const char *next)
{
	static const struct { const char *name; bool opens; } opts[] = {
		{ "--inspect", true }, { "--inspect-brk", true }, { "--inspect-wait", true },
		{ "--inspect-brk-node", true }, { "--inspect-port", false }, { "--debug-port", false },
	};
	if (strcmp(arg, "--disable-sigusr1") == 0) {
		f->no_sigusr1 = true;
		return false;
	}
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		size_t n = strlen(opts[i].name);
		if (strncmp(arg, opts[i].name, n) != 0 || (arg[n] != 0 && arg[n] != '='))
			continue;
		if (opts[i].opens)
			f->inspect = true;
		if (arg[n] == '=') {
			flags_hostport(f, arg + n + 1);
		} else if (!opts[i].opens && next) {
			flags_hostport(f, next);
			return true;
		}
		return false;
	}
	return false;
}

void inspector_flags_cmdline(inspector_flags *f, const char *buf, size_t len)
{
	/* argv[0] first, then node's own options up to the script or -e/-p/-- */
	const char *end = buf + len, *p = buf;
	if (p < end)
		p += strnlen(p, (size_t)(end - p)) + 1;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		if (p + n == end)	/* unterminated: ignore the fragment */
			break;
		const char *next = p + n + 1 < end ? p + n + 1 : NULL;
		if (next && strnlen(next, (size_t)(end - next)) == (size_t)(end - next))
			next = NULL;
		if (p[0] != '-' || strcmp(p, "--") == 0 || strcmp(p, "-") == 0)
			break;
		if (strcmp(p, "-e") == 0 || strcmp(p, "--eval") == 0 || strcmp(p, "-p") == 0 ||
		    strcmp(p, "--print") == 0)
			break;
		bool consumed = flags_option(f, p, next);
		p += n + 1;
		if ((consumed || model_node_opt_takes_value(p - n - 1)) && next)
			p = next + strlen(next) + 1;
	}
}

void inspector_flags_node_options(inspector_flags *f, const char *s)
{
	/* Tokenise like node's ParseNodeOptionsEnvVar: blanks separate, "…"
	 * groups, \ escapes inside quotes. */
	char **tok = NULL;
	size_t ntok = 0, slen = strlen(s);
	char *cur = malloc(slen + 1);
	if (!cur)
		return;
	size_t cl = 0;
	bool in_tok = false, quoted = false;
	for (size_t i = 0; i <= slen; i++) {
		char c = s[i];
		if (c == 0 || (!quoted && (c == ' ' || c == '\t' || c == '\n'))) {
			if (in_tok) {
				cur[cl] = 0;
				char **nt = realloc(tok, (ntok + 1) * sizeof *tok);
				if (!nt)
					break;
				tok = nt;
				tok[ntok] = strdup(cur);
				if (!tok[ntok])
					break;
				ntok++;
			}
			in_tok = false;
			cl = 0;
			continue;
		}
		in_tok = true;
		if (c == '"') {
			quoted = !quoted;
		} else if (quoted && c == '\\' && s[i + 1]) {
			cur[cl++] = s[++i];
		} else {
			cur[cl++] = c;
		}
	}
	for (size_t i = 0; i < ntok; i++) {
		if (flags_option(f, tok[i], i + 1 < ntok ? tok[i + 1] : NULL) || model_node_opt_takes_value(tok[i]))
			i++;	/* skip the option's value */
	}
	for (size_t i = 0; i < ntok; i++)
		free(tok[i]);
	free(tok);
	free(cur);
}

long inspector_http_head(const char *buf, size_t len, int *status, long *content_length,
			 char *accept, size_t acceptlen)
{
	const size_t max = 16384;
	*status = 0;
	*content_length = -1;
	if (accept && acceptlen)
		accept[0] = 0;
	const char *end = memmem(buf, len < max ? len : max, "\r\n\r\n", 4);
	if (!end)
		return len >= max ? -1 : 0;
	size_t hlen = (size_t)(end - buf) + 4;
	if (hlen < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -1;
	if (!isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]))
		return -1;
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	const char *p = memchr(buf, '\n', hlen);
	while (p && p + 1 < end) {
		p++;
		const char *eol = memchr(p, '\r', (size_t)(end + 2 - p));
		if (!eol)
			break;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			size_t nl = (size_t)(colon - p);
			const char *v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(eol - v);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (nl == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
				if (vl == 0 || vl > 9 || strspn(v, "0123456789") < vl)
					return -1;
				*content_length = 0;
				for (size_t i = 0; i < vl; i++)
					*content_length = *content_length * 10 + (v[i] - '0');
			} else if (accept && nl == 20 && strncasecmp(p, "Sec-WebSocket-Accept", 20) == 0) {
				snprintf(accept, acceptlen, "%.*s", (int)vl, v);
			}
		}
		p = eol + 1;
	}
	return (long)hlen;
}

int inspector_ws_path(const char *body, size_t len, char *path, size_t n, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "inspector sent bad JSON in /json/list: %s", je.text);
		return -1;
	}
	int rc = -1;
	snprintf(err, errlen, "inspector lists no debuggable target");
	if (json_is_array(root)) {
		size_t i;
		json_t *t;
		json_array_foreach(root, i, t) {
			const char *url = json_string_value(json_object_get(t, "webSocketDebuggerUrl"));
			if (!url || strncmp(url, "ws://", 5) != 0)
				continue;
			const char *slash = strchr(url + 5, '/');
			if (!slash || strlen(slash) >= n || strlen(slash) > 200 ||
			    strpbrk(slash, " \r\n\t")) {
				snprintf(err, errlen, "inspector sent an unusable webSocketDebuggerUrl");
				continue;
			}
			snprintf(path, n, "%s", slash);
			rc = 0;
			break;
		}
	}
	json_decref(root);
	return rc;
}

void inspector_ws_accept(const char *key, char out[29])
{
	struct sha1_ctx ctx;
	uint8_t digest[SHA1_DIGEST_SIZE];
	sha1_init(&ctx);
	sha1_update(&ctx, strlen(key), (const uint8_t *)key);
	sha1_update(&ctx, strlen(WS_GUID), (const uint8_t *)WS_GUID);
#if NETTLE_VERSION_MAJOR >= 4
	sha1_digest(&ctx, digest);
#else
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
#endif
	base64_encode_raw(out, SHA1_DIGEST_SIZE, digest);
	out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = 0;
}

int inspector_cdp_reply(const char *msg, size_t len, int want_id, char **value, char *err,
			size_t errlen)
{
	if (value)
		*value = NULL;
	json_error_t je;
	json_t *root = json_loadb(msg, len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "inspector sent bad JSON: %s", je.text);
		return -1;
	}
	json_t *id = json_object_get(root, "id");
	if (!json_is_integer(id) || json_integer_value(id) != want_id) {
		json_decref(root);
		return 0;
	}
	int rc = 1;
	json_t *e = json_object_get(root, "error");
	json_t *res = json_object_get(root, "result");
	json_t *exc = json_object_get(res, "exceptionDetails");
	if (e) {
		const char *m = json_string_value(json_object_get(e, "message"));
		snprintf(err, errlen, "inspector error: %s", m ? m : "(no message)");
		rc = -1;
	} else if (exc) {
		json_t *ex = json_object_get(exc, "exception");
		const char *d = json_string_value(json_object_get(ex, "description"));
		if (!d)
			d = json_string_value(json_object_get(exc, "text"));
		char line[160];
		snprintf(line, sizeof line, "%s", d ? d : "exception");
		line[strcspn(line, "\r\n")] = 0;	/* first line of a stack */
		snprintf(err, errlen, "threw: %s", line);
		rc = -1;
	} else if (!json_is_object(res)) {
		snprintf(err, errlen, "inspector reply without a result");
		rc = -1;
	} else if (value) {
		json_t *v = json_object_get(json_object_get(res, "result"), "value");
		if (v)
			*value = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	}
	json_decref(root);
	return rc;
}

/* ---------- connections ---------- */

typedef struct wreq {
	uv_write_t req;
	char data[];
} wreq;

static void write_cb(uv_write_t *req, int status)
{
	free(req);	/* wreq starts with req */
}

/* One handle fewer; the inspector goes with its last one once closing. */
static void inspector_unref(inspector *in)
{
	if (--in->nhandles == 0 && in->closing) {
		free(in->probe_path);
		free(in);
	}
}

static void handle_closed(uv_handle_t *h)
{
	inspector_unref(h->data);
}

static void conn_closed(uv_handle_t *h)
{
	conn *c = h->data;
	inspector *in = c->in;
	free(c);
	inspector_unref(in);
}

/* Detach the job from its connection and WebSocket and close them. */
static void job_disconnect(job *j)
{
	if (j->ws) {
		wslay_event_context_free(j->ws);
		j->ws = NULL;
	}
	if (j->c) {
		j->c->job = NULL;
		uv_close((uv_handle_t *)&j->c->tcp, conn_closed);
		j->c = NULL;
	}
	j->rlen = j->roff = 0;
}

static int conn_write(job *j, const void *data, size_t len)
{
	if (!j->c)
		return -1;
	wreq *w = malloc(sizeof *w + len);
	if (!w)
		return -1;
	memcpy(w->data, data, len);
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	int r = uv_write(&w->req, (uv_stream_t *)&j->c->tcp, &b, 1, write_cb);
	if (r < 0)
		free(w);
	return r;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	conn *c = h->data;
	*buf = uv_buf_init(c->rd, sizeof c->rd);
}

static int rbuf_append(job *j, const char *data, size_t n)
{
	if (j->roff && j->roff == j->rlen)
		j->roff = j->rlen = 0;
	if (j->rlen + n > j->rcap) {
		size_t cap = j->rcap ? j->rcap : 65536;
		while (cap < j->rlen + n)
			cap *= 2;
		if (cap > HTTP_BODY_MAX + WS_MSG_MAX)
			return -1;
		char *nb = realloc(j->rbuf, cap);
		if (!nb)
			return -1;
		j->rbuf = nb;
		j->rcap = cap;
	}
	memcpy(j->rbuf + j->rlen, data, n);
	j->rlen += n;
	return 0;
}

static void on_http_bytes(inspector *in);
static void on_ws_handshake_bytes(inspector *in);
static void on_ws_bytes(inspector *in);

static const char *step_name(enum step s)
{
	switch (s) {
	case ST_LOCK_WAIT: return "waiting for another vitals to finish attaching";
	case ST_PORT_FREE_WAIT: return "waiting for port 9229 to be free";
	case ST_PORT_OPEN_WAIT: return "waiting for the inspector port";
	case ST_HTTP: return "asking the inspector for its targets";
	case ST_WS_HANDSHAKE: return "opening the inspector WebSocket";
	case ST_CDP_PID: return "identifying the process";
	case ST_CDP_PROBE: return "starting the probe";
	case ST_CDP_CLOSE: return "closing the inspector";
	case ST_SOCK_WAIT: return "waiting for the probe socket";
	case ST_PORT_CLOSE_WAIT: return "waiting for the inspector to close";
	default: return "starting";
	}
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	conn *c = s->data;
	job *j = c->job;
	if (!j || nread == 0)
		return;
	inspector *in = c->in;
	if (nread < 0) {
		const char *why = nread == UV_EOF ? "closed the connection" : uv_strerror((int)nread);
		if (j->step == ST_HTTP) {
			char msg[200];
			snprintf(msg, sizeof msg, "port %d of PID %d %s instead of answering", j->port.port,
				 j->pid, why);
			http_next(in, msg);
			return;
		}
		job_disconnect(j);	/* dead: a needed close goes through a reconnect */
		job_fail(in, -EPROTO, "inspector of PID %d %s while %s", j->pid, why,
			 step_name(j->step));
		return;
	}
	if (rbuf_append(j, buf->base, (size_t)nread) < 0) {
		job_fail(in, -EPROTO, "inspector of PID %d sent too much data", j->pid);
		return;
	}
	if (j->step == ST_HTTP)
		on_http_bytes(in);
	else if (j->step == ST_WS_HANDSHAKE)
		on_ws_handshake_bytes(in);
	else
		on_ws_bytes(in);
}

static void connect_cb(uv_connect_t *req, int status)
{
	conn *c = req->data;
	job *j = c->job;
	if (!j)
		return;
	inspector *in = c->in;
	if (status < 0) {
		if (j->step == ST_HTTP) {
			char msg[200];
			snprintf(msg, sizeof msg, "cannot connect to the inspector of PID %d on port %d: %s",
				 j->pid, j->port.port, uv_strerror(status));
			http_next(in, msg);
			return;
		}
		job_fail(in, -EPROTO, "cannot connect to the inspector of PID %d on port %d: %s",
			 j->pid, j->port.port, uv_strerror(status));
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);	/* else ~40 ms per round trip (Nagle + delayed ACK) */
	int r = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
	char req_text[512], host[80];
	if (j->port.family == AF_INET6)
		snprintf(host, sizeof host, "[::1]:%d", j->port.port);
	else
		snprintf(host, sizeof host, "127.0.0.1:%d", j->port.port);
	if (j->step == ST_HTTP) {
		snprintf(req_text, sizeof req_text,
			 "GET /json/list HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n\r\n", host);
	} else {
		snprintf(req_text, sizeof req_text,
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
			 j->ws_path, host, j->ws_key);
	}
	if (r < 0 || conn_write(j, req_text, strlen(req_text)) < 0)
		job_fail(in, -EPROTO, "cannot talk to the inspector of PID %d", j->pid);
}

/* Open a new TCP connection to j->port for the current step. */
static void job_connect(inspector *in)
{
	job *j = in->cur;
	conn *c = calloc(1, sizeof *c);
	if (!c) {
		job_fail(in, -ENOMEM, "out of memory");
		return;
	}
	c->in = in;
	c->job = j;
	uv_tcp_init(in->loop, &c->tcp);
	c->tcp.data = c;
	c->creq.data = c;
	in->nhandles++;
	j->c = c;
	j->rlen = j->roff = 0;

	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	const listen_sock *l = &j->port;
	static const unsigned char any6[16];
	if (l->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)l->port);
		if (memcmp(l->addr, any6, 16) == 0)
			a->sin6_addr = in6addr_loopback;
		else
			memcpy(&a->sin6_addr, l->addr, 16);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)l->port);
		memcpy(&a->sin_addr, l->addr, 4);
		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	int r = uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&ss, connect_cb);
	if (r < 0)
		job_fail(in, -EPROTO, "cannot connect to the inspector of PID %d: %s", j->pid,
			 uv_strerror(r));
}

/* ---------- job lifecycle ---------- */

static void job_free(job *j)
{
	job_disconnect(j);
	if (j->lock_fd >= 0)
		close(j->lock_fd);	/* releases the flock */
	free(j->rbuf);
	free(j->reply_value);
	free(j);
}

/* Close the timers; the inspector is freed when the last handle closed. */
static void inspector_release(inspector *in)
{
	if (uv_is_closing((uv_handle_t *)&in->poll))
		return;
	uv_close((uv_handle_t *)&in->deadline, handle_closed);
	uv_close((uv_handle_t *)&in->poll, handle_closed);
}

static void kick(inspector *in)
{
	if (!in->cur && in->head && !in->closing)
		uv_timer_start(&in->poll, poll_cb, 0, 0);
}

/* Report and drop the running job, then start the next one. */
static void job_finish(inspector *in, int err, const char *msg)
{
	job *j = in->cur;
	if (!j)
		return;
	uv_timer_stop(&in->deadline);
	uv_timer_stop(&in->poll);
	job_disconnect(j);
	in->cur = NULL;
	in->head = j->next;
	if (!in->head)
		in->tail = NULL;
	if (j->lock_fd >= 0) {
		close(j->lock_fd);
		j->lock_fd = -1;
	}
	if (j->cb)
		j->cb(j->ud, j->pid, err, msg);
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
	j->step_start = uv_now(in->loop);
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
	if (err && j->opened && j->step >= ST_HTTP && !j->pending_err) {
		/* The port is the target's own listener (found in its sockets after
		 * our SIGUSR1), so close it even before the pid check answered:
		 * the reconnect in ST_PORT_CLOSE_WAIT checks the pid again. */
		j->pending_err = err;
		snprintf(j->pending_msg, sizeof j->pending_msg, "%s", msg);
		if (j->identified && j->ws && j->c && j->step >= ST_CDP_PID && j->step <= ST_CDP_PROBE) {
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
	char msg[256];
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
	listen_sock l;
	if (!j->opened || !j->port.port || strstr(j->pending_msg, "stays open") ||
	    pid_listeners(j->pid, j->port.port, &l, 1) == 0)
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
	const listen_sock *x = a, *y = b;
	return (x->port != DEFAULT_PORT) - (y->port != DEFAULT_PORT);
}

/* Decide where the process's inspector is, or open it with SIGUSR1. */
static void job_start(inspector *in)
{
	job *j = in->cur;
	char msg[256];
	j->step_start = uv_now(in->loop);
	uv_timer_start(&in->deadline, deadline_cb, ATTACH_TIMEOUT_MS, 0);

	char dir[PATH_MAX];
	paths_sock_dir(dir, sizeof dir);
	paths_sock_for(j->pid, j->sock_path, sizeof j->sock_path);
	if (sock_alive(j->sock_path)) {
		job_finish(in, 0, "already attached");
		return;
	}
	int rc = pid_check_node(j->pid, msg, sizeof msg);
	if (rc < 0) {
		job_finish(in, rc, msg);
		return;
	}
	if (paths_sock_dir_ensure(dir, msg, sizeof msg) < 0) {
		job_finish(in, -EACCES, msg);
		return;
	}

	inspector_flags f;
	inspector_flags_init(&f);
	char path[64];
	size_t len;
	snprintf(path, sizeof path, "/proc/%d/cmdline", j->pid);
	char *buf = read_file(path, 1 << 20, &len);
	if (buf)
		inspector_flags_cmdline(&f, buf, len);
	free(buf);
	snprintf(path, sizeof path, "/proc/%d/environ", j->pid);
	buf = read_file(path, 1 << 20, &len);
	for (size_t off = 0; buf && off < len; off += strlen(buf + off) + 1)
		if (strncmp(buf + off, "NODE_OPTIONS=", 13) == 0)
			inspector_flags_node_options(&f, buf + off + 13);
	free(buf);

	/* the port asked for separately: an app may have more than MAX_LISTEN */
	listen_sock ls[MAX_LISTEN], wl;
	int nl = pid_listeners(j->pid, 0, ls, MAX_LISTEN);
	int want = f.port >= 0 ? f.port : DEFAULT_PORT;
	const listen_sock *l = want && pid_listeners(j->pid, want, &wl, 1) > 0 ? &wl : NULL;
	j->sig_port = want;
	j->no_sigusr1 = f.no_sigusr1;
	j->nbefore = 0;
	for (int i = 0; i < nl; i++)
		j->before[j->nbefore++] = ls[i].port;
	if (l) {
		/* open already (--inspect, or opened earlier): use it, leave it open */
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
		job_step_http(in);
		return;
	}
	job_signal_start(in);
}

/* The process has no inspector open: open one with SIGUSR1. */
static void job_signal_start(inspector *in)
{
	job *j = in->cur;
	char msg[256];
	if (j->no_sigusr1) {
		snprintf(msg, sizeof msg,
			 "PID %d runs with --disable-sigusr1; start it with `vitals -- node …` or `node -r %s …`",
			 j->pid, in->probe_path);
		job_finish(in, -ENOTSUP, msg);
		return;
	}
	job_signal(in);
}

/* Send SIGUSR1 once the port it opens is free.  A port held by another Node
 * process may be a concurrent attach (another vitals): its inspector closes
 * within a few hundred ms, so wait a little before giving up. */
static void job_signal(inspector *in)
{
	job *j = in->cur;
	char msg[256];
	int owner;
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
	if (j->sig_port && port_held(j->sig_port, NULL)) {
		/* Polled every POLL_MS while waiting, so the costly owner lookup is
		 * made only when the wait starts and when it runs out. */
		bool waiting = j->step == ST_PORT_FREE_WAIT;
		if (waiting && uv_now(in->loop) - j->step_start < PORT_FREE_WAIT_MS)
			return;	/* poll again */
		if (port_held(j->sig_port, &owner) && owner != j->pid) {
			char comm[64] = "?";
			if (owner > 0)
				pid_comm(owner, comm, sizeof comm);
			/* unknown owner: another user's, or one that just closed it */
			bool transient = owner <= 0 || name_is_node(comm);
			if (transient && !waiting) {
				job_wait(in, ST_PORT_FREE_WAIT);
				return;
			}
			if (owner > 0)
				snprintf(msg, sizeof msg,
					 "port %d is held by PID %d (%s); can't attach while it is taken",
					 j->sig_port, owner, comm);
			else
				snprintf(msg, sizeof msg,
					 "port %d is held by another user's process; can't attach while it is taken",
					 j->sig_port);
			job_finish(in, -EADDRINUSE, msg);
			return;
		}
	}
	if (kill(j->pid, SIGUSR1) < 0) {
		int e = errno;
		if (e == EPERM)
			snprintf(msg, sizeof msg, "permission denied: PID %d belongs to another user", j->pid);
		else
			snprintf(msg, sizeof msg, "no such process: PID %d", j->pid);
		job_finish(in, e == EPERM ? -EPERM : -ESRCH, msg);
		return;
	}
	j->opened = true;
	job_wait(in, ST_PORT_OPEN_WAIT);
}

/* Poll step of ST_PORT_OPEN_WAIT: has the port appeared? */
static void job_poll_port_open(inspector *in)
{
	job *j = in->cur;
	listen_sock ls[MAX_LISTEN];
	const listen_sock *l = NULL;
	if (j->sig_port) {
		if (pid_listeners(j->pid, j->sig_port, ls, 1) > 0)
			l = &ls[0];
	} else {
		int nl = pid_listeners(j->pid, 0, ls, MAX_LISTEN);
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
		job_step_http(in);
		return;
	}
	if (kill(j->pid, 0) < 0 && errno == ESRCH) {
		job_fail(in, -ESRCH, "PID %d exited after SIGUSR1", j->pid);
		return;
	}
	if (j->late)
		return;	/* until the port appears or the deadline */
	if (j->sig_port && j->retries < 3) {
		/* Another process took the port first (a concurrent attach by
		 * another vitals): ours failed with "address already in use" and
		 * survives; signal it again once the port is free. */
		listen_sock any;
		if (net_listeners(0, NULL, 0, j->sig_port, &any, 1) > 0) {
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
		char msg[256];
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

static void job_step_http(inspector *in)
{
	job *j = in->cur;
	j->step = ST_HTTP;
	j->port = j->cand[j->icand];
	job_connect(in);
}

/* Next candidate after an unusable answer, or fail with msg. */
static void http_next(inspector *in, const char *msg)
{
	job *j = in->cur;
	if (j->icand + 1 < j->ncand) {
		j->icand++;
		job_disconnect(j);
		job_step_http(in);
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

static void on_http_bytes(inspector *in)
{
	job *j = in->cur;
	int status;
	long clen;
	char msg[256];
	long h = inspector_http_head(j->rbuf, j->rlen, &status, &clen, NULL, 0);
	if (h == 0)
		return;
	if (h < 0 || status != 200 || clen < 0 || clen > HTTP_BODY_MAX) {
		snprintf(msg, sizeof msg, "port %d of PID %d is not a Node inspector (HTTP %d)",
			 j->port.port, j->pid, status);
		http_next(in, msg);
		return;
	}
	if (j->rlen < (size_t)h + (size_t)clen)
		return;	/* the connection stays open: wait for exactly clen bytes */
	if (inspector_ws_path(j->rbuf + h, (size_t)clen, j->ws_path, sizeof j->ws_path, msg,
			      sizeof msg) < 0) {
		char m2[300];
		snprintf(m2, sizeof m2, "PID %d port %d: %s", j->pid, j->port.port, msg);
		http_next(in, m2);
		return;
	}
	job_disconnect(j);
	job_step_ws(in);
}

static void job_step_ws(inspector *in)
{
	job *j = in->cur;
	uint8_t raw[16];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		job_fail(in, -EIO, "getrandom failed");
		return;
	}
	base64_encode_raw(j->ws_key, sizeof raw, raw);
	j->ws_key[BASE64_ENCODE_RAW_LENGTH(sizeof raw)] = 0;
	j->step = ST_WS_HANDSHAKE;
	job_connect(in);
}

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
			  void *ud)
{
	job *j = ud;
	size_t avail = j->rlen - j->roff;
	if (avail == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = avail < len ? avail : len;
	memcpy(buf, j->rbuf + j->roff, n);
	j->roff += n;
	return (ssize_t)n;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
			  void *ud)
{
	job *j = ud;
	if (conn_write(j, data, len) < 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static int ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static void ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		      void *ud)
{
	job *j = ud;
	if (arg->opcode != WSLAY_TEXT_FRAME || j->got_reply || !j->want_id)
		return;
	char *value = NULL;
	int r = inspector_cdp_reply((const char *)arg->msg, arg->msg_length, j->want_id, &value,
				    j->reply_msg, sizeof j->reply_msg);
	if (r == 0)
		return;
	j->got_reply = true;
	j->reply_err = r < 0;
	free(j->reply_value);
	j->reply_value = value;
}

static void on_ws_handshake_bytes(inspector *in)
{
	job *j = in->cur;
	int status;
	long clen;
	char accept[64], want[29];
	long h = inspector_http_head(j->rbuf, j->rlen, &status, &clen, accept, sizeof accept);
	if (h == 0)
		return;
	if (h < 0 || status != 101) {
		job_fail(in, -EPROTO, "inspector of PID %d refused the WebSocket (HTTP %d)", j->pid, status);
		return;
	}
	inspector_ws_accept(j->ws_key, want);
	if (strcmp(accept, want) != 0) {
		job_fail(in, -EPROTO, "inspector of PID %d sent a wrong Sec-WebSocket-Accept", j->pid);
		return;
	}
	j->roff = (size_t)h;	/* any bytes after the head are WebSocket frames */
	static const struct wslay_event_callbacks cbs = {
		.recv_callback = ws_recv_cb,
		.send_callback = ws_send_cb,
		.genmask_callback = ws_genmask_cb,
		.on_msg_recv_callback = ws_msg_cb,
	};
	if (wslay_event_context_client_init(&j->ws, &cbs, j) != 0) {
		j->ws = NULL;
		job_fail(in, -ENOMEM, "out of memory");
		return;
	}
	wslay_event_config_set_max_recv_msg_length(j->ws, WS_MSG_MAX);
	static const char expr[] = "[process.pid, process.version]";
	cdp_send(in, ST_CDP_PID, expr, strlen(expr), false);
	if (in->cur == j && j->rlen > j->roff)
		on_ws_bytes(in);
}

/* Send one Runtime.evaluate and wait for its reply in step s. */
static void cdp_send(inspector *in, enum step s, const char *expr, size_t exprlen, bool cmdline_api)
{
	job *j = in->cur;
	j->step = s;
	j->want_id = ++j->next_id;
	j->got_reply = false;
	json_t *req = json_pack("{s:i, s:s, s:{s:s%, s:b, s:b, s:b}}", "id", j->want_id,
				"method", "Runtime.evaluate", "params", "expression", expr, exprlen,
				"includeCommandLineAPI", cmdline_api, "returnByValue", 1,
				"awaitPromise", 0);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!text) {
		job_fail(in, -EINVAL, "cannot encode the request (is the probe file valid UTF-8?)");
		return;
	}
	struct wslay_event_msg m = { WSLAY_TEXT_FRAME, (const uint8_t *)text, strlen(text) };
	int r = wslay_event_queue_msg(j->ws, &m);
	free(text);
	if (r == 0)
		r = wslay_event_send(j->ws);
	if (r != 0) {
		job_disconnect(j);
		job_fail(in, -EPROTO, "cannot send to the inspector of PID %d", j->pid);
	}
}

static void on_cdp_reply(inspector *in);

static void on_ws_bytes(inspector *in)
{
	job *j = in->cur;
	if (!j->ws)
		return;
	int r = wslay_event_recv(j->ws);
	if (r == 0 && wslay_event_want_write(j->ws))
		r = wslay_event_send(j->ws);
	if (r != 0) {
		job_disconnect(j);
		job_fail(in, -EPROTO, "WebSocket error talking to the inspector of PID %d", j->pid);
		return;
	}
	if (j->roff == j->rlen)
		j->roff = j->rlen = 0;
	if (j->got_reply) {
		j->got_reply = false;
		j->want_id = 0;
		on_cdp_reply(in);
	} else if (wslay_event_get_close_received(j->ws)) {
		job_disconnect(j);
		job_fail(in, -EPROTO, "inspector of PID %d closed the session while %s", j->pid,
			 step_name(j->step));
	}
}

/* Build the probe injection: the file wrapped as in probe/vitals-probe.js's
 * contract.  Returns malloc'd text or NULL with msg. */
static char *probe_expr(inspector *in, job *j, size_t *len, char *msg, size_t msglen)
{
	size_t flen;
	char *file = read_file(in->probe_path, 16 << 20, &flen);
	if (!file) {
		snprintf(msg, msglen, "cannot read the probe %s: %s", in->probe_path, strerror(errno));
		return NULL;
	}
	char dir[PATH_MAX];
	paths_sock_dir(dir, sizeof dir);
	json_t *js = json_string(dir);
	char *dirlit = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;	/* a valid JS string literal */
	json_decref(js);
	static const char pre[] = "(function (require, module, exports) { "
		"globalThis.__vitalsProbeNoAutostart = true;\n";
	char post[PATH_MAX + 300];
	snprintf(post, sizeof post,
		 "\n;return module.exports.start({ sockDir: %s, closeInspector: %s }); })"
		 "(typeof require === 'function' ? require : process.getBuiltinModule, {exports:{}}, undefined)",
		 dirlit ? dirlit : "null", j->opened ? "true" : "false");
	free(dirlit);
	*len = strlen(pre) + flen + strlen(post);
	char *e = malloc(*len + 1);
	if (!e) {
		free(file);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	memcpy(e, pre, strlen(pre));
	memcpy(e + strlen(pre), file, flen);
	memcpy(e + strlen(pre) + flen, post, strlen(post) + 1);
	free(file);
	return e;
}

static void on_cdp_reply(inspector *in)
{
	job *j = in->cur;
	char msg[256];
	if (j->step == ST_CDP_PID) {
		if (j->reply_err) {
			job_fail(in, -EPROTO, "inspector of PID %d: %s", j->pid, j->reply_msg);
			return;
		}
		json_t *v = j->reply_value ? json_loads(j->reply_value, JSON_DECODE_ANY, NULL) : NULL;
		json_int_t pid = json_integer_value(json_array_get(v, 0));
		const char *ver = json_string_value(json_array_get(v, 1));
		char version[32];
		snprintf(version, sizeof version, "%s", ver ? ver : "?");
		json_decref(v);
		if (pid != j->pid) {
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
		if (j->reply_err) {
			job_fail(in, -EIO, "the probe failed to start in PID %d: %s", j->pid, j->reply_msg);
			return;
		}
		json_t *v = j->reply_value ? json_loads(j->reply_value, JSON_DECODE_ANY, NULL) : NULL;
		json_t *active = json_object_get(v, "active");
		if (!json_is_true(active)) {
			const char *why = json_string_value(json_object_get(v, "reason"));
			snprintf(msg, sizeof msg, "the probe did not start in PID %d: %s", j->pid,
				 why ? why : "no reason given");
			json_decref(v);
			job_fail(in, -EIO, "%s", msg);	/* closes an inspector we opened */
			return;
		}
		json_decref(v);
		/* Disconnect at once: inspector.close() in the probe waits for us. */
		job_disconnect(j);
		job_wait(in, ST_SOCK_WAIT);
		return;
	}
	if (j->step == ST_CDP_CLOSE) {
		job_disconnect(j);
		job_wait(in, ST_PORT_CLOSE_WAIT);
	}
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
		snprintf(j->reply_msg, sizeof j->reply_msg, "PID %d exited while the probe started", j->pid);
		job_finish(in, -ESRCH, j->reply_msg);
		return;
	}
	if (uv_now(in->loop) - j->step_start >= SOCK_WAIT_MS)
		job_fail(in, -EIO, "the probe started in PID %d but its socket %s did not appear",
			 j->pid, j->sock_path);
}

static void job_poll_port_close(inspector *in)
{
	job *j = in->cur;
	listen_sock l;
	bool gone = !j->port.port || pid_listeners(j->pid, j->port.port, &l, 1) == 0 ||
		    (kill(j->pid, 0) < 0 && errno == ESRCH);
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
		job_step_http(in);
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
	case ST_LOCK_WAIT:
	case ST_PORT_FREE_WAIT: job_signal(in); break;
	case ST_PORT_OPEN_WAIT: job_poll_port_open(in); break;
	case ST_SOCK_WAIT: job_poll_sock(in); break;
	case ST_PORT_CLOSE_WAIT: job_poll_port_close(in); break;
	default: uv_timer_stop(t); break;
	}
}

/* ---------- public API ---------- */

inspector *inspector_new(uv_loop_t *loop, const char *probe_path)
{
	inspector *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->probe_path = strdup(probe_path);
	if (!in->probe_path) {
		free(in);
		return NULL;
	}
	in->loop = loop;
	uv_timer_init(loop, &in->deadline);
	uv_timer_init(loop, &in->poll);
	in->deadline.data = in->poll.data = in;
	in->nhandles = 2;
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
		if (q->pid == pid && !(q == in->cur && q->step >= ST_SOCK_WAIT)) {
			snprintf(err, errlen, "an attach to PID %d is already under way", pid);
			return -1;
		}
	}
	job *j = calloc(1, sizeof *j);
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	j->pid = pid;
	j->lock_fd = -1;
	j->cb = cb;
	j->ud = ud;
	if (in->tail)
		in->tail->next = j;
	else
		in->head = j;
	in->tail = j;
	kick(in);
	return 0;
}

int inspector_pending(const inspector *in)
{
	int n = 0;
	for (const job *q = in->head; q; q = q->next)
		n++;
	return n;
}

void inspector_close(inspector *in)
{
	if (!in || in->closing)
		return;
	in->closing = true;
	/* Drop the queue.  A running attach that already sent SIGUSR1 goes on
	 * silently until the inspector it opened is closed again (normally
	 * ~0.2 s, at most the attach timeout); anything else stops now. */
	job *keep = in->cur && in->cur->opened ? in->cur : NULL;
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
