/* probe_capture — a capture from chunks to a file; see probe_capture.h.
 *
 * Data: a probe_capture holds the temp file's fd and name, what was received
 * (bytes, and UTF-16 units: what the probe counts) and where it goes.  While
 * slot != NULL, *slot == this and p is the live process it was asked of; an
 * orphan (slot == NULL) only finishes its file sync and removes its file.
 * Chunks are written with plain write(2) from the read callback: at most
 * 64 Ki characters at a time into the page cache, a few microseconds each;
 * only the final fsync can block for long, and it runs on the thread pool.
 */
#include "collectors/probe_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collectors/probe_line.h"
#include "base/clock.h"
#include "base/fmt.h"
#include "base/xalloc.h"

#define OUT_DIR_MAX 400			/* so that every file name fits capture.path */
#define OUT_PATH_MAX 512

typedef struct capkind {
	const char *cmd;	/* protocol command */
	const char *ext;	/* file extension */
	const char *kind;	/* capture.kind in the model */
	const char *label;	/* for messages */
	bool timed;		/* takes "seconds" */
} capkind;

static const capkind capkinds[] = {
	{ "heap_snapshot", "heapsnapshot", "heapsnapshot", "heap snapshot", false },
	{ "cpu_profile", "cpuprofile", "cpuprofile", "CPU profile", true },
	{ "report", "json", "report", "report", false },
};

struct probe_capture {
	const probe_capture_env *env;
	probe_capture **slot;	/* NULL once orphaned */
	vproc *p;		/* valid while slot != NULL */
	const capkind *k;
	long long id;
	int fd;
	int pid;
	bool saving;		/* reply came; fsync in flight */
	long long bytes;	/* bytes written */
	long long units;	/* UTF-16 code units, what the probe counts */
	int64_t t_ms;
	char stamp[20];		/* YYYYmmdd-HHMMSS of the request */
	char name[NAME_LEN];	/* sanitized process name */
	char tmp[OUT_PATH_MAX];
	probe_done_cb cb;
	void *ud;
	uv_fs_t fsreq;
};

static const capkind *capkind_find(const char *cmd)
{
	for (size_t i = 0; i < sizeof capkinds / sizeof capkinds[0]; i++)
		if (cmd && strcmp(cmd, capkinds[i].cmd) == 0)
			return &capkinds[i];
	return NULL;
}

/* UTF-16 code units of UTF-8 text: what JavaScript's string.length counts. */
static long long utf16_units(const char *s, size_t n)
{
	long long u = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch & 0xc0) != 0x80)
			u += ch >= 0xf0 ? 2 : 1;
	}
	return u;
}

/* A process label as a file name part: only [A-Za-z0-9._-], no leading dot. */
static void sanitize_name(char *dst, size_t n, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < n; i++) {
		char ch = src[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			  ch == '-' || ch == '_' || (ch == '.' && i > 0);
		dst[i] = ok ? ch : '_';
	}
	dst[i] = 0;
	if (!i)
		snprintf(dst, n, "node");
}

int probe_capture_check(const probe_capture_env *env, const char *cmd, int seconds, char *err, size_t errlen)
{
	const capkind *k = capkind_find(cmd);
	if (!k)
		return probe_errf(err, errlen, "unknown capture '%s' (heap_snapshot, cpu_profile or report)",
				  cmd ? cmd : "");
	if (strlen(env->out_dir) > OUT_DIR_MAX)
		return probe_errf(err, errlen, "output directory path is over %d characters", OUT_DIR_MAX);
	if (k->timed && (seconds < 1 || seconds > 300))
		return probe_errf(err, errlen, "CPU profile length must be 1..300 seconds, not %d", seconds);
	return 0;
}

