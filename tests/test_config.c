/* Unit tests for base/config: a good file sets every section, bad lines warn
 * with file:line and keep the defaults, a missing default file is fine and
 * an explicit file that cannot be read is an error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"

static char tmpdir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vitals-config-test.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Load path, returning the warnings text in *out (caller frees). */
static int load(vitals_config *c, const char *path, char **out)
{
	size_t len;
	FILE *warn = open_memstream(out, &len);
	config_default(c);
	int r = config_load(c, path, warn);
	fclose(warn);
	return r;
}

static void test_good_file(void **state)
{
	const char *path = write_file("good.ini",
		"; vitals config\n"
		"# also a comment\n"
		"[ui]\n"
		"theme = light\n"
		"interval = 500ms\n"
		"window = 15m\n"
		"mouse = yes\n"
		"braille = on\n"
		"bell = false\n"
		"output_dir = /var/tmp/captures\n"
		"\n"
		"[probe]\n"
		"hz = 5\n"
		"[history]\n"
		"raw = 600\n"
		"tier1 = 5s:720\n"
		"tier2 = 1m x 1440\n"
		"tier3 = off\n"
		"[alerts]\n"
		"stall_ms = 250\n"
		"stall_samples = 5\n"
		"[log]\n"
		"alert_log = /var/tmp/vitals-alerts.log\n");
	vitals_config c;
	char *w = NULL;
	assert_int_equal(load(&c, path, &w), 0);
	assert_string_equal(w, "");
	free(w);
	assert_string_equal(c.theme, "light");
	assert_float_equal(c.interval_s, 0.5, 1e-9);
	assert_int_equal(c.window, 2);
	assert_true(c.mouse);
	assert_true(c.braille);
	assert_false(c.bell);
	assert_string_equal(c.output_dir, "/var/tmp/captures");
	assert_int_equal(c.probe_hz, 5);
	assert_int_equal(c.ring.ntiers, 3);
	assert_int_equal(c.ring.tier[0].cap, 600);
	assert_int_equal(c.ring.tier[1].span_ms, 5000);
	assert_int_equal(c.ring.tier[1].cap, 720);
	assert_int_equal(c.ring.tier[2].span_ms, 60000);
	assert_int_equal(c.ring.tier[2].cap, 1440);
	assert_float_equal(c.alerts.stall_ms, 250, 1e-9);
	assert_int_equal(c.alerts.stall_samples, 5);
	assert_string_equal(c.alert_log, "/var/tmp/vitals-alerts.log");
}

static void test_bad_lines(void **state)
{
	const char *path = write_file("bad.ini",
		"[ui]\n"			/* 1 */
		"theme = dark\n"		/* 2 ok */
		"colour = red\n"		/* 3 unknown key */
		"interval = fast\n"		/* 4 bad value */
		"this is not a setting\n"	/* 5 malformed */
		"[alerts]\n"			/* 6 */
		"stall_ms = -3\n"		/* 7 out of range (alerts_config_set) */
		"nonsense = 1\n"		/* 8 unknown alerts key */
		"[weird\n"			/* 9 malformed section */
		"[extra]\n"			/* 10 */
		"a = 1\n"			/* 11 unknown section */
		"b = 2\n"			/* 12 (same section: counted, not repeated) */
		"[probe]\n"			/* 13 */
		"hz = 1000\n"			/* 14 out of range */
		"[ui]\n"			/* 15 */
		"mouse = maybe\n");		/* 16 bad bool */
	vitals_config c, def;
	config_default(&def);
	char *w = NULL;
	int n = load(&c, path, &w);
	char want[512];
	const struct { int line; const char *text; } expect[] = {
		{ 3, "unknown key 'colour' in [ui]" },
		{ 4, "bad interval 'fast'" },
		{ 5, "malformed line" },
		{ 7, "[alerts]" },
		{ 8, "unknown alerts key 'nonsense'" },
		{ 9, "malformed section header" },
		{ 11, "unknown section [extra]" },
		{ 14, "bad value '1000' for 'hz'" },
		{ 16, "bad value 'maybe' for 'mouse'" },
	};
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		snprintf(want, sizeof want, "%s:%d: ", path, expect[i].line);
		char *at = strstr(w, want);
		if (!at || !strstr(at, expect[i].text))
			fprintf(stderr, "missing %s%s in:\n%s", want, expect[i].text, w);
		assert_non_null(at);
		/* scan-build: at is not NULL: the assert above ends the test (longjmp) */
		assert_non_null(strstr(at, expect[i].text));
	}
	assert_null(strstr(w, ":12:"));
	assert_int_equal(n, 10);
	free(w);
	/* the good line applied, the bad ones kept their defaults */
	assert_string_equal(c.theme, "dark");
	assert_float_equal(c.interval_s, def.interval_s, 1e-9);
	assert_float_equal(c.alerts.stall_ms, def.alerts.stall_ms, 1e-9);
	assert_int_equal(c.probe_hz, def.probe_hz);
	assert_int_equal(c.mouse, def.mouse);
}

