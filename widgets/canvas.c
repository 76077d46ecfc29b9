/* canvas — text primitives shared by the widgets; see canvas.h.
 *
 * Strings are decoded once into a small wide-character buffer (bounded: a
 * line never needs more than the terminal width, and we cap at CANVAS_MAXW
 * cells), measured with wcwidth, cut to the field and handed to curses in one
 * waddnwstr call so a frame costs few library calls.  Blank runs go through
 * whline_set, which copies one cell without decoding anything: every frame
 * blanks the whole screen first.
 */
#include "widgets/canvas.h"

#include <langinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CANVAS_MAXW 1024

/* The ASCII stand-in for the punctuation vitals itself draws; '?' for
 * anything else (a process name in another script, say). */
static wchar_t ascii_for(uint32_t cp)
{
	static const struct { uint32_t cp; char a; } map[] = {
		{ 0x2026, '.' },	/* … */
		{ 0x2014, '-' }, { 0x2013, '-' },	/* — – */
		{ 0x00b7, '.' },	/* · */
		{ 0x2502, '|' }, { 0x2500, '-' },	/* │ ─ */
		{ 0x251c, '|' }, { 0x2514, '`' },	/* ├ └ */
		{ 0x2191, '^' }, { 0x2193, 'v' },	/* ↑ ↓ */
		{ 0x25b2, '^' }, { 0x25bc, 'v' },	/* ▲ ▼ */
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].cp == cp)
			return (wchar_t)map[i].a;
	return L'?';
}

/* Decode UTF-8 (or ASCII) into wide chars with their widths; returns count. */
static int decode(const char *s, bool ascii, wchar_t *out, signed char *wid, int cap,
		  bool *rest)
{
	int n = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s);
	while (len > 0 && n < cap) {
		wchar_t wc;
		size_t k;
		unsigned char b = (unsigned char)*s;
		if (b < 0x80) {
			wc = b;
			k = 1;
		} else if (ascii) {
			/* our own UTF-8 reading: in ASCII mode the locale may not be
			 * UTF-8, but our strings and process names still are */
			uint32_t cp = b & (b >= 0xF0 ? 0x07 : b >= 0xE0 ? 0x0F : 0x1F);
			k = 1;
			while (k < len && ((unsigned char)s[k] & 0xC0) == 0x80)
				cp = cp << 6 | ((unsigned char)s[k++] & 0x3F);	/* one char, not per byte */
			wc = ascii_for(cp);
		} else {
			k = mbrtowc(&wc, s, len, &st);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
				memset(&st, 0, sizeof st);
				wc = '?';
				k = 1;
			}
		}
		int w = wc < 0x80 ? (wc >= 0x20 && wc < 0x7f ? 1 : -1) : wcwidth(wc);
		if (w < 0) {
			wc = '?';
			w = 1;
		}
		out[n] = wc;
		wid[n] = (signed char)w;
		n++;
		s += k;
		len -= k;
	}
	if (rest)
		*rest = len > 0;
	return n;
}

int canvas_width(const char *s, bool ascii)
{
	wchar_t wc[CANVAS_MAXW];
	signed char wid[CANVAS_MAXW];
	int n = decode(s, ascii, wc, wid, CANVAS_MAXW, NULL), w = 0;
	for (int i = 0; i < n; i++)
		w += wid[i];
	return w;
}