probe_capture *probe_capture_new(const probe_capture_env *env, probe_capture **slot, vproc *p,
				 const char *cmd, int seconds, int thread_id, long long id, probe_done_cb cb,
				 void *ud, char *line, size_t linelen, char *err, size_t errlen)
{
	if (probe_capture_check(env, cmd, seconds, err, errlen) < 0)
		return NULL;
	if (thread_id < 0 || (thread_id > 0 && strcmp(cmd, "heap_snapshot") != 0)) {
		probe_errf(err, errlen, "only a heap snapshot can be of a worker thread");
		return NULL;
	}
	probe_capture *j = xcalloc(1, sizeof *j);
	j->env = env;
	j->slot = slot;
	j->p = p;
	j->k = capkind_find(cmd);
	j->id = id;
	j->pid = p->pid;
	j->fd = -1;
	j->cb = cb;
	j->ud = ud;
	j->t_ms = clock_wall_ms();
	time_t now = (time_t)(j->t_ms / 1000);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(j->stamp, sizeof j->stamp, "%Y%m%d-%H%M%S", &tm);
	char label[NAME_LEN + 16];
	model_proc_label(p, label, sizeof label);
	if (thread_id > 0) {	/* "app.js-t3": whose isolate it is */
		char tl[24];
		snprintf(tl, sizeof tl, "-t%d", thread_id);
		size_t room = sizeof label - strlen(tl) - 1, len = strlen(label);
		snprintf(label + (len < room ? len : room), sizeof label - (len < room ? len : room), "%s", tl);
	}
	sanitize_name(j->name, sizeof j->name, label);
	const char *dir = env->out_dir, *ext = j->k->ext;
	for (int i = 0; i < 10 && j->fd < 0; i++) {
		if (i == 0)
			snprintf(j->tmp, sizeof j->tmp, "%.400s/.%s-%d-%s.%s.tmp", dir, j->name, j->pid, j->stamp, ext);
		else
			snprintf(j->tmp, sizeof j->tmp, "%.400s/.%s-%d-%s-%d.%s.tmp", dir, j->name, j->pid, j->stamp, i, ext);
		j->fd = open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (j->fd < 0 && errno != EEXIST)
			break;
	}
	if (j->fd < 0) {
		probe_errf(err, errlen, "cannot create %s: %s", j->tmp, strerror(errno));
		free(j);
		return NULL;
	}
	if (j->k->timed)
		snprintf(line, linelen, "{\"id\":%lld,\"cmd\":\"%s\",\"seconds\":%d}", id, j->k->cmd, seconds);
	else if (thread_id > 0)
		snprintf(line, linelen, "{\"id\":%lld,\"cmd\":\"%s\",\"thread_id\":%d}", id, j->k->cmd, thread_id);
	else
		snprintf(line, linelen, "{\"id\":%lld,\"cmd\":\"%s\"}", id, j->k->cmd);
	return j;
}

void probe_capture_cancel(probe_capture *j)
{
	close(j->fd);
	unlink(j->tmp);
	free(j);
}

bool probe_capture_owns(const probe_capture *j, long long id)
{
	return j && j->id == id && !j->saving;
}

const char *probe_capture_label(const probe_capture *j)
{
	return j->k->label;
}

long long probe_capture_bytes(const probe_capture *j)
{
	return j->bytes;
}

void probe_capture_fail(probe_capture *j, const char *why)
{
	probe_done_cb cb = j->cb;
	void *ud = j->ud;
	vproc *p = j->slot ? j->p : NULL;
	if (j->slot)
		*j->slot = NULL;
	if (j->fd >= 0)
		close(j->fd);
	unlink(j->tmp);
	model_status(j->env->m, "%s", why);
	free(j);
	if (cb && p)
		cb(ud, p, 0, why);
}

void probe_capture_orphan(probe_capture *j, bool notify, const char *why)
{
	vproc *p = j->p;
	probe_done_cb cb = notify ? j->cb : NULL;
	void *ud = j->ud;
	j->slot = NULL;
	j->p = NULL;
	if (!j->saving) {	/* else the sync's end sees the orphan and removes the file */
		close(j->fd);
		unlink(j->tmp);
		free(j);
	}
	if (cb)
		cb(ud, p, 0, why);
}

/* Pick the final name: <dir>/<name>-<pid>-<stamp>.<ext>, never replacing an
 * existing file (a second capture in the same second gets a -2 suffix). */
