/* app_record — `vitals record` and `vitals replay` inside the one loop.
 *
 * Record is headless mode with its JSON lines going into a recording
 * (record/recfile) instead of stdout, plus the GC events of each tick
 * (record/rec_lines): a block is written every REC_FLUSH_MS (every tick when
 * the output is a stream, `-o -`, for --remote) and when vitals quits, so a
 * killed recorder loses at most that much.
 *
 * Replay is a collector in place of the proc and probe collectors: on a
 * 100 ms timer it advances the replay clock (times the speed, not while the
 * view is paused) and applies every recorded line up to it to the model,
 * which the views draw as they draw a live one; m.now_ms is the replay
 * clock.  Nothing reaches a real process (app_act refuses those actions).
 * The file is read 64 KB at a time as the clock needs it, so a recording of
 * any length costs the model's bounded memory.  Damage ends the replay with
 * one message in the status line, after everything before it was shown.
 *
 * A jump (G) forward applies the lines up to the moment; a jump back starts
 * the model afresh from the top of the file, as there is no undoing a line.
 * Either runs in slices of REPLAY_SLICE_MS, one per loop turn (the timer
 * due at once), so a day-long recording keeps the screen answering while it
 * is read again. */
#include "tui/app_priv.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/paths.h"
#include "base/xalloc.h"
#include "base/text.h"
#include "record/rec_lines.h"
#include "record/recfile.h"
#include "record/rec_time.h"
#include "tui/headless.h"

#define REC_FLUSH_MS 10000
#define REPLAY_STEP_MS 100
#define REPLAY_GAP_MS 10000	/* a longer silence (recorder stopped) is skipped */
#define REPLAY_SLICE_MS 40	/* a jump's work per timer turn */

/* ---- record ------------------------------------------------------------- */

int app_record_open(app *a, char *err, size_t errlen)
{
	char def[PATH_MAX + 16];
	const char *path = a->opt.output;
	if (!path) {
		char dir[PATH_MAX];
		if (!paths_user(PATHS_STATE, "vitals", dir, sizeof dir) || app_mkdir_p(dir) < 0) {
			snprintf(err, errlen, "no state directory for the recording: give -o FILE");
			return -1;
		}
		snprintf(def, sizeof def, "%s/record.vrec", dir);
		path = def;
	}
	rec_writer_opts o = { .path = path, .daily = true,
			      .max_bytes = (uint64_t)((a->opt.max_size_mb > 0 ? a->opt.max_size_mb : 64) * 1048576) };
	a->rec = rec_writer_open(&o, err, errlen);
	if (!a->rec)
		return -1;
	a->json_out = rec_writer_stream(a->rec);
	a->rec_flushed_ms = a->m.now_ms;
	rec_write_header(a->json_out, a->m.now_ms, (int)(a->cfg.interval_s * 1000));
	if (strcmp(path, "-") != 0)
		fprintf(stderr, "vitals: recording to %s\n", path);
	return 0;
}

/* A new file says again which alerts are firing (each as it was raised,
 * with its time), so it replays alone with them; a replay of the set skips
 * the repeats (rec_lines).  The log is newest first: an alert is firing when
 * its newest entry for that process and rule is. */
static void restate_firing(app *a)
{
	for (uint32_t i = 0; i < a->m.alerts_len; i++) {
		const model_alert *al = model_alert_get(&a->m, i);
		bool newer = false;
		for (uint32_t j = 0; j < i && !newer; j++) {
			const model_alert *b = model_alert_get(&a->m, j);
			newer = b->pid == al->pid && strcmp(b->rule, al->rule) == 0;
		}
		if (!newer && al->state == ALERT_FIRING)
			app_json_written(a, headless_alert(a->json_out, al, NULL));
	}
}

/* After the tick's lines: this tick's GC events, then a block when due.  A
 * new file (rotation) starts with the header and every process found again,
 * so each file replays on its own. */
