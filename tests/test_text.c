/* test_text — base/text's cleaner, base/paths' user dirs, base/xalloc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "base/text.h"
#include "base/xalloc.h"

static void clean(const char *in, unsigned flags, size_t n, const char *want)
{
	char out[256];
	size_t len = text_clean(out, n, in, strlen(in), flags);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
}

static void test_controls(void **state)
{
	(void)state;
	clean("a\tb\nc\x7f", 0, 256, "a?b?c?");
	clean("a\tb", TEXT_TABS, 256, "a b");
	clean("\x1b[31mred\x1b[0m done", TEXT_ANSI, 256, "red done");
	clean("\x1b[31mred", 0, 256, "?[31mred");
	clean("", 0, 256, "");
}

static void test_utf8(void **state)
{
	(void)state;
	clean("caf\xc3\xa9", TEXT_UTF8, 256, "caf\xc3\xa9");
	clean("bad\xff\xc3x", TEXT_UTF8, 256, "bad??x");
	clean("over\xc0\xaf", TEXT_UTF8, 256, "over??");	/* overlong '/' */
	clean("sur\xed\xa0\x80", TEXT_UTF8, 256, "sur???");	/* a surrogate */
	clean("raw\xff", 0, 256, "raw\xff");			/* passed through without the flag */
	/* truncation never splits a character: "ab" + 3-byte euro in 5 bytes */
	clean("ab\xe2\x82\xac", 0, 5, "ab");
	clean("ab\xe2\x82\xac", 0, 6, "ab\xe2\x82\xac");
}

static void test_in_place(void **state)
{
	(void)state;
	char s[32] = "\x1b[1mx\ty\x01";
	text_clean(s, sizeof s, s, strlen(s), TEXT_ANSI | TEXT_TABS);
	assert_string_equal(s, "x y?");
}

static void test_paths_user(void **state)
{
	(void)state;
	char buf[256];
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	assert_string_equal(paths_user(PATHS_CONFIG, "vitals/config", buf, sizeof buf), "/home/u/.config/vitals/config");
	assert_string_equal(paths_user(PATHS_STATE, "vitals", buf, sizeof buf), "/home/u/.local/state/vitals");
	setenv("XDG_STATE_HOME", "/x/state", 1);
	assert_string_equal(paths_user(PATHS_STATE, "vitals", buf, sizeof buf), "/x/state/vitals");
	assert_null(paths_user(PATHS_STATE, "vitals", buf, 8));	/* does not fit */
	unsetenv("HOME");
	unsetenv("XDG_STATE_HOME");
	assert_null(paths_user(PATHS_STATE, "vitals", buf, sizeof buf));
}

static void test_xalloc(void **state)
{
	(void)state;
	char *s = xasprintf("%s-%d", "pid", 42);
	assert_string_equal(s, "pid-42");
	free(s);
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls), cmocka_unit_test(test_utf8), cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_paths_user), cmocka_unit_test(test_xalloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
