/* fuzz_app_id — collectors/app_id's parsers of what a process controls: the
 * same bytes as a command line and a package.json.  Each answer must be a
 * NUL-terminated string within its buffer, a name valid UTF-8 without
 * controls (text_clean's promise). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/app_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s, size_t cap)
{
	if (!memchr(s, 0, cap))
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char out[48];
	memset(out, 'x', sizeof out);
	if (app_id_script(s, size, out, sizeof out) == 1 && (!memchr(out, 0, sizeof out) || !out[0]))
		abort();
	memset(out, 'x', sizeof out);
	if (app_id_package_name(s, size, out, sizeof out) == 1)
		check_clean(out, sizeof out);
	return 0;
}
