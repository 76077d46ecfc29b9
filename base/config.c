/* config — the settings file, parsed by inih; see config.h.
 *
 * Format (INI):
 *     [ui]       theme, interval (s, or 500ms), window (1..5 or 1m 5m 15m 1h
 *                all), sort (pid name cpu rss heap lag), sort_invert, tree,
 *                mouse, braille, bell (yes/no), output_dir
 *     [probe]    hz (1..20)
 *     [history]  raw (samples kept), tier1..tier3 ("10s:360" = buckets of
 *                10 s, 360 kept; "off" drops that tier only); exited_keep
 *                (how long an exited process stays, 1h) and exited_max (how
 *                many exited ones at most, 100)
 *     [alerts]   every key alerts_config_set() knows (base/alerts.c)
 *     [log]      alert_log (path of the alert log file)
 *     [actions]  on_alert (command run on alert transitions, by /bin/sh -c),
 *                timeout (its time limit, 1s .. 1h; default 30s)
 *
 * Line numbers: inih's handler does not receive them, so we feed inih
 * through our own reader (ini_parse_stream) that counts lines; the handler
 * runs right after its line was read, so the count is the line of the key.
 * The reader also catches lines inih would reject (no '=', unclosed
 * section, too long) and warns about each by line; inih's return value then
 * only flags syntax we did not foresee, which is still reported.
 * Nothing in a file is fatal: a bad line warns and the default stays.  The
 * file is read whole first, at most CONFIG_MAX_BYTES (a settings file is a
 * few hundred bytes; anything bigger is not one).
 */
#include "base/config.h"
#include "base/xalloc.h"
#include "base/paths.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct parse_state {
	vitals_config *c;
	const char *path;
	FILE *f, *warn;
	int nwarn;
	int lineno;		/* lines read so far = line of the current key */
	int last_warned;	/* a line we already warned about */
	char bad_section[64];	/* last unknown section warned about */
	ring_config ring;
	bool ring_set;
} parse_state;

