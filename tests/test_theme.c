/* Unit tests for themes/theme: the shipped themes load cleanly, bad files
 * warn with file:line and fall back per key, NO_COLOR gives monochrome, and
 * #rrggbb maps to the nearest colour at 256 / 16 / 8 colours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "themes/theme.h"

static char tmpdir[64];

static const char *srcdir(void)
{
	const char *s = getenv("VITALS_SRCDIR");
	return s && *s ? s : VITALS_SRCDIR;
}

/* Write text to tmpdir/name; returns the path (static buffer). */
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
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vitals-theme-test.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("VITALS_DATA", srcdir(), 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_shipped_themes_load_clean(void **state)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/themes", srcdir());
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 7 || strcmp(e->d_name + l - 6, ".theme") != 0)
			continue;
		char path[1024], err[256] = "", *buf = NULL;
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *warn = open_memstream(&buf, &len);
		theme th;
		int r = theme_load_file(&th, path, warn, err, sizeof err);
		fclose(warn);
		if (r != 0)
			fprintf(stderr, "%s: %s%s\n", path, err, buf);
		assert_int_equal(r, 0);
		assert_int_equal(len, 0);
		free(buf);
		n++;
	}
	closedir(d);
	assert_true(n >= 4);
}

/* themes/default.theme says exactly what the built-in theme says. */
static void test_default_file_matches_builtin(void **state)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/themes/default.theme", srcdir());
	theme f, b;
	assert_int_equal(theme_load_file(&f, path, NULL, err, sizeof err), 0);
	theme_default(&b);
	for (int i = 0; i < ROLE_NCOUNT; i++) {
		assert_int_equal(f.style[i].fg, b.style[i].fg);
		assert_int_equal(f.style[i].bg, b.style[i].bg);
		assert_int_equal(f.style[i].attrs, b.style[i].attrs);
	}
}

static void test_bad_lines_warn_and_fall_back(void **state)
{
	const char *path = write_file("bad.theme",
		"# a comment\n"
		"title = red bold\n"
		"header = #zzzzzz\n"
		"this line has no equals sign\n"
		"sparkles = blue\n"
		"\n"
		"crit = red on\n"
		"ok = green   # inline comment\n"
		"warn = #ff8700 on #000000 underline\n");
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *warn = open_memstream(&buf, &len);
	theme th, def;
	int r = theme_load_file(&th, path, warn, err, sizeof err);
	fclose(warn);
	assert_int_equal(r, 4);
	char want[512];
	snprintf(want, sizeof want, "%s:3: bad value '#zzzzzz' for 'header'", path);
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof want, "%s:4: malformed line", path);
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof want, "%s:5: unknown key 'sparkles'", path);
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof want, "%s:7: bad value 'red on' for 'crit'", path);
	assert_non_null(strstr(buf, want));
	free(buf);
	theme_default(&def);
	/* good keys applied */
	assert_int_equal(th.style[ROLE_TITLE].fg, 1);
	assert_int_equal(th.style[ROLE_TITLE].attrs, A_BOLD);
	assert_int_equal(th.style[ROLE_OK].fg, 2);
	assert_int_equal(th.style[ROLE_WARN].fg, THEME_RGB(0xff8700));
	assert_int_equal(th.style[ROLE_WARN].bg, THEME_RGB(0x000000));
	assert_int_equal(th.style[ROLE_WARN].attrs, A_UNDERLINE);
	/* bad and missing keys keep the default */
	assert_memory_equal(&th.style[ROLE_HEADER], &def.style[ROLE_HEADER], sizeof(theme_style));
	assert_memory_equal(&th.style[ROLE_CRIT], &def.style[ROLE_CRIT], sizeof(theme_style));
	assert_memory_equal(&th.style[ROLE_SPARK_RSS], &def.style[ROLE_SPARK_RSS], sizeof(theme_style));
	assert_string_equal(th.name, "bad");
}

