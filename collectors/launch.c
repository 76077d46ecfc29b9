/* launch — run a program under vitals with the probe preloaded (see launch.h).
 *
 * Data: a launch owns one uv_process_t and two uv_pipe_t (the child's stdout
 * and stderr), each pipe with a partial-line buffer; complete lines go to the
 * model's log (stderr lines prefixed "! ") and to the optional log file.  The
 * child runs in its own session/process group (UV_PROCESS_DETACHED), so
 * terminal signals reach vitals only and are forwarded with launch_signal.
 *
 * Invariants:
 *  - The model row is found again by (pid, start_time) on exit, never kept
 *    as a pointer: the UI may remove rows at any time.
 *  - Lines stored in the model are sanitised (escape sequences dropped,
 *    control characters replaced) so the log pane cannot be garbled; the log
 *    file gets the raw bytes.
 *  - A launch is freed only after every handle's close callback ran
 *    (nhandles == 0 and closing).
 *  - Closing never leaves the child behind: launch_close sends SIGTERM and
 *    keeps the process handle (and the pipes, so shutdown lines still reach
 *    the log) until the child exits; one that is still there after
 *    LAUNCH_GRACE_MS gets SIGKILL (its whole process group).  The loop thus
 *    runs at most that long after a quit.
 *  - Once the child is reaped, its probe socket (<sockdir>/<pid>.sock) is
 *    removed: a probe killed by a signal cannot remove it itself.
 */
#include "collectors/launch.h"
#include "base/clock.h"
#include "base/linebuf.h"
#include "base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/procfs.h"
#include "base/paths.h"

extern char **environ;

#define LINE_MAX_BYTES (LOG_LINE_LEN - 16)	/* longer lines are split */
#define KILL_WAIT_MS 1000	/* after SIGKILL: a child stuck in the kernel is left */

typedef struct out_stream {
	uv_pipe_t pipe;
	launch *l;
	bool is_err;
	bool open;		/* reading; false after EOF */
	linebuf lines;		/* the unfinished line; longer ones are split */
	char rd[16384];
} out_stream;

struct launch {
	uv_loop_t *loop;
	model *m;
	uv_process_t proc;
	uv_timer_t grace;	/* running while a closing child has not exited */
	out_stream out, err;
	int pid;
	uint64_t start_time;
	int wait_status;	/* -1 while the child runs */
	int log_fd;
	char name[NAME_LEN];	/* what the status line calls it: "app.js" */
	char tag[24];		/* log prefix in demo mode, "" otherwise */
	int nhandles;
	bool closing;
	bool killed;		/* SIGKILL sent after the grace period */
};

/* Start time of pid (clock ticks since boot), 0 if unreadable. */
static uint64_t stat_start_time(int pid)
{
	procfs_stat st;
	return procfs_stat_read(pid, &st) == 0 ? st.start_time : 0;
}

/* Name for messages: the script of `node app.js`, else the command. */
static void display_name(char *const argv[], char *out, size_t n)
{
	const char *cmd = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *pick = cmd;
	if (strncmp(cmd, "node", 4) == 0) {
		for (int i = 1; argv[i]; i++) {
			if (argv[i][0] == '-') {
				if (model_node_opt_takes_value(argv[i]))
					i += argv[i + 1] ? 1 : 0;
				else if (strcmp(argv[i], "-e") == 0 || strcmp(argv[i], "--eval") == 0)
					break;
				continue;
			}
			pick = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
			break;
		}
	}
	snprintf(out, n, "%s", pick);
}

size_t launch_log_line(char *out, size_t n, const char *tag, bool is_err, const char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		len--;
	char clean[LOG_LINE_LEN];	/* model_log_push truncates anyway */
	/* for the log pane: colours dropped, other controls shown as '?' */
	text_clean(clean, sizeof clean, line, len, TEXT_ANSI | TEXT_TABS);
	int w = snprintf(out, n, "%s%s%s%s", is_err ? "! " : "", tag, tag[0] ? ": " : "", clean);
	return w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
}

/* One line of the child's output: to the model's log, cleaned, and to the
 * log file as it came. */
