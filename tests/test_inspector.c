/* Unit tests for the pure parsers of collectors/inspector: inspector flags in
 * command lines and NODE_OPTIONS, HTTP response heads, the WebSocket accept
 * key (RFC 6455's own example), /json/list and CDP replies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "collectors/cdp.h"
#include "collectors/node_flags.h"

#define CMD(s) s, sizeof s - 1	/* NUL-separated literal, every arg NUL-terminated */

static void test_flags_cmdline(void **state)
{
	node_flags f;
	node_flags_init(&f);
	node_flags_cmdline(&f, CMD("node\0app.js\0"));
	assert_false(f.inspect);
	assert_int_equal(f.port, -1);

	node_flags_init(&f);
	node_flags_cmdline(&f, CMD("node\0--inspect\0app.js\0"));
	assert_true(f.inspect);
	assert_int_equal(f.port, -1);

	node_flags_init(&f);
	node_flags_cmdline(&f, CMD("node\0--inspect=127.0.0.1:0\0app.js\0"));
	assert_true(f.inspect);
	assert_int_equal(f.port, 0);
	assert_string_equal(f.host, "127.0.0.1");

	node_flags_init(&f);
	node_flags_cmdline(&f, CMD("node\0-r\0--inspect\0--inspect-brk=9333\0app.js\0"));
	assert_true(f.inspect);	/* "-r --inspect" requires a module named --inspect; then the real flag */
	assert_int_equal(f.port, 9333);

	/* after the script the flags belong to the app */
	node_flags_init(&f);
	node_flags_cmdline(&f, CMD("node\0app.js\0--inspect\0"));
	assert_false(f.inspect);

	node_flags_init(&f);
	node_flags_cmdline(&f, CMD("node\0--inspect-port\0[::1]:9444\0--disable-sigusr1\0x.js\0"));
	assert_false(f.inspect);
	assert_true(f.no_sigusr1);
	assert_int_equal(f.port, 9444);
	assert_string_equal(f.host, "::1");

	/* --inspect-brk-node is not --inspect-brk=…, --inspectx is nothing */
	node_flags_init(&f);
	node_flags_cmdline(&f, CMD("node\0--inspectx\0a.js\0"));
	assert_false(f.inspect);
}

static void test_flags_node_options(void **state)
{
	node_flags f;
	node_flags_init(&f);
	node_flags_node_options(&f, "--max-old-space-size=100 --require \"/a b/\\\"p\\\".js\"");
	assert_false(f.inspect);
	node_flags_init(&f);
	node_flags_node_options(&f, "  --require x.js   --inspect=0.0.0.0:9230 ");
	assert_true(f.inspect);
	assert_int_equal(f.port, 9230);
	assert_string_equal(f.host, "0.0.0.0");
	node_flags_init(&f);
	node_flags_node_options(&f, "--inspect=99999 --inspect-port=localhost");
	assert_int_equal(f.port, -1);	/* out of range: ignored */
	assert_string_equal(f.host, "localhost");
	/* a quoted value containing the flag is not the flag */
	node_flags_init(&f);
	node_flags_node_options(&f, "--title \"--inspect\"");
	assert_false(f.inspect);
}

static void test_http_head(void **state)
{
	int status;
	long clen;
	char acc[64];
	const char *r = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\ncontent-length: 12\r\n\r\n[ ]";
	assert_int_equal(cdp_http_head(r, strlen(r), &status, &clen, acc, sizeof acc),
			 strlen(r) - 3);
	assert_int_equal(status, 200);
	assert_int_equal(clen, 12);
	assert_string_equal(acc, "");
	/* incomplete: wait for more */
	assert_int_equal(cdp_http_head(r, 20, &status, &clen, NULL, 0), 0);
	const char *u = "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept:  abc= \r\n\r\n";
	assert_true(cdp_http_head(u, strlen(u), &status, &clen, acc, sizeof acc) > 0);
	assert_int_equal(status, 101);
	assert_int_equal(clen, -1);
	assert_string_equal(acc, "abc=");
	const char *bad[] = { "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
			      "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
			      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cdp_http_head(bad[i], strlen(bad[i]), &status, &clen, NULL, 0), -1);
}

static void test_ws_accept(void **state)
{
	char out[29];
	cdp_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out);	/* RFC 6455 section 1.3 */
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_ws_path(void **state)
{
	char path[128], err[128];
	const char *list = "[ { \"type\": \"node\", \"webSocketDebuggerUrl\": "
			   "\"ws://127.0.0.1:9229/2f0c0e1e-5b9a\" } ]";
	assert_int_equal(cdp_ws_path(list, strlen(list), path, sizeof path, err, sizeof err), 0);
	assert_string_equal(path, "/2f0c0e1e-5b9a");
	const char *none = "[]";
	assert_int_equal(cdp_ws_path(none, 2, path, sizeof path, err, sizeof err), -1);
	assert_string_equal(err, "inspector lists no debuggable target");
	const char *inj = "[{\"webSocketDebuggerUrl\":\"ws://h/x HTTP/1.1\\r\\nEvil: 1\"}]";
	assert_int_equal(cdp_ws_path(inj, strlen(inj), path, sizeof path, err, sizeof err), -1);
	assert_int_equal(cdp_ws_path("{", 1, path, sizeof path, err, sizeof err), -1);
}

static void test_cdp_reply(void **state)
{
	char err[160], *v;
	const char *ok = "{\"id\":2,\"result\":{\"result\":{\"type\":\"object\",\"value\":[42,\"v20.1.0\"]}}}";
	assert_int_equal(cdp_reply_parse(ok, strlen(ok), 2, &v, err, sizeof err), 1);
	assert_string_equal(v, "[42,\"v20.1.0\"]");
	free(v);
	assert_int_equal(cdp_reply_parse(ok, strlen(ok), 3, &v, err, sizeof err), 0);
	assert_null(v);
	const char *ev = "{\"method\":\"Runtime.executionContextCreated\",\"params\":{}}";
	assert_int_equal(cdp_reply_parse(ev, strlen(ev), 2, &v, err, sizeof err), 0);
	const char *exc = "{\"id\":2,\"result\":{\"result\":{},\"exceptionDetails\":{\"text\":\"Uncaught\","
			  "\"exception\":{\"description\":\"ReferenceError: x is not defined\\n    at <anonymous>\"}}}}";
	assert_int_equal(cdp_reply_parse(exc, strlen(exc), 2, &v, err, sizeof err), -1);
	assert_string_equal(err, "threw: ReferenceError: x is not defined");
	const char *e = "{\"id\":2,\"error\":{\"code\":-32000,\"message\":\"Execution context was destroyed.\"}}";
	assert_int_equal(cdp_reply_parse(e, strlen(e), 2, &v, err, sizeof err), -1);
	assert_string_equal(err, "inspector error: Execution context was destroyed.");
	const char *undef = "{\"id\":2,\"result\":{\"result\":{\"type\":\"undefined\"}}}";
	assert_int_equal(cdp_reply_parse(undef, strlen(undef), 2, &v, err, sizeof err), 1);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_cmdline),
		cmocka_unit_test(test_flags_node_options),
		cmocka_unit_test(test_http_head),
		cmocka_unit_test(test_ws_accept),
		cmocka_unit_test(test_ws_path),
		cmocka_unit_test(test_cdp_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