static void test_load_by_name(void **state)
{
	char dir[128], err[512];
	snprintf(dir, sizeof dir, "%s/vitals", tmpdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/vitals/themes", tmpdir);
	mkdir(dir, 0700);
	char rel[64];
	snprintf(rel, sizeof rel, "vitals/themes/mine.theme");
	write_file(rel, "header = brightwhite on blue\n");
	theme th;
	/* the user's theme, missing keys from the default */
	assert_int_equal(theme_load(&th, "mine", NULL, err, sizeof err), 0);
	assert_int_equal(th.style[ROLE_HEADER].fg, 15);
	assert_int_equal(th.style[ROLE_HEADER].bg, 4);
	assert_string_equal(th.name, "mine");
	/* a shipped theme */
	assert_int_equal(theme_load(&th, "light", NULL, err, sizeof err), 0);
	/* the user dir wins over the shipped one */
	write_file("vitals/themes/light.theme", "title = red\n");
	assert_int_equal(theme_load(&th, "light", NULL, err, sizeof err), 0);
	assert_int_equal(th.style[ROLE_TITLE].fg, 1);
	unlink(write_file("vitals/themes/light.theme", ""));
	/* unknown: -1 naming the available ones */
	assert_int_equal(theme_load(&th, "nosuch", NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown theme 'nosuch'"));
	assert_non_null(strstr(err, "default"));
	assert_non_null(strstr(err, "light"));
	assert_non_null(strstr(err, "mine"));
	assert_non_null(strstr(err, "monochrome"));
	/* no path games */
	assert_int_equal(theme_load(&th, "../../etc/passwd", NULL, err, sizeof err), -1);
	char names[THEME_MAX_LIST][THEME_NAME_LEN];
	int n = theme_list(names, THEME_MAX_LIST);
	assert_true(n >= 5);
	for (int i = 1; i < n; i++)
		assert_true(strcmp(names[i - 1], names[i]) < 0);	/* sorted, no duplicates */
}

static void test_color_mapping(void **state)
{
	assert_int_equal(theme_color_index(THEME_RGB(0xff0000), 256), 196);
	assert_int_equal(theme_color_index(THEME_RGB(0xff0000), 16), 9);
	assert_int_equal(theme_color_index(THEME_RGB(0xff0000), 8), 1);
	assert_int_equal(theme_color_index(THEME_RGB(0x000000), 256), 16);
	assert_int_equal(theme_color_index(THEME_RGB(0x000000), 16), 0);
	assert_int_equal(theme_color_index(THEME_RGB(0xffffff), 256), 231);
	assert_int_equal(theme_color_index(THEME_RGB(0xffffff), 16), 15);
	assert_int_equal(theme_color_index(THEME_RGB(0xffffff), 8), 7);
	assert_int_equal(theme_color_index(THEME_RGB(0x005f87), 256), 24);	/* exact cube entry */
	assert_int_equal(theme_color_index(THEME_RGB(0x808080), 256), 244);	/* grey ramp */
	assert_int_equal(theme_color_index(THEME_RGB(0x808080), 16), 8);
	assert_int_equal(theme_color_index(THEME_RGB(0x0000f0), 16), 4);
	assert_int_equal(theme_color_index(THEME_RGB(0x00d000), 8), 2);
	assert_int_equal(theme_color_index(THEME_RGB(0xd0d000), 8), 3);
	/* palette indexes: kept when the terminal has them */
	assert_int_equal(theme_color_index(9, 16), 9);
	assert_int_equal(theme_color_index(9, 8), 1);	/* bright → base */
	assert_int_equal(theme_color_index(196, 16), 9);
	assert_int_equal(theme_color_index(THEME_COLOR_DEFAULT, 256), -1);
}

/* Roles with attributes only, pairwise distinct where it matters. */
static void check_mono(const theme *th)
{
	static const theme_role r[] = { ROLE_DEFAULT, ROLE_HEADER, ROLE_SELECTED, ROLE_WARN, ROLE_CRIT,
					ROLE_DIM, ROLE_GC_LONG, ROLE_TITLE };
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		assert_int_equal(PAIR_NUMBER(theme_attr(th, r[i])), 0);
		for (size_t j = 0; j < i; j++)
			if (!((r[i] == ROLE_TITLE && r[j] == ROLE_WARN) || (r[i] == ROLE_WARN && r[j] == ROLE_TITLE)))
				assert_int_not_equal(theme_attr(th, r[i]), theme_attr(th, r[j]));
	}
}

static void test_curses_depths(void **state)
{
	setlocale(LC_ALL, "C.UTF-8");
	FILE *o = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *s = newterm("xterm-256color", o, in);
	assert_non_null(s);
	set_term(s);
	start_color();
	unsetenv("NO_COLOR");
	unsetenv("COLORTERM");
	assert_int_equal(theme_detect_depth(), 256);
	setenv("NO_COLOR", "", 1);	/* empty: ignored, as the convention says */
	assert_int_equal(theme_detect_depth(), 256);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(theme_detect_depth(), THEME_DEPTH_NONE);
	theme th;
	theme_default(&th);
	theme_apply(&th, theme_detect_depth());
	check_mono(&th);
	unsetenv("NO_COLOR");

	/* 256 colours: each role resolved once into a pair with the nearest colours */
	theme_default(&th);
	theme_apply(&th, 256);
	attr_t h = theme_attr(&th, ROLE_HEADER);
	int pair = PAIR_NUMBER(h), fg, bg;
	assert_true(pair > 0);
	assert_true(h & A_BOLD);
	extended_pair_content(pair, &fg, &bg);
	assert_int_equal(fg, 231);	/* #ffffff */
	assert_int_equal(bg, 24);	/* #005f87 */
	/* "default" background of a role is the DEFAULT role's: the terminal's here */
	extended_pair_content(PAIR_NUMBER(theme_attr(&th, ROLE_OK)), &fg, &bg);
	assert_int_equal(bg, -1);
	/* equal styles share a pair */
	assert_int_equal(PAIR_NUMBER(theme_attr(&th, ROLE_CRIT)), PAIR_NUMBER(theme_attr(&th, ROLE_ALERT_CRIT)));
	/* a light theme's background reaches roles that say "default" */
	char err[256];
	assert_int_equal(theme_load(&th, "light", NULL, err, sizeof err), 0);
	theme_apply(&th, 256);
	extended_pair_content(PAIR_NUMBER(theme_attr(&th, ROLE_OK)), &fg, &bg);
	assert_int_equal(bg, theme_color_index(THEME_RGB(0xf5f5f5), 256));
	/* 8 colours: bright foregrounds become bold */
	assert_int_equal(theme_load(&th, "high-contrast", NULL, err, sizeof err), 0);
	theme_apply(&th, 8);
	assert_true(theme_attr(&th, ROLE_SPARK_RSS) & A_BOLD);
	extended_pair_content(PAIR_NUMBER(theme_attr(&th, ROLE_SPARK_RSS)), &fg, &bg);
	assert_int_equal(fg, 6);
	/* truecolor: COLORTERM says so and the terminal can redefine colours —
	 * each #rrggbb gets a palette slot set to exactly that colour */
	setenv("COLORTERM", "truecolor", 1);
	if (can_change_color()) {
		assert_int_equal(theme_detect_depth(), THEME_DEPTH_TRUECOLOR);
		theme_default(&th);
		theme_apply(&th, THEME_DEPTH_TRUECOLOR);
		extended_pair_content(PAIR_NUMBER(theme_attr(&th, ROLE_HEADER)), &fg, &bg);
		assert_true(fg >= 16 && bg >= 16 && fg != bg);
		int r, g, b;
		extended_color_content(fg, &r, &g, &b);
		assert_int_equal(r, 1000);
		assert_int_equal(g, 1000);
		assert_int_equal(b, 1000);
		extended_color_content(bg, &r, &g, &b);	/* #005f87 */
		assert_int_equal(r, 0);
		assert_int_equal(g, 0x5f * 1000 / 255);
		assert_int_equal(b, 0x87 * 1000 / 255);
		/* the same colour is one slot: ROLE_BAR_USED and ROLE_SPARK_RSS are #5fafff */
		int f2, b2;
		extended_pair_content(PAIR_NUMBER(theme_attr(&th, ROLE_BAR_USED)), &fg, &bg);
		extended_pair_content(PAIR_NUMBER(theme_attr(&th, ROLE_SPARK_RSS)), &f2, &b2);
		assert_int_equal(fg, f2);
	}
	setenv("COLORTERM", "", 1);
	assert_int_equal(theme_detect_depth(), 256);
	unsetenv("COLORTERM");
	/* the monochrome theme on a colour terminal: no pairs at all */
	assert_int_equal(theme_load(&th, "monochrome", NULL, err, sizeof err), 0);
	theme_apply(&th, 256);
	check_mono(&th);
	endwin();
	delscreen(s);
	fclose(o);
	fclose(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_themes_load_clean),
		cmocka_unit_test(test_default_file_matches_builtin),
		cmocka_unit_test(test_bad_lines_warn_and_fall_back),
		cmocka_unit_test(test_load_by_name),
		cmocka_unit_test(test_color_mapping),
		cmocka_unit_test(test_curses_depths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