void app_record_tick(app *a, int64_t now, bool last)
{
	if (!a->rec || a->json_err)
		return;
	for (size_t i = 0; i < a->nseen; i++)
		app_json_written(a, rec_write_gc(a->json_out, a->seen[i].p, &a->seen[i].gc_seen, now));
	bool stream = a->opt.output && strcmp(a->opt.output, "-") == 0;
	if (!last && !stream && now - a->rec_flushed_ms < REC_FLUSH_MS && rec_writer_pending(a->rec) < (1u << 20))
		return;
	char err[256];
	bool rotated;
	if (rec_writer_flush(a->rec, now, &rotated, err, sizeof err) < 0) {
		fprintf(stderr, "vitals: %s\n", err);
		a->json_err = -EIO;	/* the next tick stops */
		a->exit_code = 1;
		return;
	}
	a->rec_flushed_ms = now;
	if (rotated) {
		rec_write_header(a->json_out, now, (int)(a->cfg.interval_s * 1000));
		a->nseen = 0;	/* "found" again for each process, in the new file */
		restate_firing(a);
	}
}

void app_record_close(app *a)
{
	if (!a->rec)
		return;
	app_record_tick(a, a->m.now_ms, true);
	rec_writer_close(a->rec);
	a->rec = NULL;
	a->json_out = stdout;
}

/* ---- replay ------------------------------------------------------------- */

struct replay {
	FILE *f;		/* files[cur] */
	const char **files;	/* owned array (the strings are argv's), in recorded order */
	int nfiles, cur;
	rec_reader *r;
	rec_line *next;		/* parsed, waiting for the clock */
	int64_t clock;		/* the moment shown; 0 before the first line */
	int64_t start;		/* the first header's time */
	int64_t last_ts;	/* the last line applied */
	int64_t seek_to;	/* a jump under way (G): where to; 0 = none */
	int speed;
	bool done;
	uint64_t bad_lines;
	unsigned char buf[65536];
};

static void clock_text(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* The end of the recording, clean or not: said once in the status line. */
static void replay_end(app *a, const char *why)
{
	struct replay *rp = a->rp;
	rp->done = true;
	if (rp->last_ts > rp->clock)
		rp->clock = rp->last_ts;	/* the end is the last line's moment */
	char t[32];
	clock_text(rp->clock, t, sizeof t);
	char shown[200];
	const char *name = rp->files[rp->cur];
	text_clean(shown, sizeof shown, name, strlen(name), TEXT_UTF8);
	if (why && rp->clock)
		model_status(&a->m, "%s: %s; replayed up to %s", shown, why, t + 11);
	else if (why)
		model_status(&a->m, "%s: %s", shown, why);
	else
		model_status(&a->m, "end of the recording at %s — space pauses, ← → scroll, G jumps to a time, q quits", t);
}

/* Read files[i] from its start: 0, or an errno. */
static int replay_file(struct replay *rp, int i)
{
	FILE *f = fopen(rp->files[i], "rbe");
	if (!f)
		return errno;
	if (rp->f)
		fclose(rp->f);
	rp->f = f;
	rp->cur = i;
	rec_reader_free(rp->r);
	rp->r = rec_reader_new();
	return 0;
}

/* The time of path's header (its first line): 0, or -1 with why in err. */
static int file_start(const char *path, int64_t *ts, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rec_reader *r = rec_reader_new();
	unsigned char *buf = xmalloc(65536);
	const char *line;
	size_t len;
	int rc;
	while ((rc = rec_reader_next(r, &line, &len)) == 0) {
		size_t n = fread(buf, 1, 65536, f);
		if (n == 0)
			break;
		rec_reader_feed(r, buf, n);
	}
	if (rc == 0) {
		rec_reader_eof(r);
		rc = rec_reader_next(r, &line, &len);
	}
	rec_line *l = rc > 0 ? rec_line_parse(line, len, err, errlen) : NULL;
	int ok = l && rec_line_is_header(l) ? 0 : -1;
	if (ok == 0)
		*ts = rec_line_ts(l);
	else if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, rec_reader_error(r));
	else
		snprintf(err, errlen, "%s: %s", path, rc == 0 ? "an empty recording" : "not a vitals recording (no header line)");
	rec_line_free(l);
	rec_reader_free(r);
	free(buf);
	fclose(f);
	return ok;
}

/* The next line of the recording, parsed; NULL at the end or damage
 * (replay_end said which).  Lines that do not parse are skipped. */
