/* lineedit — see lineedit.h.  Positions are byte offsets into UTF-8; moving
 * by one character skips continuation bytes (10xxxxxx). */
#include "widgets/lineedit.h"

#include <curses.h>
#include <string.h>
#include <wctype.h>

#define CTRL(c) ((c) & 0x1f)

static size_t prev_char(const char *b, size_t i)
{
	while (i > 0 && ((unsigned char)b[--i] & 0xc0) == 0x80)
		;
	return i;
}

static size_t next_char(const char *b, size_t i)
{
	if (!b[i])
		return i;
	i++;
	while (((unsigned char)b[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static void cut(char *b, size_t from, size_t to)
{
	memmove(b + from, b + to, strlen(b + to) + 1);
}

/* UTF-8 of code point c into out (4 bytes at most); 0 if not encodable. */
static size_t utf8(wint_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if ((c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
		return 0;
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static lineedit_result insert(char *b, size_t cap, size_t *cur, wint_t ch, bool digits_only)
{
	if (digits_only ? !(ch >= '0' && ch <= '9') : (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0)))
		return LE_IGNORED;
	if (ch >= 0x80 && !iswprint((wint_t)ch))
		return LE_IGNORED;
	char u[4];
	size_t k = utf8(ch, u), len = strlen(b);
	if (k == 0 || len + k + 1 > cap)
		return LE_MOVED;	/* taken (not a command), but nothing fits */
	memmove(b + *cur + k, b + *cur, len - *cur + 1);
	memcpy(b + *cur, u, k);
	*cur += k;
	return LE_CHANGED;
}

lineedit_result lineedit_key(char *b, size_t cap, size_t *cur, wint_t ch, bool is_key, bool digits_only)
{
	size_t len = strlen(b);
	if (*cur > len)
		*cur = len;
	if (is_key) {
		switch (ch) {
		case KEY_LEFT: *cur = prev_char(b, *cur); return LE_MOVED;
		case KEY_RIGHT: *cur = next_char(b, *cur); return LE_MOVED;
		case KEY_HOME: *cur = 0; return LE_MOVED;
		case KEY_END: *cur = len; return LE_MOVED;
		case KEY_BACKSPACE:
			if (*cur == 0)
				return LE_MOVED;
			{
				size_t p = prev_char(b, *cur);
				cut(b, p, *cur);
				*cur = p;
			}
			return LE_CHANGED;
		case KEY_DC:
			if (*cur < len)
				cut(b, *cur, next_char(b, *cur));
			return LE_CHANGED;
		default:
			return LE_IGNORED;
		}
	}
	switch (ch) {
	case CTRL('b'): *cur = prev_char(b, *cur); return LE_MOVED;
	case CTRL('f'): *cur = next_char(b, *cur); return LE_MOVED;
	case CTRL('a'): *cur = 0; return LE_MOVED;
	case CTRL('e'): *cur = len; return LE_MOVED;
	case 127:
	case CTRL('h'):
		return lineedit_key(b, cap, cur, KEY_BACKSPACE, true, digits_only);
	case CTRL('d'):
		return lineedit_key(b, cap, cur, KEY_DC, true, digits_only);
	case CTRL('u'):
		cut(b, 0, *cur);
		*cur = 0;
		return LE_CHANGED;
	case CTRL('k'):
		b[*cur] = 0;
		return LE_CHANGED;
	case CTRL('w'): {
		size_t p = *cur;
		while (p > 0 && b[p - 1] == ' ')
			p--;
		while (p > 0 && b[p - 1] != ' ')
			p--;
		cut(b, p, *cur);
		*cur = p;
		return LE_CHANGED;
	}
	default:
		return insert(b, cap, cur, ch, digits_only);
	}
}

int lineedit_cursor_col(const char *b, size_t cur)
{
	int col = 0;
	for (size_t i = 0; i < cur && b[i];) {
		mbstate_t st;
		memset(&st, 0, sizeof st);
		wchar_t wc;
		size_t k = mbrtowc(&wc, b + i, cur - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			col++;
			i++;
			continue;
		}
		int w = wcwidth(wc);
		col += w > 0 ? w : 1;
		i += k;
	}
	return col;
}
