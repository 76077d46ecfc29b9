/* test_app_id — collectors/app_id's pure parts: a process manager's app
 * without its instance, and the parsers of what a process controls: its
 * command line (the script) and package.json (the name). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "collectors/app_id.h"

#define Z(s) s, sizeof s - 1	/* a literal with its inner NULs */

static void manager(const char *in, const char *want)
{
	char out[32];
	app_id_manager_app(in, out, sizeof out);
	assert_string_equal(out, want);
}

static void test_manager(void **state)
{
	(void)state;
	manager("web#0", "web");
	manager("orders-api#12", "orders-api");
	manager("pm2", "pm2");
	manager("a#b", "a#b");	/* not an instance number */
	manager("#3", "#3");
	manager("web#", "web#");
	manager("x#1#2", "x#1");
}

static void script(const char *argv, size_t len, const char *want)
{
	char out[64] = "x";
	int rc = app_id_script(argv, len, out, sizeof out);
	if (!want) {
		assert_int_equal(rc, 0);
		return;
	}
	assert_int_equal(rc, 1);
	assert_string_equal(out, want);
}

static void test_script(void **state)
{
	(void)state;
	script(Z("node\0server.js\0--port\0" "80\0"), "server.js");
	script(Z("node\0-r\0/x/probe.js\0--max-old-space-size\0" "512\0lib/app.js\0"), "lib/app.js");
	script(Z("node\0--require=/x/probe.js\0/srv/a/main.mjs"), "/srv/a/main.mjs");
	script(Z("node\0-e\0setInterval(()=>{},1)\0"), NULL);
	script(Z("node\0"), NULL);
	script(Z("node\0--inspect\0"), NULL);
	script(Z("node\0\0x.js\0"), NULL);
	script("", 0, NULL);
	char longarg[200] = "node";
	memset(longarg + 5, 'a', 150);
	script(longarg, 5 + 150, NULL);	/* longer than out: none, not cut */
}

static void test_package(void **state)
{
	(void)state;
	char out[32];
	assert_int_equal(app_id_package_name(Z("{\"name\":\"billing-api\",\"version\":\"1.0.0\"}"), out, sizeof out), 1);
	assert_string_equal(out, "billing-api");
	assert_int_equal(app_id_package_name(Z("{\"name\":\"@acme/web\"}"), out, sizeof out), 1);
	assert_string_equal(out, "@acme/web");
	assert_int_equal(app_id_package_name(Z("{\"name\":\"q\\\"b\\\\\\u0001\"}"), out, sizeof out), 1);
	assert_string_equal(out, "q\"b\\?");
	assert_int_equal(app_id_package_name(Z("{\"name\":\"\"}"), out, sizeof out), 0);
	assert_int_equal(app_id_package_name(Z("{\"name\":3}"), out, sizeof out), 0);
	assert_int_equal(app_id_package_name(Z("[\"name\"]"), out, sizeof out), 0);
	assert_int_equal(app_id_package_name(Z("{\"name\":\"x\""), out, sizeof out), 0);
	assert_int_equal(app_id_package_name("", 0, out, sizeof out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manager),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_package),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
