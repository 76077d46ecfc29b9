/* bundle — the one-file payload's format; see bundle.h.
 *
 * Data: none kept.  bundle_parse reads a caller's buffer (the inflated
 * payload, which the stub reads from the end of its own file: checked as
 * outside input all the same, and fuzzed, fuzz/fuzz_bundle.c), never past
 * len, and hands out entries pointing into it.  Used by the static stub
 * (bundle_main.c), which links this file and zlib only.
 */
#include "bundle/bundle.h"

#include <stdio.h>
#include <string.h>

static const char magic[8] = BUNDLE_MAGIC;

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Whether name is a relative path of plain components. */
static int name_ok(const char *name, size_t len)
{
	if (len == 0 || len >= BUNDLE_NAME_MAX || memchr(name, 0, len) || name[0] == '/')
		return 0;
	const char *p = name, *end = name + len;
	while (p <= end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *e = slash ? slash : end;
		size_t n = (size_t)(e - p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p = e + 1;
	}
	return 1;
}

int bundle_parse(const uint8_t *buf, size_t len, bundle_entry_cb cb, void *ud, char *err,
		 size_t errlen)
{
	if (len < sizeof magic || memcmp(buf, magic, sizeof magic) != 0) {
		snprintf(err, errlen, "not a vitals bundle payload");
		return -1;
	}
	size_t at = sizeof magic;
	for (;;) {
		if (len - at < 15) {
			snprintf(err, errlen, "bundle payload cut short at byte %zu", at);
			return -1;
		}
		bundle_entry e;
		e.type = (char)buf[at];
		e.mode = (unsigned)get_le(buf + at + 1, 4) & 0700;
		size_t nlen = (size_t)get_le(buf + at + 5, 2);
		e.size = get_le(buf + at + 7, 8);
		at += 15;
		if (e.type == 'e')
			return at == len ? 0 : (snprintf(err, errlen, "bytes after the bundle's end"), -1);
		if (e.type != 'd' && e.type != 'f') {
			snprintf(err, errlen, "bundle entry of unknown type at byte %zu", at - 15);
			return -1;
		}
		if (nlen > len - at || !name_ok((const char *)buf + at, nlen)) {
			snprintf(err, errlen, "bad bundle entry name at byte %zu", at);
			return -1;
		}
		memcpy(e.name, buf + at, nlen);
		e.name[nlen] = 0;
		at += nlen;
		if (e.type == 'd')
			e.size = 0;
		if (e.size > len - at) {
			snprintf(err, errlen, "bundle entry %s cut short", e.name);
			return -1;
		}
		e.data = buf + at;
		at += (size_t)e.size;
		int r = cb(ud, &e);
		if (r)
			return r;
	}
}

int bundle_trailer(const uint8_t tail[BUNDLE_TRAILER], uint64_t len, uint64_t *off,
		   uint64_t *plen, uint32_t *crc)
{
	if (memcmp(tail + 20, "VBND", 4) != 0)
		return -1;
	*off = get_le(tail, 8);
	*plen = get_le(tail + 8, 8);
	*crc = (uint32_t)get_le(tail + 16, 4);
	if (len < BUNDLE_TRAILER || *off > len - BUNDLE_TRAILER ||
	    *plen != len - BUNDLE_TRAILER - *off)
		return -1;
	return 0;
}

size_t bundle_entry_head(uint8_t *out, char type, unsigned mode, const char *name, uint64_t size)
{
	size_t n = name ? strlen(name) : 0;
	if (type != 'e' && !name_ok(name, n))
		return 0;
	out[0] = (uint8_t)type;
	put_le(out + 1, mode & 0700, 4);
	put_le(out + 5, n, 2);
	put_le(out + 7, size, 8);
	if (n)
		memcpy(out + 15, name, n);
	return 15 + n;
}

void bundle_trailer_make(uint8_t out[BUNDLE_TRAILER], uint64_t off, uint64_t plen, uint32_t crc)
{
	put_le(out, off, 8);
	put_le(out + 8, plen, 8);
	put_le(out + 16, crc, 4);
	memcpy(out + 20, "VBND", 4);
}
