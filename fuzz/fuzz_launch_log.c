/* fuzz_launch_log — a launched program's output on its way to the log pane:
 * base/linebuf in the mode collectors/launch uses (long lines split, never
 * lost) and launch_log_line, the cleaner of each line.  The program is
 * anyone's code, so its bytes are arbitrary.
 *
 * Checks: the pieces handed on are the input, in order, cut at newlines and
 * at the cap; the last unfinished line comes out at end of stream; a
 * cleaned line is NUL-terminated within its buffer, starts with its prefix
 * and holds no control character or escape (nothing that can move the
 * cursor or change colours on the dashboard).
 *
 * Input: byte 0 = cap (1..256), byte 1 = read-size seed, byte 2 bit 0 =
 * stderr, bit 1 = demo tag, rest = the output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/launch.h"
#include "base/linebuf.h"

typedef struct state {
	const uint8_t *data;
	size_t n, pos, cap;
	bool is_err;
	const char *tag;
} state;

static bool on_line(void *ud, const char *line, size_t len)
{
	state *s = ud;
	/* the same bytes as the input at this point, up to a newline or the cap */
	if (len > s->cap || len > s->n - s->pos || memcmp(line, s->data + s->pos, len) != 0 ||
	    memchr(line, '\n', len))
		abort();
	s->pos += len;
	if (s->pos < s->n && s->data[s->pos] == '\n')
		s->pos++;
	else if (len != s->cap && s->pos != s->n)
		abort();	/* cut short, neither at a newline nor at the cap */

	char out[LOG_LINE_LEN + 64];
	memset(out, 'x', sizeof out);
	size_t w = launch_log_line(out, sizeof out, s->tag, s->is_err, line, len);
	if (w >= sizeof out || out[w] != 0 || strlen(out) != w)
		abort();
	if (s->is_err && strncmp(out, "! ", 2) != 0)
		abort();
	if (s->tag[0] && !strstr(out, s->tag))
		abort();
	for (size_t i = 0; i < w; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	state s = { .data = data + 3, .n = size - 3, .cap = 1 + (size_t)data[0],
		    .is_err = data[2] & 1, .tag = data[2] & 2 ? "leaky" : "" };
	linebuf lb;
	linebuf_init(&lb, s.cap, LINEBUF_SPLIT);
	size_t off = 0, r = data[1];
	while (off < s.n) {
		r = r * 1103515245u + 12345u;
		size_t chunk = 1 + (r >> 8) % 300;
		if (chunk > s.n - off)
			chunk = s.n - off;
		if (linebuf_feed(&lb, (const char *)s.data + off, chunk, on_line, &s) != 0)
			abort();	/* split mode drops nothing */
		off += chunk;
	}
	linebuf_finish(&lb, on_line, &s);
	if (s.pos != s.n)
		abort();	/* every byte came out */
	linebuf_free(&lb);
	return 0;
}