static rec_line *replay_pull(app *a)
{
	struct replay *rp = a->rp;
	for (;;) {
		const char *line;
		size_t len;
		int rc = rec_reader_next(rp->r, &line, &len);
		if (rc > 0) {
			char err[128];
			rec_line *l = rec_line_parse(line, len, err, sizeof err);
			if (l)
				return l;
			rp->bad_lines++;
			continue;
		}
		if (rc < 0) {
			replay_end(a, rec_reader_error(rp->r));
			return NULL;
		}
		size_t n = fread(rp->buf, 1, sizeof rp->buf, rp->f);
		if (n > 0) {
			rec_reader_feed(rp->r, rp->buf, n);
			continue;
		}
		if (ferror(rp->f)) {
			replay_end(a, strerror(errno));
			return NULL;
		}
		rec_reader_eof(rp->r);
		rc = rec_reader_next(rp->r, &line, &len);	/* a member cut short says so */
		if (rc < 0) {
			replay_end(a, rec_reader_error(rp->r));
			return NULL;
		}
		if (rp->cur + 1 < rp->nfiles) {	/* on into the next file, its header first */
			int err = replay_file(rp, rp->cur + 1);
			if (err) {
				replay_end(a, strerror(err));
				return NULL;
			}
			continue;
		}
		replay_end(a, NULL);
		return NULL;
	}
}

/* Read the header (the first line) and apply it: "" in why, or why not. */
static void replay_header(app *a, char *why, size_t n)
{
	struct replay *rp = a->rp;
	why[0] = 0;
	rp->next = replay_pull(a);
	if (!rp->next)
		snprintf(why, n, "%s", a->m.status[0] ? a->m.status : "an empty recording");
	else if (!rec_line_is_header(rp->next))
		snprintf(why, n, "%s: not a vitals recording (no header line)", rp->files[rp->cur]);
	else if (rec_line_apply(rp->next, &a->m, NULL, why, n) == 0) {
		rp->clock = rp->start = rp->last_ts = rec_line_ts(rp->next);
		rec_line_free(rp->next);
		rp->next = NULL;
		rp->done = false;
	}
}

struct file_at {
	const char *path;
	int64_t ts;
};

static int by_start(const void *x, const void *y)
{
	const struct file_at *a = x, *b = y;
	return a->ts < b->ts ? -1 : a->ts > b->ts;
}

int app_replay_open(app *a, char *err, size_t errlen)
{
	/* several files (a recording and its rotated parts): in the order of
	 * their headers' times, whatever order they were named in */
	int nf = a->opt.nreplay > 0 ? a->opt.nreplay : 1;
	struct file_at *at = xcalloc((size_t)nf, sizeof *at);
	for (int i = 0; i < nf; i++) {
		at[i].path = a->opt.nreplay > 0 ? a->opt.replay_files[i] : a->opt.replay;
		if (nf > 1 && file_start(at[i].path, &at[i].ts, err, errlen) < 0) {
			free(at);
			return -1;
		}
	}
	qsort(at, (size_t)nf, sizeof *at, by_start);
	struct replay *rp = xcalloc(1, sizeof *rp);
	rp->files = xcalloc((size_t)nf, sizeof *rp->files);
	for (int i = 0; i < nf; i++)
		rp->files[i] = at[i].path;
	rp->nfiles = nf;
	free(at);
	int e = replay_file(rp, 0);
	if (e) {
		snprintf(err, errlen, "%s: %s", rp->files[0], strerror(e));
		free(rp->files);
		free(rp);
		return -1;
	}
	rp->speed = a->opt.speed > 0 ? (int)a->opt.speed : 1;
	a->rp = rp;
	/* the first line must be a header this vitals reads: say so before the
	 * screen is taken */
	char why[200];
	replay_header(a, why, sizeof why);
	if (why[0]) {
		snprintf(err, errlen, "%s", why);
		app_replay_close(a);
		return -1;
	}
	a->m.now_ms = rp->clock;
	a->m.status[0] = 0;
	return 0;
}

/* Apply the lines up to the moment until; with a deadline (wall ms), stop
 * when it has passed and return false (more to do).  A silence longer than
 * REPLAY_GAP_MS is skipped by moving *until, unless jumping. */
