/* canvas — where widgets draw: a curses window, the theme and the glyph mode,
 * plus the few text primitives every widget shares.
 *
 * Text is UTF-8 in, wide characters out (ncursesw): a string is measured in
 * display columns (wcwidth), never in bytes, and one that does not fit ends
 * in '…' ('~' in ASCII mode) instead of wrapping.  Invalid or unprintable
 * input becomes '?', so a process name with control bytes cannot garble the
 * screen.  In ASCII mode vitals' own punctuation (… — · │ ─ ↑ ↓ ▲ ▼) has
 * ASCII stand-ins and any other non-ASCII character is drawn as '?'.
 *
 * Nothing here allocates; a canvas is a small value the view builds per frame.
 */
#ifndef VITALS_CANVAS_H
#define VITALS_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>
#include <curses.h>

#include "themes/theme.h"

typedef struct rect {
	int y, x, h, w;
} rect;

typedef struct canvas {
	WINDOW *w;
	const theme *th;
	bool ascii;		/* only ASCII glyphs */
	bool braille;		/* sparklines in braille (ignored when ascii) */
} canvas;

static inline rect rect_make(int y, int x, int h, int w)
{
	rect r = { y, x, h < 0 ? 0 : h, w < 0 ? 0 : w };
	return r;
}

/* Draw s at (y, x) in at most maxw columns with attributes a; a string that
 * does not fit is cut and ends in an ellipsis.  Returns the columns used. */
int canvas_text_attr(const canvas *c, int y, int x, int maxw, const char *s, attr_t a);
/* Same with the theme's attributes for role r. */
int canvas_text(const canvas *c, int y, int x, int maxw, const char *s, theme_role r);
/* Right-aligned in a field of fieldw columns (cut like canvas_text). */
int canvas_text_right(const canvas *c, int y, int x, int fieldw, const char *s, attr_t a);
/* Display width of s, as canvas_text would draw it. */
int canvas_width(const char *s, bool ascii);
/* n blank cells in attributes a. */
void canvas_fill(const canvas *c, int y, int x, int n, attr_t a);
/* Blank a whole rect. */
void canvas_clear(const canvas *c, rect r, attr_t a);
/* One glyph: wc normally, ascii_alt in ASCII mode. */
void canvas_glyph(const canvas *c, int y, int x, wchar_t wc, char ascii_alt, attr_t a);
/* A horizontal rule of n cells ('─' or '-'). */
void canvas_hline(const canvas *c, int y, int x, int n, attr_t a);
/* Theme attributes for role r on this canvas. */
static inline attr_t canvas_attr(const canvas *c, theme_role r)
{
	return theme_attr(c->th, r);
}

/* Should the UI avoid non-ASCII glyphs?  True when the locale's codeset is
 * not UTF-8 or TERM=linux (the console font lacks blocks and braille).  Call
 * after setlocale(LC_ALL, ""). */
bool canvas_want_ascii(void);

#endif
