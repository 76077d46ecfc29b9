/* linebuf — splits a byte stream into lines at '\n', for the two streams
 * vitals reads line by line: a probe connection (collectors/probe_client)
 * and a launched program's stdout/stderr (collectors/launch).
 *
 * Data: the bytes of the current, unfinished line, in a buffer grown as
 * needed up to max bytes (and owned here: linebuf_free).  A line longer
 * than max is, by mode, either handed on in pieces of max bytes
 * (LINEBUF_SPLIT: a log keeps every byte) or dropped whole up to its
 * newline (LINEBUF_DROP: a protocol line cut short is garbage), after which
 * the stream picks up again at the next line.  Pure: no I/O, no loop. */
#ifndef VITALS_LINEBUF_H
#define VITALS_LINEBUF_H
#include <stdbool.h>
#include <stddef.h>

typedef enum linebuf_mode { LINEBUF_DROP, LINEBUF_SPLIT } linebuf_mode;

typedef struct linebuf {
	char *buf;
	size_t len, cap, max;
	linebuf_mode mode;
	bool skipping;		/* LINEBUF_DROP: inside a line being dropped */
} linebuf;

/* One line, without its '\n' (len may be 0; line is not NUL-terminated and
 * is valid only during the call).  Return false to stop: the rest of the
 * data given to linebuf_feed is then ignored. */
typedef bool (*linebuf_cb)(void *ud, const char *line, size_t len);

void linebuf_init(linebuf *lb, size_t max, linebuf_mode mode);
/* Feed n bytes; cb runs once per complete line.  Returns how many lines
 * were dropped for being longer than max (LINEBUF_DROP; counted when the
 * drop starts). */
size_t linebuf_feed(linebuf *lb, const char *data, size_t n, linebuf_cb cb, void *ud);
/* End of the stream: hand on an unfinished last line, if any. */
void linebuf_finish(linebuf *lb, linebuf_cb cb, void *ud);
void linebuf_free(linebuf *lb);
#endif