static void warnf(parse_state *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warnf(parse_state *ps, int line, const char *fmt, ...)
{
	ps->nwarn++;
	ps->last_warned = line;
	if (!ps->warn)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(ps->warn, "%s:%d: ", ps->path, line);
	vfprintf(ps->warn, fmt, ap);
	fputc('\n', ps->warn);
	va_end(ap);
}

const char *const config_sort_names[CONFIG_NSORT] = { "pid", "name", "cpu", "rss", "heap", "lag" };

void config_default(vitals_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->theme, sizeof c->theme, "default");
	c->interval_s = 1.0;
	c->probe_hz = 1;
	c->window = 0;
	c->mouse = false;
	c->braille = false;
	c->bell = false;
	c->ring = ring_config_default;
	c->exited_keep_ms = 3600 * 1000;
	c->exited_max = 100;
	alerts_config_default(&c->alerts);
	c->on_alert_timeout_s = 30;
	c->hunt_spacing_s = 30;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* "1.5", "1.5s", "500ms", "10m", "1h" → milliseconds; -1 when malformed. */
static double parse_duration_ms(const char *v, double default_unit_ms)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (end == v || errno || !isfinite(x) || x < 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	double unit = default_unit_ms;
	if (*end == 0)
		unit = default_unit_ms;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else
		return -1;
	return x * unit;
}

static int parse_int(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (end == v || *end || errno || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static void set_string(parse_state *ps, char *dst, size_t n, const char *key, const char *v)
{
	if (strlen(v) >= n) {
		warnf(ps, ps->lineno, "value of '%s' is too long (max %zu)", key, n - 1);
		return;
	}
	snprintf(dst, n, "%s", v);
}

/* A duration of lo_ms .. hi_ms (range: how the warning says it) into *dst
 * in seconds. */
static void set_seconds(parse_state *ps, double *dst, const char *k, const char *v, double lo_ms, double hi_ms,
			const char *range)
{
	double ms = parse_duration_ms(v, 1000);
	if (ms < lo_ms || ms > hi_ms)
		warnf(ps, ps->lineno, "bad %s '%s' (%s)", k, v, range);
	else
		*dst = ms / 1000.0;
}

static void set_ui(parse_state *ps, const char *k, const char *v)
{
	vitals_config *c = ps->c;
	bool b;
	if (strcmp(k, "theme") == 0) {
		if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(v))
			warnf(ps, ps->lineno, "bad theme name '%s'", v);
		else
			set_string(ps, c->theme, sizeof c->theme, k, v);
	} else if (strcmp(k, "interval") == 0) {
		set_seconds(ps, &c->interval_s, k, v, 100, 60000, "100ms .. 60s");
	} else if (strcmp(k, "window") == 0) {
		static const char *const names[][3] = { { "1", "1m", "60s" }, { "2", "5m", "300s" },
			{ "3", "15m", "900s" }, { "4", "1h", "60m" }, { "5", "all", "0" } };
		int found = -1;
		for (int i = 0; i < 5 && found < 0; i++)
			for (int j = 0; j < 3; j++)
				if (strcasecmp(v, names[i][j]) == 0)
					found = i;
		if (found < 0)
			warnf(ps, ps->lineno, "bad window '%s' (1m, 5m, 15m, 1h, all or 1..5)", v);
		else
			c->window = found;
	} else if (strcmp(k, "sort") == 0) {
		int found = -1;
		for (int i = 0; i < CONFIG_NSORT; i++)
			if (strcasecmp(v, config_sort_names[i]) == 0)
				found = i;
		if (found < 0)
			warnf(ps, ps->lineno, "bad sort '%s' (pid, name, cpu, rss, heap or lag)", v);
		else
			c->sort = found;
	} else if (strcmp(k, "mouse") == 0 || strcmp(k, "braille") == 0 || strcmp(k, "bell") == 0 ||
		   strcmp(k, "sort_invert") == 0 || strcmp(k, "tree") == 0) {
		bool *dst = strcmp(k, "mouse") == 0 ? &c->mouse : strcmp(k, "braille") == 0 ? &c->braille
			  : strcmp(k, "bell") == 0 ? &c->bell : strcmp(k, "tree") == 0 ? &c->tree : &c->sort_invert;
		if (parse_bool(v, &b) < 0)
			warnf(ps, ps->lineno, "bad value '%s' for '%s' (yes or no)", v, k);
		else
			*dst = b;
	} else if (strcmp(k, "output_dir") == 0) {
		set_string(ps, c->output_dir, sizeof c->output_dir, k, v);
	} else {
		warnf(ps, ps->lineno, "unknown key '%s' in [ui]", k);
	}
}

static void set_history(parse_state *ps, const char *k, const char *v)
{
	long cap;
	if (strcmp(k, "exited_keep") == 0) {
		double ms = parse_duration_ms(v, 1000);
		if (ms < 0 || ms > 30 * 86400000.0)
			warnf(ps, ps->lineno, "bad value '%s' for 'exited_keep' (0 .. 30 days, e.g. 10m)", v);
		else
			ps->c->exited_keep_ms = (int64_t)ms;
		return;
	}
	if (strcmp(k, "exited_max") == 0) {
		if (parse_int(v, 0, 100000, &cap) < 0)
			warnf(ps, ps->lineno, "bad value '%s' for 'exited_max' (0 .. 100000 processes)", v);
		else
			ps->c->exited_max = (int)cap;
		return;
	}
	if (strcmp(k, "raw") == 0) {
		if (parse_int(v, 2, 1000000, &cap) < 0) {
			warnf(ps, ps->lineno, "bad value '%s' for 'raw' (2 .. 1000000 samples)", v);
			return;
		}
		ps->ring.tier[0].cap = (uint32_t)cap;
		ps->ring_set = true;
		return;
	}
	int t = 0;
	if (strlen(k) == 5 && strncmp(k, "tier", 4) == 0 && k[4] >= '1' && k[4] < '0' + RING_MAX_TIERS)
		t = k[4] - '0';
	if (!t) {
		warnf(ps, ps->lineno, "unknown key '%s' in [history]", k);
		return;
	}
	if (strcasecmp(v, "off") == 0 || strcasecmp(v, "none") == 0) {
		ps->ring.tier[t].cap = 0;
		ps->ring_set = true;
		return;
	}
	char span[32];
	const char *sep = v + strcspn(v, ":x ");
	size_t sl = (size_t)(sep - v);
	double ms = -1;
	if (*sep && sl < sizeof span) {
		memcpy(span, v, sl);
		span[sl] = 0;
		ms = parse_duration_ms(span, 1000);
		while (*sep == ':' || *sep == 'x' || *sep == ' ')
			sep++;
	}
	if (ms < 1000 || ms > 86400000.0 || parse_int(sep, 1, 1000000, &cap) < 0) {
		warnf(ps, ps->lineno, "bad value '%s' for '%s' (SPAN:COUNT, e.g. 10s:360, or off)", v, k);
		return;
	}
	ps->ring.tier[t].span_ms = (uint32_t)ms;
	ps->ring.tier[t].cap = (uint32_t)cap;
	ps->ring_set = true;
}

static void set_actions(parse_state *ps, const char *k, const char *v)
{
	vitals_config *c = ps->c;
	if (strcmp(k, "on_alert") == 0) {
		set_string(ps, c->on_alert, sizeof c->on_alert, k, v);
	} else if (strcmp(k, "timeout") == 0) {
		set_seconds(ps, &c->on_alert_timeout_s, k, v, 1000, 3600000, "1s .. 1h");
	} else if (strcmp(k, "auto_snapshot_spacing") == 0) {
		set_seconds(ps, &c->hunt_spacing_s, k, v, 1000, 3600000, "1s .. 1h");
	} else {
		warnf(ps, ps->lineno, "unknown key '%s' in [actions]", k);
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	parse_state *ps = user;
	vitals_config *c = ps->c;
	char err[200];
	if (strcmp(section, "ui") == 0) {
		set_ui(ps, name, value);
	} else if (strcmp(section, "probe") == 0) {
		long hz;
		if (strcmp(name, "hz") != 0)
			warnf(ps, ps->lineno, "unknown key '%s' in [probe]", name);
		else if (parse_int(value, 1, 20, &hz) < 0)
			warnf(ps, ps->lineno, "bad value '%s' for 'hz' (1 .. 20)", value);
		else
			c->probe_hz = (int)hz;
	} else if (strcmp(section, "history") == 0) {
		set_history(ps, name, value);
	} else if (strcmp(section, "alerts") == 0) {
		if (alerts_config_set(&c->alerts, name, value, err, sizeof err) < 0)
			warnf(ps, ps->lineno, "%s in [alerts]", err);
	} else if (strcmp(section, "log") == 0) {
		if (strcmp(name, "alert_log") == 0)
			set_string(ps, c->alert_log, sizeof c->alert_log, name, value);
		else
			warnf(ps, ps->lineno, "unknown key '%s' in [log]", name);
	} else if (strcmp(section, "actions") == 0) {
		set_actions(ps, name, value);
	} else if (!section[0]) {
		warnf(ps, ps->lineno, "key '%s' outside a section", name);
	} else if (strcmp(ps->bad_section, section) != 0) {
		snprintf(ps->bad_section, sizeof ps->bad_section, "%s", section);
		warnf(ps, ps->lineno, "unknown section [%s]", section);
	} else {
		ps->nwarn++;	/* further keys of a section already reported */
	}
	return 1;	/* never stop: everything else still applies */
}

/* inih's reader: one line per call, counted; malformed lines are reported
 * here and handed on blank. */
static char *reader(char *str, int num, void *stream)
{
	parse_state *ps = stream;
	if (!fgets(str, num, ps->f))
		return NULL;
	ps->lineno++;
	size_t n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(ps->f)) {
		int ch;
		while ((ch = fgetc(ps->f)) != EOF && ch != '\n')
			;
		warnf(ps, ps->lineno, "line too long (max %d characters)", num - 2);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	const char *s = str;
	while (isspace((unsigned char)*s))
		s++;
	bool blank = *s == 0 || *s == ';' || *s == '#';
	bool cont = s != str && !blank;	/* inih: indented line continues the value */
	if (!blank && *s == '[') {
		const char *close = strchr(s, ']');
		if (!close) {
			warnf(ps, ps->lineno, "malformed section header (missing ']')");
			snprintf(str, (size_t)num, "\n");
		}
	} else if (!blank && !cont && !strpbrk(s, "=:")) {
		warnf(ps, ps->lineno, "malformed line, expected 'key = value'");
		snprintf(str, (size_t)num, "\n");
	}
	return str;
}

static const char *default_path(char *buf, size_t n)
{
	return paths_user(PATHS_CONFIG, "vitals/config", buf, n);
}

int config_load_stream(vitals_config *c, FILE *f, const char *name, FILE *warn)
{
	parse_state ps;
	memset(&ps, 0, sizeof ps);
	ps.c = c;
	ps.path = name;
	ps.f = f;
	ps.warn = warn;
	ps.ring = c->ring;
	int r = ini_parse_stream(reader, &ps, handler, &ps);
	if (r > 0 && r != ps.last_warned)
		warnf(&ps, r, "syntax error");
	if (ps.ring_set) {
		/* drop tiers switched off (or never set) and close up the rest, so
		 * that "tier1 = off" keeps tier2 and tier3; spans must grow tier by
		 * tier */
		ring_config rc = { .ntiers = 1, .tier = { ps.ring.tier[0] } };
		bool ok = true;
		for (int i = 1; i < RING_MAX_TIERS; i++) {
			ring_tier_spec t = ps.ring.tier[i];
			if (t.cap == 0 || (i >= ps.ring.ntiers && t.span_ms == 0))
				continue;
			if (t.span_ms <= rc.tier[rc.ntiers - 1].span_ms)
				ok = false;
			rc.tier[rc.ntiers++] = t;
		}
		if (!ok) {
			ps.nwarn++;
			if (warn)
				fprintf(warn, "%s: [history] tier spans must grow from tier1 to tier3; history settings ignored\n",
					name);
		} else {
			c->ring = rc;
		}
	}
	return ps.nwarn;
}

int config_load(vitals_config *c, const char *path, FILE *warn)
{
	char buf[PATH_MAX];
	bool explicit_path = path != NULL;
	if (!path)
		path = default_path(buf, sizeof buf);
	if (!path)
		return 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!explicit_path && errno == ENOENT)
			return 0;	/* no config file is fine */
		if (warn)
			fprintf(warn, "%s: cannot read config: %s\n", path, strerror(errno));
		return explicit_path ? -1 : 1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		if (warn)
			fprintf(warn, "%s: cannot read config: is a directory\n", path);
		return explicit_path ? -1 : 1;
	}
	/* read it whole, capped: a device or a fifo has no size to check
	 * first, and /dev/zero (NULs, no newline) once kept the line reader
	 * busy forever */
	char *text = xmalloc(CONFIG_MAX_BYTES + 1);
	size_t len = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
	bool ioerr = ferror(f);
	fclose(f);
	const char *why = ioerr ? "read error" : len > CONFIG_MAX_BYTES ? "larger than 64 KiB" : NULL;
	if (why) {
		free(text);
		if (warn)
			fprintf(warn, "%s: cannot read config: %s\n", path, why);
		return explicit_path ? -1 : 1;
	}
	int n = 0;
	FILE *mem = len ? fmemopen(text, len, "r") : NULL;
	if (mem) {
		n = config_load_stream(c, mem, path, warn);
		fclose(mem);
	}
	free(text);
	return n;
}
