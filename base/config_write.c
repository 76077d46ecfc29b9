/* config_write — settings changed in the dashboard written back to the
 * config file, as htop does; see config.h (config_update).
 *
 * The file is the user's: every line we do not set is kept byte for byte
 * (comments, order, unknown keys, other sections).  A key we set has each
 * of its lines in the section rewritten ("key = value"); a key the section
 * lacks is added after the section's last non-blank line; a missing
 * section is appended.  The new text goes to a temporary file in the same
 * directory, created 0600, flushed and renamed over the old one, so a
 * crash leaves the old file or the new one, never half of one. */
#include "base/config.h"
#include "base/filewrite.h"
#include "base/paths.h"
#include "base/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A growing string. */
typedef struct sbuf {
	char *s;
	size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void put_kv(sbuf *b, const char *k, const char *v)
{
	put(b, k, strlen(k));
	put(b, " = ", 3);
	put(b, v, strlen(v));
	put(b, "\n", 1);
}

/* The section a header line names ("[ui]" -> "ui"), or NULL if the line
 * is not a header. */
static const char *header(const char *line, size_t len, size_t *nlen)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i == len || line[i] != '[')
		return NULL;
	const char *close = memchr(line + i, ']', len - i);
	if (!close)
		return NULL;
	*nlen = (size_t)(close - (line + i + 1));
	return line + i + 1;
}

/* Index of the key a "key = value" line sets among keys, or -1. */
static int key_of(const char *line, size_t len, const char *const *keys, size_t n)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	size_t k0 = i;
	while (i < len && line[i] != '=' && line[i] != ':' && !isspace((unsigned char)line[i]))
		i++;
	size_t klen = i - k0;
	while (i < len && isspace((unsigned char)line[i]) && line[i] != '\n')
		i++;
	if (i == len || (line[i] != '=' && line[i] != ':'))
		return -1;
	for (size_t j = 0; j < n; j++)
		if (strlen(keys[j]) == klen && strncmp(line + k0, keys[j], klen) == 0)
			return (int)j;
	return -1;
}

static bool blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)line[i]))
			return false;
	return true;
}

/* The keys the section lacks (not seen), inserted at `at` in out: after
 * the section's last non-blank line. */
static void add_missing(sbuf *out, size_t at, const char *const *keys, const char *const *vals,
			bool *seen, size_t n)
{
	sbuf add = { 0 };
	put(&add, "", 0);
	for (size_t j = 0; j < n; j++)
		if (!seen[j]) {
			put_kv(&add, keys[j], vals[j]);
			seen[j] = true;	/* once, even if the section comes again */
		}
	size_t tail = out->len - at;
	char *rest = xmalloc(tail + 1);
	memcpy(rest, out->s + at, tail);
	out->len = at;
	put(out, add.s, add.len);
	put(out, rest, tail);
	free(rest);
	free(add.s);
}

char *config_update_text(const char *in, const char *section, const char *const *keys,
			 const char *const *vals, size_t n)
{
	sbuf out = { 0 };
	put(&out, "", 0);
	bool *seen = xcalloc(n ? n : 1, sizeof *seen);
	bool in_sec = false, found = false;
	size_t sec_end = 0;	/* in out: after the section's last non-blank line */
	const char *p = in ? in : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		size_t hl;
		const char *h = header(p, len, &hl);
		if (h) {
			if (in_sec)
				add_missing(&out, sec_end, keys, vals, seen, n);
			in_sec = hl == strlen(section) && strncmp(h, section, hl) == 0;
			if (in_sec)
				found = true;
		}
		int k = in_sec && !h ? key_of(p, len, keys, n) : -1;
		if (k >= 0) {
			put_kv(&out, keys[k], vals[k]);
			seen[k] = true;
		} else {
			put(&out, p, len);
			if (!nl)
				put(&out, "\n", 1);	/* the last line gets its newline */
		}
		if (in_sec && (h || !blank(p, len)))
			sec_end = out.len;
		p += len;
	}
	if (in_sec)
		add_missing(&out, sec_end, keys, vals, seen, n);
	if (!found) {
		if (out.len && out.s[out.len - 1] != '\n')
			put(&out, "\n", 1);
		if (out.len)
			put(&out, "\n", 1);
		put(&out, "[", 1);
		put(&out, section, strlen(section));
		put(&out, "]\n", 2);
		for (size_t j = 0; j < n; j++)
			put_kv(&out, keys[j], vals[j]);
	}
	free(seen);
	return out.s;
}

/* mkdir -p with 0700 for what it creates. */
static int make_dirs(char *dir)
{
	for (char *s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		int rc = mkdir(dir, 0700);
		*s = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

int config_update(const char *path, const char *section, const char *const *keys,
		  const char *const *vals, size_t n, char *err, size_t errlen)
{
	char def[PATH_MAX];
	if (!path && !(path = paths_user(PATHS_CONFIG, "vitals/config", def, sizeof def))) {
		snprintf(err, errlen, "no config directory (HOME is not set)");
		return -1;
	}
	/* A config that is a symlink (a dotfiles checkout) is rewritten where
	 * it points, so the link stays; a missing file keeps its own path. */
	char real[PATH_MAX];
	if (realpath(path, real))
		path = real;
	/* --config /dev/null (or a fifo, or a link to one) is not ours to
	 * replace: the rename below would put a regular file in its place */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not rewritten (not a regular file)", path);
		return -1;
	}
	/* the old text (none is fine), at most CONFIG_MAX_BYTES as config_load */
	char *old = NULL;
	FILE *f = fopen(path, "r");
	if (f) {
		old = xmalloc(CONFIG_MAX_BYTES + 1);
		size_t got = fread(old, 1, CONFIG_MAX_BYTES + 1, f);
		bool bad = ferror(f) || got > CONFIG_MAX_BYTES || memchr(old, 0, got);
		fclose(f);
		if (bad) {
			free(old);
			snprintf(err, errlen, "%s: not rewritten (unreadable, larger than %d KiB or not text)", path,
				 CONFIG_MAX_BYTES / 1024);
			return -1;
		}
		old[got] = 0;
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *text = config_update_text(old, section, keys, vals, n);
	free(old);

	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (make_dirs(dir) < 0) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			free(text);
			return -1;
		}
	}
	int rc = filewrite_atomic(path, text, strlen(text), err, errlen);
	free(text);
	return rc;
}
