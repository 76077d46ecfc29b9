/* text — see text.h.  UTF-8 validity follows RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF; a bad byte becomes one '?' and the
 * scan resumes at the next byte. */
#include "base/text.h"

#include <stdbool.h>

/* Length of a valid UTF-8 sequence at s (at most len bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t need;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4, min = 0x10000;
	else
		return 0;
	if (need > len)
		return 0;
	unsigned cp = c & (0x7f >> need);
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* Bytes of an escape sequence starting at s[0] == ESC. */
static size_t ansi_len(const char *s, size_t len)
{
	if (len < 2)
		return len;
	if (s[1] != '[')
		return 2;
	size_t i = 2;
	while (i < len && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
		i++;
	return i < len ? i + 1 : len;
}

size_t text_clean(char *dst, size_t n, const char *src, size_t len, unsigned flags)
{
	if (!n)
		return 0;
	size_t o = 0, i = 0;
	while (i < len && src[i]) {
		unsigned char c = (unsigned char)src[i];
		if (c == 0x1b && (flags & TEXT_ANSI)) {
			i += ansi_len(src + i, len - i);
			continue;
		}
		size_t k = 1;
		char out = (char)c;
		if (c == '\t' && (flags & TEXT_TABS))
			out = ' ';
		else if (c < 0x20 || c == 0x7f)
			out = '?';
		else if (c >= 0x80) {
			k = utf8_len((const unsigned char *)src + i, len - i);
			if (!k) {
				if (flags & TEXT_UTF8) {
					out = '?';
					k = 1;
				} else {
					k = 1;	/* passed through as it is */
				}
			} else {
				if (o + k >= n)
					break;	/* never split a character */
				for (size_t j = 0; j < k; j++)
					dst[o + j] = src[i + j];
				o += k;
				i += k;
				continue;
			}
		}
		if (o + 1 >= n)
			break;
		dst[o++] = out;
		i += k;
	}
	dst[o] = 0;
	return o;
}