static bool replay_apply(app *a, int64_t *until, int64_t deadline)
{
	struct replay *rp = a->rp;
	for (unsigned k = 1;; k++) {
		if (deadline && k % 256 == 0 && clock_mono_ms() > deadline)
			return false;
		if (!rp->next && !(rp->next = replay_pull(a)))
			return true;
		int64_t ts = rec_line_ts(rp->next);
		if (ts > *until) {
			if (!deadline && ts - *until > REPLAY_GAP_MS)
				*until = ts - 1000;	/* skip a silence */
			return true;
		}
		char err[200];
		int rc = rec_line_apply(rp->next, &a->m, NULL, err, sizeof err);
		rec_line_free(rp->next);
		rp->next = NULL;
		if (rc < 0) {
			rp->clock = *until;
			replay_end(a, err);
			return true;
		}
		if (ts > rp->last_ts)
			rp->last_ts = ts;
	}
}

/* Back to the top of the file with an empty model (a jump back). */
static void replay_rewind(app *a)
{
	struct replay *rp = a->rp;
	rec_line_free(rp->next);
	rp->next = NULL;
	int e = replay_file(rp, 0);
	if (e) {
		replay_end(a, strerror(e));
		return;
	}
	char status[sizeof a->m.status];
	snprintf(status, sizeof status, "%s", a->m.status);
	void (*on_status)(void *, const char *) = a->m.on_status;
	void *ud = a->m.on_status_ud;
	a->rows.n = 0;	/* the rows point into the model being freed */
	model_free(&a->m);
	model_init(&a->m, &a->cfg.ring);
	a->m.on_status = on_status;
	a->m.on_status_ud = ud;
	char why[200];
	replay_header(a, why, sizeof why);
	if (why[0])
		replay_end(a, why);	/* the file changed under us */
	else
		snprintf(a->m.status, sizeof a->m.status, "%s", status);
}

/* A slice of the jump under way: true when it has arrived. */
static bool replay_seek_step(app *a)
{
	struct replay *rp = a->rp;
	int64_t until = rp->seek_to;
	if (!replay_apply(a, &until, clock_mono_ms() + REPLAY_SLICE_MS)) {
		char t[32];
		clock_text(rp->seek_to, t, sizeof t);
		model_status(&a->m, "jumping to %s…", t + 11);
		return false;
	}
	rp->clock = rp->done && rp->last_ts < rp->seek_to ? rp->last_ts : rp->seek_to;
	rp->seek_to = 0;
	a->ui.end_ms = rp->clock;	/* a paused view shows the moment jumped to */
	if (!rp->done) {
		char t[32];
		clock_text(rp->clock, t, sizeof t);
		model_status(&a->m, "at %s%s", t, a->ui.paused ? " (paused: space plays)" : "");
	}
	return true;
}

void app_replay_jump(app *a, const char *typed)
{
	struct replay *rp = a->rp;
	int64_t to;
	char err[160];
	if (!rp) {
		model_status(&a->m, "jumping to a time is for vitals replay");
		return;
	}
	if (rec_time_parse(typed, rp->clock, &to, err, sizeof err) < 0) {
		model_status(&a->m, "%s", err);
		return;
	}
	if (to < rp->start)
		to = rp->start;
	if (to < rp->clock || (rp->done && to < rp->last_ts))
		replay_rewind(a);
	rp->seek_to = to;
	if (replay_seek_step(a))
		a->m.now_ms = rp->clock;
	else
		uv_timer_start(&a->tick_timer, app_replay_tick, 0, REPLAY_STEP_MS);
	model_groups(&a->m);
	model_touch(&a->m);
	a->repaint = true;
}

void app_replay_tick(uv_timer_t *t)
{
	app *a = t->data;
	struct replay *rp = a->rp;
	if (rp->seek_to) {
		if (!replay_seek_step(a)) {
			/* the next slice at the next loop turn, after the keys, not a
			 * step later: a jump runs at full speed and stays stoppable */
			uv_timer_start(t, app_replay_tick, 0, REPLAY_STEP_MS);
			return;
		}
	} else {
		if (a->ui.paused || rp->done)
			return;
		int64_t until = rp->clock + (int64_t)REPLAY_STEP_MS * rp->speed;
		replay_apply(a, &until, 0);
		if (!rp->done && until > rp->clock)
			rp->clock = until;
	}
	a->m.now_ms = rp->clock;
	model_groups(&a->m);
	model_touch(&a->m);
	a->repaint = true;
}