/* [actions]: the --on-alert command and its time limit. */
static void test_actions(void **state)
{
	vitals_config c;
	char *w = NULL;
	config_default(&c);
	assert_string_equal(c.on_alert, "");
	assert_true(c.on_alert_timeout_s == 30);
	const char *path = write_file("act.ini", "[actions]\non_alert = notify \"$VITALS_RULE\"\ntimeout = 2s\n");
	assert_int_equal(load(&c, path, &w), 0);
	assert_string_equal(c.on_alert, "notify \"$VITALS_RULE\"");
	assert_true(c.on_alert_timeout_s == 2);
	free(w);
	path = write_file("hx.ini", "[history]\nexited_keep = 10m\nexited_max = 0\n");
	assert_int_equal(load(&c, path, &w), 0);
	assert_true(c.exited_keep_ms == 600000 && c.exited_max == 0);
	free(w);
	path = write_file("hx2.ini", "[history]\nexited_keep = soon\nexited_max = -1\n");
	assert_int_equal(load(&c, path, &w), 2);
	assert_true(c.exited_keep_ms == 3600000 && c.exited_max == 100);
	free(w);
	path = write_file("act2.ini", "[actions]\ntimeout = 0\nretries = 3\n");
	assert_int_equal(load(&c, path, &w), 2);
	assert_non_null(strstr(w, "bad timeout '0' (1s .. 1h)"));
	assert_non_null(strstr(w, "unknown key 'retries' in [actions]"));
	assert_true(c.on_alert_timeout_s == 30);
	free(w);
	/* --auto-snapshot's leak hunt: the spacing of its snapshots */
	assert_true(c.hunt_spacing_s == 30);
	path = write_file("act3.ini", "[actions]\nauto_snapshot_spacing = 3s\n");
	assert_int_equal(load(&c, path, &w), 0);
	assert_true(c.hunt_spacing_s == 3);
	free(w);
	path = write_file("act4.ini", "[actions]\nauto_snapshot_spacing = 500ms\n");
	assert_int_equal(load(&c, path, &w), 1);
	assert_non_null(strstr(w, "bad auto_snapshot_spacing '500ms' (1s .. 1h)"));
	assert_true(c.hunt_spacing_s == 30);
	free(w);
}

static void test_history_spans_must_grow(void **state)
{
	const char *path = write_file("hist.ini", "[history]\ntier1 = 10m:10\ntier2 = 1m:10\n");
	vitals_config c;
	char *w = NULL;
	assert_int_equal(load(&c, path, &w), 1);
	assert_non_null(strstr(w, "tier spans must grow"));
	free(w);
	assert_memory_equal(&c.ring, &ring_config_default, sizeof c.ring);
}

