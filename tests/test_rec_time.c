/* test_rec_time — record/rec_time: the moments a replay's "jump to" prompt
 * accepts and refuses.  Run in UTC and in a zone with summer time, so a time
 * of day is checked against mktime's own answer, not a hand-made offset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record/rec_time.h"

/* 2026-12-01 14:00:00 local */
static int64_t at(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
			 .tm_sec = s, .tm_isdst = -1 };
	return (int64_t)mktime(&tm) * 1000;
}

static int64_t ok(const char *s, int64_t now)
{
	int64_t out = 0;
	char err[128] = "";
	assert_int_equal(rec_time_parse(s, now, &out, err, sizeof err), 0);
	return out;
}

static void bad(const char *s)
{
	int64_t out = 0;
	char err[128] = "";
	assert_int_equal(rec_time_parse(s, 1764597600000, &out, err, sizeof err), -1);
	assert_non_null(strstr(err, "give a time as"));
	assert_null(strchr(err, '\n'));
}

static void test_steps(void **state)
{
	(void)state;
	int64_t now = 1764597600123;
	assert_int_equal(ok("+10m", now), now + 600000);
	assert_int_equal(ok("-30s", now), now - 30000);
	assert_int_equal(ok(" +1h30m ", now), now + 5400000);
	assert_int_equal(ok("-90", now), now - 90000);
	assert_int_equal(ok("+2m5", now), now + 125000);
}

static void check_days(void)
{
	int64_t now = at(2026, 12, 1, 14, 0, 0) + 500;
	assert_int_equal(ok("14:05", now), at(2026, 12, 1, 14, 5, 0));
	assert_int_equal(ok("13:59:30", now), at(2026, 12, 1, 13, 59, 30));
	assert_int_equal(ok("2026-11-30 23:00", now), at(2026, 11, 30, 23, 0, 0));
	assert_int_equal(ok("2026-11-30T23:00:01", now), at(2026, 11, 30, 23, 0, 1));
	/* across midnight: the nearest day */
	int64_t late = at(2026, 12, 1, 23, 50, 0);
	assert_int_equal(ok("00:10", late), at(2026, 12, 2, 0, 10, 0));
	int64_t early = at(2026, 12, 2, 0, 5, 0);
	assert_int_equal(ok("23:55", early), at(2026, 12, 1, 23, 55, 0));
	/* the day summer time starts in Europe */
	int64_t spring = at(2026, 3, 29, 12, 0, 0);
	assert_int_equal(ok("01:30", spring), at(2026, 3, 29, 1, 30, 0));
}

static void test_time_of_day(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	check_days();
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	check_days();
}

static void test_refused(void **state)
{
	(void)state;
	const char *const no[] = { "", "   ", "+", "-", "+10x", "+m", "10", "1405", "24:00", "14:60", "14:5",
				   "14:05:6", "14:05:60", "14:05x", "2026-13-01 10:00", "2026-12-01", "+99999999999h",
				   "+400d", "tomorrow", "14:05:00:00", "+1h-2m", "2026-12-01 1:00",
				   "a very long line that is surely longer than any time one types" };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		bad(no[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_time_of_day),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