void app_replay_speed(app *a, int dir)
{
	if (!a->rp) {
		model_status(&a->m, "playback speed is for vitals replay");
		return;
	}
	int s = dir > 0 ? a->rp->speed * 2 : a->rp->speed / 2;
	a->rp->speed = s < 1 ? 1 : s > 64 ? 64 : s;
	model_status(&a->m, "replay at %dx", a->rp->speed);
}

void app_replay_close(app *a)
{
	struct replay *rp = a->rp;
	if (!rp)
		return;
	rec_line_free(rp->next);
	rec_reader_free(rp->r);
	fclose(rp->f);
	free(rp->files);
	free(rp);
	a->rp = NULL;
}

/* ---- --remote ------------------------------------------------------------ */

/* The command run for each host, by /bin/sh with the host as $1 (never
 * pasted into the command text): vitals there writes its stream. */
#define REMOTE_DEFAULT "exec ssh -o BatchMode=yes -- \"$1\" vitals record -o -"

struct remote {
	app *a;
	const char *host;
	uv_process_t proc;
	uv_pipe_t out, err;
	int open;		/* handles not yet closed */
	bool running;
	rec_reader *r;
	char last_err[160];	/* the command's last line on stderr */
	char buf[65536];
	char ebuf[1024];
};

static void remote_alloc(uv_handle_t *h, size_t want, uv_buf_t *b)
{
	struct remote *rm = h->data;
	(void)want;
	if ((uv_pipe_t *)h == &rm->out)
		*b = uv_buf_init(rm->buf, sizeof rm->buf);
	else
		*b = uv_buf_init(rm->ebuf, sizeof rm->ebuf - 1);
}

static void remote_closed(uv_handle_t *h)
{
	struct remote *rm = h->data;
	rm->open--;
}

static void remote_stop(struct remote *rm)
{
	if (rm->running)
		uv_process_kill(&rm->proc, SIGTERM);
	if (!uv_is_closing((uv_handle_t *)&rm->out))
		uv_close((uv_handle_t *)&rm->out, remote_closed);
	if (!uv_is_closing((uv_handle_t *)&rm->err))
		uv_close((uv_handle_t *)&rm->err, remote_closed);
}

/* What went wrong with a host: the status line, or stderr under --json
 * (where no status line is shown); a failure makes --json's exit code 1. */
__attribute__((format(printf, 2, 3)))
static void remote_say(struct remote *rm, const char *fmt, ...)
{
	char msg[sizeof rm->a->m.status];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (rm->a->headless) {
		fprintf(stderr, "vitals: %s\n", msg);
		rm->a->exit_code = 1;
	} else {
		model_status(&rm->a->m, "%s", msg);
	}
}

static void remote_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct remote *rm = s->data;
	app *a = rm->a;
	if (n < 0) {
		uv_close((uv_handle_t *)s, remote_closed);
		return;
	}
	rec_reader_feed(rm->r, b->base, (size_t)n);
	const char *line;
	size_t len;
	int rc;
	while ((rc = rec_reader_next(rm->r, &line, &len)) > 0) {
		char err[200];
		rec_line *l = rec_line_parse(line, len, err, sizeof err);
		if (!l)
			continue;
		uint32_t head = a->m.alerts_head;
		if (rec_line_apply(l, &a->m, rm->host, err, sizeof err) < 0) {
			remote_say(rm, "%s: %s", rm->host, err);
			rc = 0;
			rec_line_free(l);
			remote_stop(rm);
			return;
		}
		rec_line_free(l);
		if (a->opt.json)	/* its alerts as they come, oldest first, with the host */
			for (uint32_t k = (a->m.alerts_head + ALERT_LOG_CAP - head) % ALERT_LOG_CAP; k-- > 0;)
				app_json_written(a, headless_alert(a->json_out, model_alert_get(&a->m, k), rm->host));
	}
	if (rc < 0) {
		remote_say(rm, "%s: the stream is %s", rm->host, rec_reader_error(rm->r));
		remote_stop(rm);
	}
}

/* stderr of the command (ssh's complaints): the last line is kept for the
 * status line, never written to the screen as it comes. */
