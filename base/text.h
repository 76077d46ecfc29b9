/* text — the one cleaner of outside text (command lines, probe strings, a
 * launched program's output) before it reaches a terminal or a JSON string.
 * C0 controls and DEL always become '?'; flags add the rest.  Truncation
 * never splits a UTF-8 sequence.  dst may equal src (output never runs ahead
 * of input). */
#ifndef VITALS_TEXT_H
#define VITALS_TEXT_H
#include <stddef.h>

enum {
	TEXT_ANSI = 1,	/* drop ANSI escape sequences (colours from a log) */
	TEXT_TABS = 2,	/* a tab becomes a space instead of '?' */
	TEXT_UTF8 = 4,	/* bytes that are not valid UTF-8 become '?' */
};

/* Clean len bytes of src into dst (n bytes, NUL-terminated); returns the
 * length written.  A NUL in src ends it. */
size_t text_clean(char *dst, size_t n, const char *src, size_t len, unsigned flags);
#endif