static void set_attr(WINDOW *w, attr_t a)
{
	wattr_set(w, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
}

/* Draw decoded text (n chars, total columns; rest: more was not decoded)
 * at y, x in at most maxw columns, cut with an ellipsis; returns columns. */
static int put_decoded(const canvas *c, int y, int x, int maxw, wchar_t *wc, const signed char *wid,
		       int n, int total, bool rest, attr_t a)
{
	int used = total, k = n;
	if (total > maxw || rest) {
		/* cut, keeping one column for the ellipsis */
		k = 0;
		used = 0;
		while (k < n && used + wid[k] <= maxw - 1) {
			used += wid[k];
			k++;
		}
		wc[k++] = c->ascii ? L'~' : L'\x2026';
		used++;
	}
	wc[k] = 0;
	set_attr(c->w, a);
	mvwaddnwstr(c->w, y, x, wc, k);
	return used;
}

/* Decode s for a field of maxw columns; returns the columns it takes. */
static int decode_field(const canvas *c, const char *s, int maxw, wchar_t *wc, signed char *wid, int *n,
			bool *rest)
{
	int cap = maxw < CANVAS_MAXW ? maxw + 1 : CANVAS_MAXW, total = 0;
	*n = decode(s, c->ascii, wc, wid, cap, rest);
	for (int i = 0; i < *n; i++)
		total += wid[i];
	return total;
}

/* s in a field of fieldw columns at y, x: left-aligned, or right-aligned
 * (measured and drawn from one decoding: numbers in table cells, a few
 * hundred a frame); cut with an ellipsis when it does not fit.  Returns the
 * columns used (right-aligned: the field). */
static int text_field(const canvas *c, int y, int x, int fieldw, const char *s, attr_t a, bool right)
{
	if (fieldw <= 0 || !s || !*s)
		return 0;
	wchar_t wc[CANVAS_MAXW + 2];
	signed char wid[CANVAS_MAXW];
	int n;
	bool rest;
	int w = decode_field(c, s, fieldw, wc, wid, &n, &rest);
	if (!right || w >= fieldw || rest)
		return put_decoded(c, y, x, fieldw, wc, wid, n, w, rest, a);
	return put_decoded(c, y, x + fieldw - w, w, wc, wid, n, w, false, a) + (fieldw - w);
}

int canvas_text_attr(const canvas *c, int y, int x, int maxw, const char *s, attr_t a)
{
	return text_field(c, y, x, maxw, s, a, false);
}

int canvas_text(const canvas *c, int y, int x, int maxw, const char *s, theme_role r)
{
	return canvas_text_attr(c, y, x, maxw, s, theme_attr(c->th, r));
}

int canvas_text_right(const canvas *c, int y, int x, int fieldw, const char *s, attr_t a)
{
	return text_field(c, y, x, fieldw, s, a, true);
}

void canvas_fill(const canvas *c, int y, int x, int n, attr_t a)
{
	if (n <= 0)
		return;
	/* whline_set copies one cell n times: no per-character decoding, which
	 * matters because every frame blanks the whole screen.  curses renders a
	 * plain blank (no attributes, pair 0) with the window's current
	 * attributes, which are whatever the last text was drawn in: set them
	 * first, or a monochrome row fills in the previous text's reverse/bold. */
	cchar_t blank;
	setcchar(&blank, L" ", a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
	set_attr(c->w, a);
	mvwhline_set(c->w, y, x, &blank, n);
}

void canvas_clear(const canvas *c, rect r, attr_t a)
{
	for (int i = 0; i < r.h; i++)
		canvas_fill(c, r.y + i, r.x, r.w, a);
}

void canvas_glyph(const canvas *c, int y, int x, wchar_t wc, char ascii_alt, attr_t a)
{
	cchar_t cc;
	wchar_t s[2] = { c->ascii ? (wchar_t)ascii_alt : wc, 0 };
	setcchar(&cc, s, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
	set_attr(c->w, a);	/* wadd_wch adds the window's attributes (see canvas_fill) */
	mvwadd_wch(c->w, y, x, &cc);
}

void canvas_hline(const canvas *c, int y, int x, int n, attr_t a)
{
	for (int i = 0; i < n; i++)
		canvas_glyph(c, y, x + i, L'\x2500', '-', a);
}

bool canvas_want_ascii(void)
{
	const char *term = getenv("TERM");
	if (term && strcmp(term, "linux") == 0)
		return true;
	const char *cs = nl_langinfo(CODESET);
	return !(cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0));
}
