/* linebuf — a byte stream cut into lines; see linebuf.h.
 *
 * Invariants: len <= max and len <= cap; while skipping, len == 0.  The
 * buffer holds only a line split across feeds: it is allocated at the first
 * such line, starts at 4 KiB (most lines are short) and doubles up to max;
 * grown past 4 KiB, it is freed once its line is handed on. */
#include "base/linebuf.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void linebuf_init(linebuf *lb, size_t max, linebuf_mode mode)
{
	memset(lb, 0, sizeof *lb);
	lb->max = max ? max : 1;
	lb->mode = mode;
}

static void reserve(linebuf *lb, size_t need)
{
	if (need <= lb->cap)
		return;
	size_t cap = lb->cap ? lb->cap : 4096;
	while (cap < need)
		cap *= 2;
	if (cap > lb->max)
		cap = lb->max;
	lb->buf = xrealloc(lb->buf, cap);
	lb->cap = cap;
}

/* Hand on the line held and empty the buffer; one grown past KEEP_MAX for a
 * long line (a capture's chunk: up to max, 1 MiB on a probe connection) is
 * freed, not kept for the connection's life (200 connections that each saw
 * a capture would otherwise hold their largest line each). */
#define KEEP_MAX 4096
static bool emit(linebuf *lb, linebuf_cb cb, void *ud)
{
	size_t len = lb->len;
	char *buf = lb->buf;
	bool shed = lb->cap > KEEP_MAX;
	lb->len = 0;
	if (shed) {	/* detached first: cb may free lb itself */
		lb->buf = NULL;
		lb->cap = 0;
	}
	bool go = cb(ud, buf ? buf : "", len);
	if (shed)
		free(buf);
	return go;
}

size_t linebuf_feed(linebuf *lb, const char *data, size_t n, linebuf_cb cb, void *ud)
{
	size_t dropped = 0;
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		if (lb->skipping) {
			if (!nl)
				return dropped;
			lb->skipping = false;
		} else if (lb->len + take > lb->max && lb->mode == LINEBUF_DROP) {
			dropped++;
			lb->len = 0;
			lb->skipping = true;
			continue;
		} else if (lb->len + take > lb->max) {
			/* LINEBUF_SPLIT: fill up to max, hand it on, go on */
			take = lb->max - lb->len;
			reserve(lb, lb->max);
			memcpy(lb->buf + lb->len, data, take);
			lb->len = lb->max;
			n -= take;
			data += take;
			if (!emit(lb, cb, ud))
				return dropped;
			continue;
		} else if (lb->len == 0 && nl) {
			/* a whole line in the data: handed on where it is, so a
			 * stream of whole lines needs no buffer at all (200
			 * probe connections held 4 KiB each for nothing) */
			if (!cb(ud, data, take))
				return dropped;
		} else {
			reserve(lb, lb->len + take);
			if (take)
				memcpy(lb->buf + lb->len, data, take);
			lb->len += take;
			if (!nl)
				return dropped;
			if (!emit(lb, cb, ud))
				return dropped;
		}
		n -= take + 1;
		data = nl + 1;
	}
	return dropped;
}

void linebuf_finish(linebuf *lb, linebuf_cb cb, void *ud)
{
	if (lb->len)
		emit(lb, cb, ud);
	lb->skipping = false;
}

void linebuf_free(linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->cap = 0;
}