static bool emit_line(void *ud, const char *line, size_t len)
{
	out_stream *s = ud;
	launch *l = s->l;
	char full[LOG_LINE_LEN + 64];
	launch_log_line(full, sizeof full, l->tag, s->is_err, line, len);
	model_log_push(l->m, full);
	if (len && line[len - 1] == '\r')
		len--;
	if (l->log_fd >= 0) {
		char head[40];
		int hl = snprintf(head, sizeof head, "%s%s%s", s->is_err ? "! " : "", l->tag,
				  l->tag[0] ? ": " : "");
		struct iovec iov[3] = { { head, (size_t)hl }, { (char *)line, len }, { "\n", 1 } };
		/* one appending write per line; a full disk loses log lines, never the app */
		ssize_t w;
		do
			w = writev(l->log_fd, iov, 3);
		while (w < 0 && errno == EINTR);
	}
	return true;
}

static void launch_maybe_free(launch *l)
{
	if (l->closing && l->nhandles == 0) {
		if (l->log_fd >= 0)
			close(l->log_fd);
		free(l);
	}
}

static void handle_closed(uv_handle_t *h)
{
	launch *l = h->data;
	l->nhandles--;
	launch_maybe_free(l);
}

static void stream_closed(uv_handle_t *h)
{
	out_stream *s = h->data;
	linebuf_free(&s->lines);
	s->l->nhandles--;
	launch_maybe_free(s->l);
}

static void out_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	out_stream *s = h->data;
	*buf = uv_buf_init(s->rd, sizeof s->rd);
}

static void out_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	out_stream *s = st->data;
	if (nread < 0) {
		linebuf_finish(&s->lines, emit_line, s);
		s->open = false;
		uv_read_stop(st);
		return;
	}
	linebuf_feed(&s->lines, buf->base, (size_t)nread, emit_line, s);
}

/* The socket of a reaped child: nobody can listen on it any more, unless
 * the PID was reused in the meantime (then the new owner's socket answers). */
static void remove_sock(int pid)
{
	char path[PATH_MAX];
	paths_sock_for(pid, path, sizeof path);
	if (paths_sock_refuses(path))
		unlink(path);
}

static void close_handles(launch *l)
{
	if (uv_is_closing((uv_handle_t *)&l->proc))
		return;
	uv_close((uv_handle_t *)&l->proc, handle_closed);
	uv_close((uv_handle_t *)&l->grace, handle_closed);
	uv_close((uv_handle_t *)&l->out.pipe, stream_closed);
	uv_close((uv_handle_t *)&l->err.pipe, stream_closed);
}

/* The grace period after SIGTERM ran out: SIGKILL, and give the kernel
 * KILL_WAIT_MS to let us reap it; after that stop waiting. */
static void grace_expired(uv_timer_t *t)
{
	launch *l = t->data;
	if (l->killed) {
		close_handles(l);
		return;
	}
	l->killed = true;
	launch_signal(l, SIGKILL);
	uv_timer_start(&l->grace, grace_expired, KILL_WAIT_MS, 0);
}

static void child_exited(uv_process_t *p, int64_t status, int term_signal)
{
	launch *l = p->data;
	l->wait_status = term_signal ? (term_signal & 0x7f) : (int)((status & 0xff) << 8);
	model *m = l->m;
	vproc *v = model_find(m, l->pid);
	if (v && v->start_time == l->start_time) {
		v->exit_status = l->wait_status;
		v->state = PROC_EXITED;
		if (!v->exited_ms)
			v->exited_ms = clock_wall_ms();
	}
	if (term_signal) {
		const char *abbrev = sigabbrev_np(term_signal);
		if (abbrev)
			model_status(m, "%s killed by SIG%s", l->name, abbrev);
		else
			model_status(m, "%s killed by signal %d", l->name, term_signal);
	} else {
		model_status(m, "%s exited with status %d", l->name, (int)status);
	}
	remove_sock(l->pid);
	if (l->closing)
		close_handles(l);
}

/* NODE_OPTIONS value with `--require "<probe>"` appended, quoted the way
 * node's NODE_OPTIONS parser reads it (\ escapes inside "…"). */
