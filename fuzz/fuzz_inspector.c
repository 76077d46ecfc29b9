/* fuzz_inspector — the parsers of collectors/inspector that read what other
 * programs control: the inspector's HTTP response heads (any process may
 * listen on the port), its /json/list body and CDP replies, and a target's
 * command line and NODE_OPTIONS (any process can write anything there).
 * Every input goes through every parser; the checks are on the outputs'
 * invariants, not just "no crash". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "collectors/cdp.h"
#include "collectors/node_flags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_flags(const node_flags *f)
{
	if (f->port < -1 || f->port > 65535 || !memchr(f->host, 0, sizeof f->host))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int status;
	long clen;
	char accept[64];
	memset(accept, 'x', sizeof accept);
	long h = cdp_http_head(s, size, &status, &clen, accept, sizeof accept);
	if (h > (long)size || h < -1 || !memchr(accept, 0, sizeof accept))
		abort();
	if (h > 0 && (status < 0 || status > 999 || clen < -1 || clen > 999999999))
		abort();

	char path[256], err[200];
	memset(path, 'x', sizeof path);
	if (cdp_ws_path(s, size, path, sizeof path, err, sizeof err) == 0 &&
	    (path[0] != '/' || strpbrk(path, " \r\n\t")))
		abort();	/* goes into a request line */

	char *value = NULL;
	int r = cdp_reply_parse(s, size, 1, &value, err, sizeof err);
	if (r < -1 || r > 1 || (r != 1 && value))
		abort();
	if (value) {
		json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
		if (!v)
			abort();	/* value must be valid JSON text */
		json_decref(v);
		free(value);
	}

	node_flags f;
	node_flags_init(&f);
	node_flags_cmdline(&f, s, size);
	check_flags(&f);
	char *z = malloc(size + 1);
	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = 0;
	node_flags_init(&f);
	node_flags_node_options(&f, z);
	check_flags(&f);
	free(z);
	return 0;
}
