/* lineedit — one line of text being typed (the filter, the search, a number
 * asked for): UTF-8 in a fixed buffer with a cursor, edited the readline way.
 *
 * Keys: printable characters (any script) insert at the cursor; ← → Home End
 * and Ctrl-B/F/A/E move; Backspace and Delete/Ctrl-D remove a character;
 * Ctrl-U removes to the start, Ctrl-K to the end, Ctrl-W the word before the
 * cursor.  The buffer is always NUL-terminated valid UTF-8 and the cursor is
 * always on a character boundary; text that does not fit is refused whole,
 * never cut inside a character. */
#ifndef VITALS_LINEEDIT_H
#define VITALS_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

typedef enum lineedit_result {
	LE_IGNORED = 0,	/* not an editing key: the caller's (Enter, Esc, ...) */
	LE_MOVED,	/* the cursor moved */
	LE_CHANGED,	/* the text changed */
} lineedit_result;

/* Apply one key (from get_wch: is_key for KEY_* codes) to buf (cap bytes
 * including the NUL) with the cursor at *cur (a byte offset).  digits_only:
 * insert nothing but 0-9. */
lineedit_result lineedit_key(char *buf, size_t cap, size_t *cur, wint_t ch, bool is_key, bool digits_only);
/* Columns from the start of buf to the cursor (for drawing it). */
int lineedit_cursor_col(const char *buf, size_t cur);

#endif