static char *node_options_with(const char *old, const char *probe)
{
	size_t n = (old ? strlen(old) : 0) + 2 * strlen(probe) + 32;
	char *s = malloc(n);
	if (!s)
		return NULL;
	size_t o = (size_t)snprintf(s, n, "NODE_OPTIONS=%s%s--require \"", old ? old : "",
				    old && *old ? " " : "");
	for (const char *p = probe; *p; p++) {
		if (*p == '"' || *p == '\\')
			s[o++] = '\\';
		s[o++] = *p;
	}
	s[o++] = '"';
	s[o] = 0;
	return s;
}

/* The child's environment: ours, with NODE_OPTIONS and VITALS_SOCK_DIR set. */
static char **child_env(const char *probe_path)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 3, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "NODE_OPTIONS=", 13) == 0 ||
		    strncmp(environ[i], "VITALS_SOCK_DIR=", 16) == 0)
			continue;
		env[k++] = environ[i];	/* borrowed */
	}
	char dir[PATH_MAX], *sd = malloc(PATH_MAX + 20);
	char *no = node_options_with(getenv("NODE_OPTIONS"), probe_path);
	if (!sd || !no) {
		free(sd);
		free(no);
		free(env);
		return NULL;
	}
	snprintf(sd, PATH_MAX + 20, "VITALS_SOCK_DIR=%s", paths_sock_dir(dir, sizeof dir));
	env[k++] = no;	/* owned: the last two entries */
	env[k++] = sd;
	env[k] = NULL;
	return env;
}

static void child_env_free(char **env)
{
	size_t k = 0;
	while (env[k])
		k++;
	free(env[k - 1]);
	free(env[k - 2]);
	free(env);
}

