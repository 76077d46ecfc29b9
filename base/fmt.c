/* fmt — number formatting; see fmt.h.  Widths are chosen so
 * a value fits its column: bytes and percentages take at most 6 columns. */
#include "base/fmt.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

static size_t out(char *buf, size_t n, int r)
{
	if (r < 0)
		r = 0;
	return (size_t)r < n ? (size_t)r : (n ? n - 1 : 0);
}

size_t fmt_bytes(char *buf, size_t n, double v)
{
	if (isnan(v) || v < 0)
		return out(buf, n, snprintf(buf, n, "-"));
	static const char units[] = "BKMGTP";
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		return out(buf, n, snprintf(buf, n, "%.0fB", v));
	if (v >= 99.95)
		return out(buf, n, snprintf(buf, n, "%.0f%c", v, units[u]));
	if (v >= 9.995)
		return out(buf, n, snprintf(buf, n, "%.1f%c", v, units[u]));
	return out(buf, n, snprintf(buf, n, "%.2f%c", v, units[u]));
}

size_t fmt_pct(char *buf, size_t n, double v)
{
	if (isnan(v))
		return out(buf, n, snprintf(buf, n, "-"));
	if (v < 99.95 && v > -9.95)
		return out(buf, n, snprintf(buf, n, "%.1f%%", v));
	return out(buf, n, snprintf(buf, n, "%.0f%%", v));
}

size_t fmt_ms(char *buf, size_t n, double v)
{
	if (isnan(v) || v < 0)
		return out(buf, n, snprintf(buf, n, "-"));
	if (v < 1)
		return out(buf, n, snprintf(buf, n, "%.2fms", v));
	if (v < 9.95)
		return out(buf, n, snprintf(buf, n, "%.1fms", v));
	if (v < 999.5)
		return out(buf, n, snprintf(buf, n, "%.0fms", v));
	if (v < 59950)
		return out(buf, n, snprintf(buf, n, "%.2fs", v / 1000));
	return out(buf, n, snprintf(buf, n, "%.0fs", v / 1000));
}

size_t fmt_clock(char *buf, size_t n, int64_t t_ms)
{
	time_t t = (time_t)(t_ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return out(buf, n, snprintf(buf, n, "--:--:--"));
	return out(buf, n, snprintf(buf, n, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec));
}

size_t fmt_duration(char *buf, size_t n, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	int64_t s = ms / 1000;
	if (s < 60)
		return out(buf, n, snprintf(buf, n, "%llds", (long long)s));
	if (s < 3600)
		return out(buf, n, snprintf(buf, n, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60)));
	if (s < 86400)
		return out(buf, n, snprintf(buf, n, "%lldh%02lldm", (long long)(s / 3600),
					    (long long)(s / 60 % 60)));
	return out(buf, n, snprintf(buf, n, "%lldd%02lldh", (long long)(s / 86400), (long long)(s / 3600 % 24)));
}