static void remote_err_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct remote *rm = s->data;
	if (n < 0) {
		uv_close((uv_handle_t *)s, remote_closed);
		return;
	}
	b->base[n] = 0;
	char *end = b->base + n;
	while (end > b->base && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = 0;
	char *start = strrchr(b->base, '\n');
	start = start ? start + 1 : b->base;
	if (*start)
		text_clean(rm->last_err, sizeof rm->last_err, start, strlen(start), TEXT_UTF8);
}

static void remote_exit(uv_process_t *p, int64_t status, int sig)
{
	struct remote *rm = p->data;
	rm->running = false;
	if (!rm->a->quitting) {
		if (sig)
			remote_say(rm, "%s: the remote command ended by signal %d %s", rm->host, sig, rm->last_err);
		else
			remote_say(rm, "%s: the remote command ended (exit %lld)%s%s", rm->host,
				   (long long)status, rm->last_err[0] ? ": " : "", rm->last_err);
	}
	uv_close((uv_handle_t *)p, remote_closed);
}

int app_remote_open(app *a, char *err, size_t errlen)
{
	const char *cmd = getenv("VITALS_REMOTE_COMMAND");
	if (!cmd || !*cmd)
		cmd = REMOTE_DEFAULT;
	a->remotes = xcalloc((size_t)a->opt.nremotes, sizeof *a->remotes);
	for (int i = 0; i < a->opt.nremotes; i++) {
		struct remote *rm = &a->remotes[i];
		rm->a = a;
		rm->host = a->opt.remotes[i];
		rm->r = rec_reader_new();
		uv_pipe_init(a->loop, &rm->out, 0);
		uv_pipe_init(a->loop, &rm->err, 0);
		rm->out.data = rm->err.data = rm->proc.data = rm;
		rm->open = 2;
		char *args[] = { "/bin/sh", "-c", (char *)cmd, "vitals-remote", (char *)rm->host, NULL };
		uv_stdio_container_t io[3] = {
			{ .flags = UV_IGNORE },
			{ .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&rm->out },
			{ .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&rm->err },
		};
		uv_process_options_t po = { .exit_cb = remote_exit, .file = args[0], .args = args,
					    .stdio_count = 3, .stdio = io };
		int rc = uv_spawn(a->loop, &rm->proc, &po);
		if (rc < 0) {
			snprintf(err, errlen, "--remote %s: cannot run /bin/sh: %s", rm->host, uv_strerror(rc));
			return -1;
		}
		rm->running = true;
		rm->open++;
		uv_read_start((uv_stream_t *)&rm->out, remote_alloc, remote_read);
		uv_read_start((uv_stream_t *)&rm->err, remote_alloc, remote_err_read);
	}
	model_status(&a->m, "watching %d host%s over ssh", a->opt.nremotes, a->opt.nremotes == 1 ? "" : "s");
	return 0;
}

/* --json: every host's command has ended (nothing more will come). */
static bool remotes_done(app *a)
{
	for (int i = 0; i < a->opt.nremotes; i++)
		if (a->remotes[i].running)
			return false;
	return true;
}

void app_remote_tick(uv_timer_t *t)
{
	app *a = t->data;
	int64_t now = clock_wall_ms();
	a->m.now_ms = now;
	model_groups(&a->m);
	model_touch(&a->m);
	a->repaint = true;
	if (!a->opt.json)
		return;
	app_headless_tick(a, now);
	if (a->json_err) {
		if (a->json_err != -EPIPE) {
			fprintf(stderr, "vitals: writing JSON output: %s\n", strerror(-a->json_err));
			a->exit_code = 1;
		}
		app_quit(a);
	} else if ((a->opt.duration_s > 0 && now - a->t_start >= (int64_t)(a->opt.duration_s * 1000)) ||
		   remotes_done(a)) {
		app_quit(a);
	}
}

void app_remote_close(app *a)
{
	for (int i = 0; a->remotes && i < a->opt.nremotes; i++)
		if (a->remotes[i].r)
			remote_stop(&a->remotes[i]);
}

/* After the loop has run the closes. */
void app_remote_free(app *a)
{
	for (int i = 0; a->remotes && i < a->opt.nremotes; i++)
		rec_reader_free(a->remotes[i].r);
	free(a->remotes);
	a->remotes = NULL;
}