/* Switching a middle tier off keeps the coarser ones (closed up). */
static void test_history_tier_off(void **state)
{
	const char *path = write_file("hoff.ini", "[history]\ntier1 = off\ntier2 = 5m:100\n");
	vitals_config c;
	char *w = NULL;
	assert_int_equal(load(&c, path, &w), 0);
	free(w);
	assert_int_equal(c.ring.ntiers, 2);
	assert_int_equal(c.ring.tier[0].cap, ring_config_default.tier[0].cap);
	assert_int_equal(c.ring.tier[1].span_ms, 300000);
	assert_int_equal(c.ring.tier[1].cap, 100);
}

static void test_long_line(void **state)
{
	char text[1024];
	memset(text, 'x', sizeof text);
	memcpy(text, "[ui]\noutput_dir = ", 18);
	text[600] = '\n';
	snprintf(text + 601, sizeof text - 601, "theme = light\n");
	const char *path = write_file("long.ini", text);
	vitals_config c;
	char *w = NULL;
	assert_int_equal(load(&c, path, &w), 1);
	char want[300];
	snprintf(want, sizeof want, "%s:2: line too long", path);
	assert_non_null(strstr(w, want));
	free(w);
	assert_string_equal(c.theme, "light");	/* the next line still counts, as line 3 */
	assert_string_equal(c.output_dir, "");
}

static void test_missing_files(void **state)
{
	vitals_config c;
	char *w = NULL;
	/* no file at the default location: fine, no warnings */
	assert_int_equal(load(&c, NULL, &w), 0);
	assert_string_equal(w, "");
	free(w);
	/* the default location is $XDG_CONFIG_HOME/vitals/config */
	char dir[128];
	snprintf(dir, sizeof dir, "%s/vitals", tmpdir);
	mkdir(dir, 0700);
	write_file("vitals/config", "[ui]\ntheme = solarized\n");
	assert_int_equal(load(&c, NULL, &w), 0);
	free(w);
	assert_string_equal(c.theme, "solarized");
	/* an explicit file that is not there: an error */
	char missing[128];
	snprintf(missing, sizeof missing, "%s/nope.ini", tmpdir);
	assert_int_equal(load(&c, missing, &w), -1);
	assert_non_null(strstr(w, "nope.ini"));
	free(w);
	/* a directory is not a readable config either */
	assert_int_equal(load(&c, tmpdir, &w), -1);
	free(w);
}

/* A config file is read whole and capped: /dev/zero (endless, no newline)
 * and an oversized file are one clear error, not a hang at full CPU. */
static void test_size_cap(void **state)
{
	vitals_config c;
	char *w = NULL;
	alarm(10);	/* the bug was an endless loop: fail, do not hang the suite */
	assert_int_equal(load(&c, "/dev/zero", &w), -1);
	assert_non_null(strstr(w, "/dev/zero: cannot read config: larger than 64 KiB"));
	assert_null(strchr(strchr(w, '\n') + 1, '\n'));	/* one line */
	free(w);
	char *big = malloc(70 * 1024 + 1);
	assert_non_null(big);
	memset(big, '#', 70 * 1024);
	big[70 * 1024] = 0;
	const char *path = write_file("big.ini", big);
	free(big);
	assert_int_equal(load(&c, path, &w), -1);
	assert_non_null(strstr(w, "larger than 64 KiB"));
	free(w);
	/* the default location: same message, but not fatal */
	char dir[128];
	snprintf(dir, sizeof dir, "%s/vitals", tmpdir);
	mkdir(dir, 0700);
	char link[160];
	snprintf(link, sizeof link, "%s/vitals/config", tmpdir);
	unlink(link);
	assert_int_equal(symlink("/dev/zero", link), 0);
	assert_int_equal(load(&c, NULL, &w), 1);
	assert_non_null(strstr(w, "larger than 64 KiB"));
	free(w);
	unlink(link);
	/* an empty file is fine */
	assert_int_equal(load(&c, write_file("empty.ini", ""), &w), 0);
	free(w);
	alarm(0);
}

