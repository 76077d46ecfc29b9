/* fuzz_bundle — the one-file bundle's payload reader (bundle/bundle.c): the
 * stub reads it from the end of its own file, which may be cut short or
 * damaged on its way into a container.  bundle_parse must never read past
 * the buffer nor hand out a name that could leave the unpack directory.
 *
 * Input: byte 0 selects the trailer check (odd: the last BUNDLE_TRAILER
 * bytes as a trailer of a file of the input's size), the rest is an
 * inflated payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"

static int check_entry(void *ud, const bundle_entry *e)
{
	const uint8_t *end = ud;
	/* every component plain: not empty, ".", nor ".." */
	char copy[BUNDLE_NAME_MAX], *save = NULL;
	if (!e->name[0] || e->name[0] == '/' || strstr(e->name, "//") || (e->mode & ~0700u))
		abort();
	strcpy(copy, e->name);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (!strcmp(c, ".") || !strcmp(c, ".."))
			abort();
	if (e->name[strlen(e->name) - 1] == '/')
		abort();
	if (e->type == 'f' && (e->data > end || e->size > (uint64_t)(end - e->data)))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if ((data[0] & 1) && size > BUNDLE_TRAILER) {
		uint64_t off, plen;
		uint32_t crc;
		if (bundle_trailer(data + size - BUNDLE_TRAILER, size, &off, &plen, &crc) == 0 &&
		    off + plen + BUNDLE_TRAILER != size)
			abort();
	}
	char err[200];
	memset(err, 'x', sizeof err);
	int r = bundle_parse(data + 1, size - 1, check_entry, (void *)(data + size), err, sizeof err);
	if (r == -1 && !memchr(err, 0, sizeof err))
		abort();
	return 0;
}
