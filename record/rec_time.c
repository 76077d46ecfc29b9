/* rec_time — see rec_time.h.  Relative steps are sums of NUMBER[hms]
 * (seconds when the unit is left out), each at most a year so the sum
 * cannot overflow; a time of day goes through mktime with the local time
 * zone (tm_isdst = -1: the zone decides summer time). */
#include "record/rec_time.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define HINT "give a time as 14:05, 14:05:30, 2026-12-01 14:05, +10m or -30s"
#define STEP_MAX_S (366LL * 86400)

/* "+1h30m", "-90": 0 with *ms set, -1 when s is not a step. */
static int parse_step(const char *s, int64_t *ms)
{
	int sign = *s == '-' ? -1 : 1;
	s++;
	if (!*s)
		return -1;
	long long total = 0;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return -1;
		long long n = 0;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (*s++ - '0');
			if (n > STEP_MAX_S)
				return -1;
		}
		long long unit = 1;
		if (*s == 'h')
			unit = 3600;
		else if (*s == 'm')
			unit = 60;
		else if (*s == 's')
			unit = 1;
		else if (*s)
			return -1;
		if (*s)
			s++;
		total += n * unit;
		if (total > STEP_MAX_S)
			return -1;
	}
	*ms = sign * total * 1000;
	return 0;
}

/* "HH:MM[:SS]" at the start of s: the number of bytes read, or 0. */
static size_t parse_clock(const char *s, int *h, int *m, int *sec)
{
	int n = 0;
	*sec = 0;
	if (sscanf(s, "%2d:%2d%n", h, m, &n) != 2 || n != 5)
		return 0;
	if (s[n] == ':') {
		int k = 0;
		if (sscanf(s + n + 1, "%2d%n", sec, &k) != 1 || k != 2)
			return 0;
		n += 3;
	}
	if (*h > 23 || *m > 59 || *sec > 59 || *h < 0 || *m < 0 || *sec < 0)
		return 0;
	return (size_t)n;
}

static int64_t local_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
			 .tm_sec = s, .tm_isdst = -1 };
	time_t t = mktime(&tm);
	return t == (time_t)-1 ? INT64_MIN : (int64_t)t * 1000;
}

int rec_time_parse(const char *s, int64_t now_ms, int64_t *out, char *err, size_t errlen)
{
	char buf[40];
	while (*s == ' ')
		s++;
	size_t len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	if (len == 0 || len >= sizeof buf) {
		snprintf(err, errlen, HINT);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = 0;
	if (buf[0] == '+' || buf[0] == '-') {
		int64_t step;
		if (parse_step(buf, &step) < 0) {
			snprintf(err, errlen, HINT);
			return -1;
		}
		*out = now_ms + step;
		return 0;
	}
	int y = 0, mo = 0, d = 0, n = 0, h, mi, sec;
	const char *tod = buf;
	if (sscanf(buf, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10 && (buf[10] == ' ' || buf[10] == 'T')) {
		if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31) {
			snprintf(err, errlen, HINT);
			return -1;
		}
		tod = buf + 11;
	} else {
		y = 0;
	}
	size_t used = parse_clock(tod, &h, &mi, &sec);
	if (!used || tod[used]) {
		snprintf(err, errlen, HINT);
		return -1;
	}
	if (y) {
		*out = local_ms(y, mo, d, h, mi, sec);
	} else {
		/* the day before, of or after the moment shown: the nearest */
		time_t t = (time_t)(now_ms / 1000);
		struct tm tm;
		localtime_r(&t, &tm);
		int64_t best = INT64_MIN;
		for (int k = -1; k <= 1; k++) {
			int64_t c = local_ms(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + k, h, mi, sec);
			if (c == INT64_MIN)
				continue;
			int64_t dc = c > now_ms ? c - now_ms : now_ms - c;
			if (best == INT64_MIN || dc < (best > now_ms ? best - now_ms : now_ms - best))
				best = c;
		}
		*out = best;
	}
	if (*out == INT64_MIN) {
		snprintf(err, errlen, "%s: not a time this system can represent", buf);
		return -1;
	}
	return 0;
}
