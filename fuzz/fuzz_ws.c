/* fuzz_ws — WebSocket framing as collectors/cdp reads it from an inspector
 * (any process can listen on the port; the handshake's accept key proves
 * little about what follows): wslay's client with cdp's own callbacks, via
 * cdp_ws_replay.  The same bytes are read at once and in reads of a size
 * taken from the input, and must give the same reply: framing may not
 * depend on where reads end.  A reply's value is JSON; the result fields
 * are NUL-terminated.
 *
 * Input: byte 0 = the request id waited for (1..256), byte 1 = read size
 * (1..256), rest = frames from the server (unmasked, as RFC 6455 wants). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "collectors/cdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int want = 1 + data[0];
	size_t chunk = 1 + data[1];
	char *v1 = NULL, *v2 = NULL, m1[200], m2[200];
	memset(m1, 'x', sizeof m1);
	int r1 = cdp_ws_replay(data + 2, size - 2, 0, want, &v1, m1, sizeof m1);
	int r2 = cdp_ws_replay(data + 2, size - 2, chunk, want, &v2, m2, sizeof m2);
	if (r1 < -2 || r1 > 1 || !memchr(m1, 0, sizeof m1))
		abort();
	/* bad frames after the reply in the same read end the session (-2)
	 * where a read boundary in between delivers the reply first; anything
	 * else must not depend on the boundaries */
	bool bad = r1 == -2 || r2 == -2;
	if (bad ? (r1 == 0 || r2 == 0) && r1 != r2
		: r1 != r2 || strcmp(m1, m2) != 0 || !v1 != !v2 || (v1 && strcmp(v1, v2) != 0))
		abort();
	if ((r1 != 1 && v1) || (r1 == -1 && !m1[0]))
		abort();
	if (v1) {
		json_error_t e;
		json_t *j = json_loads(v1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		if (!j)
			abort();
		json_decref(j);
	}
	free(v1);
	free(v2);
	return 0;
}