static int capture_rename(probe_capture *j, char *final, size_t n)
{
	const char *dir = j->env->out_dir;
	for (int k = 1; k < 100; k++) {
		if (k == 1)
			snprintf(final, n, "%.400s/%s-%d-%s.%s", dir, j->name, j->pid, j->stamp, j->k->ext);
		else
			snprintf(final, n, "%.400s/%s-%d-%s-%d.%s", dir, j->name, j->pid, j->stamp, k, j->k->ext);
		if (renameat2(AT_FDCWD, j->tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* file system without RENAME_NOREPLACE: link() also refuses to replace */
		if (link(j->tmp, final) == 0)
			return unlink(j->tmp), 0;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static void capture_synced(uv_fs_t *req)
{
	probe_capture *j = req->data;
	const probe_capture_env *env = j->env;
	ssize_t res = req->result;
	uv_fs_req_cleanup(req);
	close(j->fd);
	j->fd = -1;
	if (!j->slot) {	/* forgotten or shutting down meanwhile */
		unlink(j->tmp);
		free(j);
		env->hold(env->owner, -1);
		return;
	}
	char why[OUT_PATH_MAX + 128], final[OUT_PATH_MAX], size[32];
	if (res < 0) {
		snprintf(why, sizeof why, "%s not saved: cannot write %s: %s", j->k->label, j->tmp,
			 uv_strerror((int)res));
		probe_capture_fail(j, why);
	} else if (capture_rename(j, final, sizeof final) < 0) {
		snprintf(why, sizeof why, "%s not saved: cannot rename %s: %s", j->k->label, j->tmp,
			 strerror(errno));
		probe_capture_fail(j, why);
	} else {
		vproc *p = j->p;
		*j->slot = NULL;
		capture c = { .t_ms = j->t_ms, .bytes = (uint64_t)j->bytes };
		snprintf(c.kind, sizeof c.kind, "%s", j->k->kind);
		snprintf(c.path, sizeof c.path, "%s", final);
		model_capture_add(p, &c);
		fmt_bytes(size, sizeof size, (double)j->bytes);
		model_status(env->m, "%s saved: %s (%s)", j->k->label, final, size);
		probe_done_cb cb = j->cb;
		void *ud = j->ud;
		free(j);
		if (cb)
			cb(ud, p, 1, final);
	}
	env->hold(env->owner, -1);	/* last: it may free env's owner */
}

/* The reply came: make the data durable off the loop thread (fsync of a
 * 200 MB file can take a second), then rename. */
void probe_capture_reply(probe_capture *j, bool ok, double chars)
{
	char why[256];
	if (!ok) {
		snprintf(why, sizeof why, "%s failed in the probe; no file written", j->k->label);
		probe_capture_fail(j, why);
		return;
	}
	/* the probe counts JS characters; we count UTF-16 units of what we wrote */
	if (!isnan(chars) && (long long)chars != j->units && (long long)chars != j->bytes) {
		snprintf(why, sizeof why, "%s not saved: got %lld of %.0f characters", j->k->label, j->units, chars);
		probe_capture_fail(j, why);
		return;
	}
	j->saving = true;
	j->fsreq.data = j;
	int rc = uv_fs_fsync(j->env->loop, &j->fsreq, j->fd, capture_synced);
	if (rc < 0) {
		snprintf(why, sizeof why, "%s not saved: %s", j->k->label, uv_strerror(rc));
		j->saving = false;
		probe_capture_fail(j, why);
		return;
	}
	j->env->hold(j->env->owner, +1);
}

void probe_capture_chunk(probe_capture *j, const char *data, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(j->fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			char why[OUT_PATH_MAX + 128];
			snprintf(why, sizeof why, "%s not saved: cannot write %s: %s", j->k->label, j->tmp,
				 strerror(w < 0 ? errno : EIO));
			probe_capture_fail(j, why);
			return;
		}
		off += (size_t)w;
	}
	j->bytes += (long long)n;
	j->units += utf16_units(data, n);
}
