/* recfile — gzip members of JSON lines: the writer (with rotation) and the
 * incremental reader.  See recfile.h for the format and its invariants. */
#include "record/recfile.h"
#include "base/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* ---- writer ------------------------------------------------------------- */

struct rec_writer {
	rec_writer_opts o;
	char *path;		/* owned copy; NULL for stdout */
	int fd;
	FILE *lines;		/* fopencookie stream appending to buf */
	char *buf;		/* the pending block's lines */
	size_t len, cap;
	uint64_t file_bytes;	/* size of the current file */
	uint64_t total;		/* compressed bytes written */
	time_t file_start;	/* when the current file's data began (its name on rotation) */
	int file_yday, file_year;	/* local date of file_start */
};

static ssize_t cookie_write(void *c, const char *data, size_t n)
{
	rec_writer *w = c;
	if (w->len + n > w->cap) {
		while (w->len + n > w->cap)
			w->cap = w->cap ? w->cap * 2 : 65536;
		w->buf = xrealloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
	return (ssize_t)n;
}

static void set_file_date(rec_writer *w, time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	w->file_start = t;
	w->file_yday = tm.tm_yday;
	w->file_year = tm.tm_year;
}

static int open_file(rec_writer *w, char *err, size_t errlen)
{
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;
	if (w->fd < 0 || fstat(w->fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", w->path);
		close(w->fd);
		w->fd = -1;
		return -1;
	}
	/* an existing file (a restarted recorder appends) keeps its mode only if
	 * it is ours alone: a recording says what runs on the machine */
	if ((st.st_mode & 077) && fchmod(w->fd, 0600) < 0) {
		snprintf(err, errlen, "%s: cannot make it private: %s", w->path, strerror(errno));
		close(w->fd);
		w->fd = -1;
		return -1;
	}
	w->file_bytes = (uint64_t)st.st_size;
	set_file_date(w, st.st_size > 0 ? st.st_mtime : time(NULL));
	return 0;
}

rec_writer *rec_writer_open(const rec_writer_opts *o, char *err, size_t errlen)
{
	rec_writer *w = xcalloc(1, sizeof *w);
	w->o = *o;
	if (strcmp(o->path, "-") == 0) {
		w->fd = STDOUT_FILENO;
		w->o.max_bytes = 0;
		w->o.daily = false;
	} else {
		w->path = xstrdup(o->path);
		if (open_file(w, err, errlen) < 0) {
			free(w->path);
			free(w);
			return NULL;
		}
	}
	w->o.path = w->path ? w->path : "-";
	cookie_io_functions_t io = { .write = cookie_write };
	w->lines = fopencookie(w, "w", io);
	if (!w->lines)
		abort();	/* only on out of memory */
	return w;
}

FILE *rec_writer_stream(rec_writer *w) { return w->lines; }

size_t rec_writer_pending(rec_writer *w)
{
	fflush(w->lines);
	return w->len;
}

uint64_t rec_writer_bytes(const rec_writer *w) { return w->total; }

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The rotated file's name: FILE.YYYYmmdd-HHMMSS of its first data, with -N
 * added if that exists (rotations within one second). */
static int rotate(rec_writer *w, char *err, size_t errlen)
{
	struct tm tm;
	localtime_r(&w->file_start, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	char *to = NULL;
	for (int i = 0; i < 1000; i++) {
		free(to);
		to = i ? xasprintf("%s.%s-%d", w->path, stamp, i) : xasprintf("%s.%s", w->path, stamp);
		if (access(to, F_OK) < 0)
			break;
	}
	int rc = rename(w->path, to);
	if (rc < 0)
		snprintf(err, errlen, "rotating %s: %s", w->path, strerror(errno));
	free(to);
	close(w->fd);
	w->fd = -1;
	if (rc < 0)
		return -1;
	return open_file(w, err, errlen);
}

int rec_writer_flush(rec_writer *w, int64_t now_ms, bool *rotated, char *err, size_t errlen)
{
	*rotated = false;
	fflush(w->lines);
	if (w->len > 0) {
		z_stream z = { 0 };
		/* 15 + 16: a gzip member (header, CRC-32, length), so zcat reads it */
		if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		uLong bound = deflateBound(&z, (uLong)w->len);
		unsigned char *out = xmalloc(bound);
		z.next_in = (unsigned char *)w->buf;
		z.avail_in = (uInt)w->len;
		z.next_out = out;
		z.avail_out = (uInt)bound;
		int zr = deflate(&z, Z_FINISH);
		size_t n = bound - z.avail_out;
		deflateEnd(&z);
		if (zr != Z_STREAM_END)
			abort();	/* deflateBound guarantees the room */
		int rc = write_all(w->fd, out, n);
		free(out);
		w->len = 0;
		if (rc < 0) {
			/* a block cut short (disk full, file size limit) is taken
			 * back, so the file stays whole blocks only */
			if (w->path && ftruncate(w->fd, (off_t)w->file_bytes) < 0)
				snprintf(err, errlen, "writing %s: %s (and its last block could not be taken back: %s)",
					 w->path, strerror(-rc), strerror(errno));
			else
				snprintf(err, errlen, "writing %s: %s", w->path ? w->path : "standard output", strerror(-rc));
			return rc;
		}
		w->file_bytes += n;
		w->total += n;
	}
	if (!w->path)
		return 0;
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;
	localtime_r(&now, &tm);
	bool due = (w->o.max_bytes && w->file_bytes >= w->o.max_bytes) ||
		   (w->o.daily && w->file_bytes > 0 && (tm.tm_yday != w->file_yday || tm.tm_year != w->file_year));
	if (!due)
		return 0;
	if (rotate(w, err, errlen) < 0)
		return -EIO;
	set_file_date(w, now);
	*rotated = true;
	return 0;
}

void rec_writer_close(rec_writer *w)
{
	if (!w)
		return;
	fclose(w->lines);
	if (w->path && w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w->buf);
	free(w);
}

/* ---- reader ------------------------------------------------------------- */

struct rec_reader {
	z_stream z;
	bool in_member;		/* a member has begun and not ended */
	bool eof;
	unsigned char *out;	/* the member being decoded */
	size_t out_len, out_cap;
	unsigned char *done;	/* the last verified member, handed out line by line */
	size_t done_len, done_cap, pos;
	const unsigned char *in;
	size_t in_len;
	uint64_t offset, member_start;
	bool any;		/* a member was read whole */
	char err[200];
};

rec_reader *rec_reader_new(void)
{
	rec_reader *r = xcalloc(1, sizeof *r);
	/* 15 + 16: gzip only (a recording is never zlib or raw deflate) */
	if (inflateInit2(&r->z, 15 + 16) != Z_OK)
		abort();
	return r;
}

void rec_reader_free(rec_reader *r)
{
	if (!r)
		return;
	inflateEnd(&r->z);
	free(r->out);
	free(r->done);
	free(r);
}

void rec_reader_feed(rec_reader *r, const void *data, size_t n)
{
	r->in = data;
	r->in_len = n;
}

void rec_reader_eof(rec_reader *r) { r->eof = true; }

const char *rec_reader_error(const rec_reader *r) { return r->err; }
uint64_t rec_reader_offset(const rec_reader *r) { return r->offset; }

static int fail(rec_reader *r, const char *what)
{
	if (!r->err[0]) {
		if (!r->any && r->member_start == 0)
			snprintf(r->err, sizeof r->err, "not a vitals recording (%s)", what);
		else
			snprintf(r->err, sizeof r->err, "damaged at byte %llu (%s)",
				 (unsigned long long)r->member_start, what);
	}
	return -1;
}

/* Decode input into the current member; 1 when a member ended (it is in
 * done), 0 when input ran out, -1 on damage. */
static int inflate_some(rec_reader *r)
{
	if (!r->in_member) {
		inflateReset(&r->z);
		r->in_member = true;
		r->out_len = 0;
		r->member_start = r->offset;
	}
	while (r->in_len > 0) {
		if (r->out_len == r->out_cap) {
			if (r->out_cap >= REC_BLOCK_MAX)
				return fail(r, "a block larger than 8 MB");
			r->out_cap = r->out_cap ? r->out_cap * 2 : 65536;
			r->out = xrealloc(r->out, r->out_cap);
		}
		r->z.next_in = (unsigned char *)r->in;
		r->z.avail_in = (uInt)(r->in_len > 1u << 30 ? 1u << 30 : r->in_len);
		r->z.next_out = r->out + r->out_len;
		r->z.avail_out = (uInt)(r->out_cap - r->out_len);
		uInt before = r->z.avail_in;
		int zr = inflate(&r->z, Z_NO_FLUSH);
		size_t used = before - r->z.avail_in;
		r->in += used;
		r->in_len -= used;
		r->offset += used;
		r->out_len = r->out_cap - r->z.avail_out;
		if (zr == Z_STREAM_END) {
			unsigned char *t = r->done;
			size_t tc = r->done_cap;
			r->done = r->out;
			r->done_cap = r->out_cap;
			r->done_len = r->out_len;
			r->out = t;
			r->out_cap = tc;
			r->out_len = 0;
			r->pos = 0;
			r->in_member = false;
			r->any = true;
			return 1;
		}
		if (zr == Z_OK || zr == Z_BUF_ERROR)
			continue;
		return fail(r, r->z.msg ? r->z.msg : "bad compressed data");
	}
	return 0;
}

int rec_reader_next(rec_reader *r, const char **line, size_t *len)
{
	for (;;) {
		if (r->pos < r->done_len) {
			char *s = (char *)r->done + r->pos;
			char *nl = memchr(s, '\n', r->done_len - r->pos);
			size_t n = nl ? (size_t)(nl - s) : r->done_len - r->pos;
			r->pos += n + (nl != NULL);
			*line = s;
			*len = n;
			return 1;
		}
		if (r->err[0])
			return -1;
		if (r->in_len == 0) {
			if (r->eof && r->in_member)
				return fail(r, "cut short in a block");
			return 0;
		}
		if (inflate_some(r) < 0)
			return -1;
	}
}
