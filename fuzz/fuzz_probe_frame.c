/* fuzz_probe_frame — the probe connection's line framing (base/linebuf in
 * the mode collectors/probe_client uses: lines over the cap are dropped and
 * the stream picks up at the next newline).  The input arrives in reads of
 * sizes taken from its first bytes, as a socket would cut it; what comes out
 * must be exactly the input's complete lines that fit the cap, in order, and
 * the drop count the lines that did not.  Each line then goes through the
 * protocol parser as on a real connection.
 *
 * Input: byte 0 = cap (255: the real 1 MiB, else 1 + 8 * byte, so that
 * drops happen at fuzzing sizes), byte 1 = read-size seed, byte 2 = stop after this many
 * lines (0 = never; the connection stops when a line closed it), rest = the
 * stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/probe_line.h"
#include "base/linebuf.h"

typedef struct expect {
	const uint8_t *data;
	size_t n, pos;		/* reference splitter's position in data */
	size_t cap;
	size_t lines, stop_after;
	model m;
	vproc *p;
} expect;

/* The next line the reference splitter keeps, or NULL at the end. */
static const uint8_t *ref_next(expect *e, size_t *len)
{
	while (e->pos < e->n) {
		const uint8_t *s = e->data + e->pos;
		const uint8_t *nl = memchr(s, '\n', e->n - e->pos);
		if (!nl)
			return NULL;	/* unfinished: never handed on */
		size_t l = (size_t)(nl - s);
		e->pos += l + 1;
		if (l <= e->cap) {
			*len = l;
			return s;
		}
	}
	return NULL;
}

static bool on_line(void *ud, const char *line, size_t len)
{
	expect *e = ud;
	size_t want_len;
	const uint8_t *want = ref_next(e, &want_len);
	if (!want || want_len != len || memcmp(want, line, len) != 0)
		abort();
	char err[256];
	probe_line_apply(&e->m, e->p, line, len, err, sizeof err);
	e->lines++;
	return !(e->stop_after && e->lines == e->stop_after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	expect e = { .data = data + 3, .n = size - 3, .cap = data[0] == 255 ? PROBE_LINE_MAX : 1 + 8 * (size_t)data[0], .stop_after = data[2] };
	static const char hello[] = "{\"t\":\"hello\",\"v\":1,\"pid\":4242,\"node\":\"v20.20.2\",\"v8\":\"11.3\",\"hz\":1}";
	char err[256];
	static const ring_config small = { .ntiers = 3, .tier = { { 0, 8 }, { 10000, 4 }, { 300000, 4 } } };
	model_init(&e.m, &small);
	e.p = model_add(&e.m, 4242, 1);
	if (!e.p || probe_line_apply(&e.m, e.p, hello, sizeof hello - 1, err, sizeof err) != 0) {
		model_free(&e.m);
		return 0;
	}
	linebuf lb;
	linebuf_init(&lb, e.cap, LINEBUF_DROP);
	size_t off = 0, dropped = 0, r = data[1];
	bool stopped = false;
	while (off < e.n && !stopped) {
		r = r * 1103515245u + 12345u;
		size_t chunk = 1 + (r >> 8) % 300;
		if (chunk > e.n - off)
			chunk = e.n - off;
		size_t before = e.lines;
		dropped += linebuf_feed(&lb, (const char *)e.data + off, chunk, on_line, &e);
		stopped = e.stop_after && e.lines == e.stop_after && e.lines != before;
		off += chunk;
	}
	if (!stopped) {
		/* every line the reference keeps came out, and the drops add up */
		size_t l, total = 0, over = 0;
		for (const uint8_t *s = e.data, *end = e.data + e.n, *nl; (nl = memchr(s, '\n', (size_t)(end - s))); s = nl + 1) {
			total++;
			over += (size_t)(nl - s) > e.cap;
		}
		if (ref_next(&e, &l) || e.lines != total - over)
			abort();
		/* a drop is counted when it starts: the unfinished tail may be one */
		if (dropped != over && dropped != over + 1)
			abort();
	}
	if (lb.len > e.cap || lb.cap > e.cap)
		abort();
	linebuf_free(&lb);
	model_free(&e.m);
	return 0;
}