static int open_log(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot open log file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "log file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
		snprintf(err, errlen, "log file %s is readable by others and cannot be fixed: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static launch *launch_spawn(uv_loop_t *loop, model *m, char *const argv[], const char *probe_path,
			    const char *log_path, const char *tag, char *err, size_t errlen)
{
	if (!argv || !argv[0] || !argv[0][0]) {
		snprintf(err, errlen, "no command to launch");
		return NULL;
	}
	char dir[PATH_MAX], probe[PATH_MAX];
	if (paths_sock_dir_ensure(paths_sock_dir(dir, sizeof dir), err, errlen) < 0)
		return NULL;
	/* absolute: node reads "--require dir/x.js" as a package name, and a
	 * missing probe would stop the program from starting at all */
	if (!realpath(probe_path, probe)) {
		snprintf(err, errlen, "probe %s: %s", probe_path, strerror(errno));
		return NULL;
	}
	probe_path = probe;
	launch *l = calloc(1, sizeof *l);
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->loop = loop;
	l->m = m;
	l->log_fd = -1;
	l->wait_status = -1;
	snprintf(l->tag, sizeof l->tag, "%s", tag ? tag : "");
	display_name(argv, l->name, sizeof l->name);
	if (log_path && (l->log_fd = open_log(log_path, err, errlen)) < 0) {
		free(l);
		return NULL;
	}
	char **env = child_env(probe_path);
	if (!env) {
		snprintf(err, errlen, "out of memory");
		if (l->log_fd >= 0)
			close(l->log_fd);
		free(l);
		return NULL;
	}

	out_stream *ss[2] = { &l->out, &l->err };
	for (int i = 0; i < 2; i++) {
		uv_pipe_init(loop, &ss[i]->pipe, 0);
		ss[i]->pipe.data = ss[i];
		ss[i]->l = l;
		ss[i]->is_err = i == 1;
		linebuf_init(&ss[i]->lines, LINE_MAX_BYTES, LINEBUF_SPLIT);
		l->nhandles++;
	}
	uv_stdio_container_t stdio[3] = {
		{ .flags = UV_IGNORE },
		{ .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&l->out.pipe },
		{ .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&l->err.pipe },
	};
	uv_process_options_t opt = {
		.exit_cb = child_exited,
		.file = argv[0],
		.args = (char **)argv,
		.env = env,
		.flags = UV_PROCESS_DETACHED,
		.stdio_count = 3,
		.stdio = stdio,
	};
	l->proc.data = l;
	uv_timer_init(loop, &l->grace);
	l->grace.data = l;
	l->nhandles++;
	int r = uv_spawn(loop, &l->proc, &opt);
	child_env_free(env);
	l->nhandles++;
	if (r < 0) {
		if (r == UV_ENOENT)
			snprintf(err, errlen, "%s: command not found", argv[0]);
		else if (r == UV_EACCES)
			snprintf(err, errlen, "%s: permission denied", argv[0]);
		else
			snprintf(err, errlen, "%s: cannot start: %s", argv[0], uv_strerror(r));
		l->closing = true;	/* freed by the close callbacks */
		close_handles(l);
		return NULL;
	}
	l->pid = l->proc.pid;
	l->start_time = stat_start_time(l->pid);
	for (int i = 0; i < 2; i++) {
		ss[i]->open = uv_read_start((uv_stream_t *)&ss[i]->pipe, out_alloc, out_read) == 0;
	}

	vproc *v = model_add(m, l->pid, l->start_time);
	if (v) {
		v->launched = true;
		v->ppid = getpid();
		v->uid = getuid();
		const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		snprintf(v->name, sizeof v->name, "%s", base);
		size_t len = 1;
		for (int i = 0; argv[i]; i++)
			len += strlen(argv[i]) + 1;
		v->cmdline = malloc(len);
		if (v->cmdline) {
			v->cmdline[0] = 0;
			for (int i = 0; argv[i]; i++) {
				if (i)
					strcat(v->cmdline, " ");
				strcat(v->cmdline, argv[i]);
			}
		}
	}
	model_status(m, "launched %s (PID %d)", l->name, l->pid);
	return l;
}

launch *launch_start(uv_loop_t *loop, model *m, char *const argv[], const char *probe_path,
		     const char *log_path, char *err, size_t errlen)
{
	return launch_spawn(loop, m, argv, probe_path, log_path, NULL, err, errlen);
}

bool launch_running(const launch *l)
{
	return l && l->wait_status == -1;
}

int launch_pid(const launch *l)
{
	return l ? l->pid : -1;
}

bool launch_drained(const launch *l)
{
	return l && !l->out.open && !l->err.open;
}

int launch_wait_status(const launch *l)
{
	return l ? l->wait_status : -1;
}

void launch_signal(launch *l, int sig)
{
	if (!launch_running(l))
		return;
	/* the child leads its own process group (UV_PROCESS_DETACHED) */
	if (kill(-l->pid, sig) < 0)
		kill(l->pid, sig);
}

void launch_close(launch *l)
{
	if (!l || l->closing)
		return;
	l->closing = true;
	if (!launch_running(l)) {
		close_handles(l);
		return;
	}
	launch_signal(l, SIGTERM);
	uv_timer_start(&l->grace, grace_expired, LAUNCH_GRACE_MS, 0);
}

int launch_demo(uv_loop_t *loop, model *m, const char *probe_path, const char *demo_dir,
		const char *log_path, launch **out, int max, char *err, size_t errlen)
{
	static const char *const demos[] = { "healthy", "leaky", "stall" };
	int n = 0;
	char first_err[256] = "";
	for (size_t i = 0; i < sizeof demos / sizeof demos[0] && n < max; i++) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof path, "%s/%s.js", demo_dir, demos[i]);
		if (access(path, R_OK) < 0) {
			if (!first_err[0])
				snprintf(first_err, sizeof first_err, "demo program %.200s: %s", path,
					 strerror(errno));
			continue;
		}
		char *const argv[] = { "node", path, NULL };
		char e[256];
		launch *l = launch_spawn(loop, m, argv, probe_path, log_path, demos[i], e, sizeof e);
		if (!l) {
			if (!first_err[0])
				snprintf(first_err, sizeof first_err, "%s", e);
			continue;
		}
		out[n++] = l;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s", first_err[0] ? first_err : "no demo to launch");
		return -1;
	}
	return n;
}