/* Settings written back keep the user's file: comments, order, other
 * sections and unknown keys stay; set keys are rewritten in place, missing
 * ones added to their section, a missing section appended. */
static void test_update_text(void **state)
{
	const char *keys[] = { "theme", "sort" }, *vals[] = { "light", "cpu" };
	char *t = config_update_text("# mine\n[ui]\ntheme = dark ; old\nmouse = yes\n\n[probe]\nhz = 5\n", "ui",
				     keys, vals, 2);
	assert_string_equal(t, "# mine\n[ui]\ntheme = light\nmouse = yes\nsort = cpu\n\n[probe]\nhz = 5\n");
	free(t);
	t = config_update_text(NULL, "ui", keys, vals, 2);	/* no file yet */
	assert_string_equal(t, "[ui]\ntheme = light\nsort = cpu\n");
	free(t);
	t = config_update_text("[probe]\nhz = 5", "ui", keys, vals, 1);	/* no newline at the end */
	assert_string_equal(t, "[probe]\nhz = 5\n\n[ui]\ntheme = light\n");
	free(t);
	/* "themes" is not "theme"; a key in another section is not ours */
	t = config_update_text("[probe]\ntheme = x\n[ ui ]\n[ui]\nthemes = 1\n  theme:dark\n", "ui", keys, vals, 1);
	assert_string_equal(t, "[probe]\ntheme = x\n[ ui ]\n[ui]\nthemes = 1\ntheme = light\n");
	free(t);
}

static void test_update_file(void **state)
{
	char path[300], err[256];
	snprintf(path, sizeof path, "%s/new/dir/config", tmpdir);
	const char *keys[] = { "sort", "sort_invert", "window" }, *vals[] = { "lag", "yes", "1h" };
	assert_int_equal(config_update(path, "ui", keys, vals, 3, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	vitals_config c;
	char *w = NULL;
	assert_int_equal(load(&c, path, &w), 0);
	free(w);
	assert_int_equal(c.sort, 5);
	assert_true(c.sort_invert);
	assert_int_equal(c.window, 3);
	/* the default location is $XDG_CONFIG_HOME/vitals/config */
	assert_int_equal(config_update(NULL, "ui", keys, vals, 1, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/vitals/config", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	/* a file that is not text is left alone, and says so */
	const char *bin = write_file("bin.conf", "x");
	FILE *f = fopen(bin, "a");
	fputc(0, f);
	fclose(f);
	assert_int_equal(config_update(bin, "ui", keys, vals, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "not rewritten"));
	/* --config /dev/null: a device is not replaced by a file (tried on a
	 * link to it, which the rename would replace, so the test itself can
	 * never take /dev/null away) */
	char link[300];
	snprintf(link, sizeof link, "%s/null.conf", tmpdir);
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(config_update(link, "ui", keys, vals, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* a config that is a link to a regular file: the target is rewritten,
	 * the link stays a link */
	const char *target = write_file("target.conf", "[probe]\nhz = 2\n");
	char dotlink[300];
	snprintf(dotlink, sizeof dotlink, "%s/dot.conf", tmpdir);
	assert_int_equal(symlink(target, dotlink), 0);
	assert_int_equal(config_update(dotlink, "ui", keys, vals, 1, err, sizeof err), 0);
	assert_int_equal(lstat(dotlink, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(load(&c, target, &w), 0);
	free(w);
	assert_int_equal(c.sort, 5);
	/* a bad sort value warns */
	const char *bad = write_file("badsort.conf", "[ui]\nsort = speed\n");
	assert_int_equal(load(&c, bad, &w), 1);
	assert_non_null(strstr(w, "bad sort 'speed'"));
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_history_spans_must_grow),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_history_tier_off),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_update_text),
		cmocka_unit_test(test_update_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
