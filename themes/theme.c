/* theme — role styles from theme files, resolved once into curses attributes.
 *
 * Data: a theme is an array of ROLE_NCOUNT styles plus the resolved attr_t of
 * each role.  Invariant: every role always has a style — theme_default() fills
 * all of them and a file only overrides the keys it names, so a theme file
 * that forgets a key (or a newer vitals that adds a role) still draws.
 *
 * File format, one setting per line:
 *     # comment
 *     header = #ffffff on #005f87 bold
 *     dim    = brightblack
 *     ok     = green
 * The value is an optional foreground colour, an optional `on BACKGROUND`,
 * and attribute words (bold dim reverse underline italic blink standout).
 * A comment is a line starting with '#', or " # " after a value.
 * A colour is `default`, a name (red, brightblue, grey...), `colorN`/N
 * (0..255) or #rrggbb.  Anything else is a warning naming file and line;
 * parsing goes on with the next line.
 *
 * Resolution: "default" foreground/background of any role mean those of
 * ROLE_DEFAULT, so a light theme's background covers the whole screen.
 */
#include "themes/theme.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"

#define THEME_MAX_BYTES (64 * 1024)

static const char *const role_keys[ROLE_NCOUNT] = {
	[ROLE_DEFAULT] = "default",	[ROLE_HEADER] = "header",
	[ROLE_TITLE] = "title",		[ROLE_BORDER] = "border",
	[ROLE_DIM] = "dim",		[ROLE_SELECTED] = "selected",
	[ROLE_OK] = "ok",		[ROLE_WARN] = "warn",
	[ROLE_CRIT] = "crit",		[ROLE_SPARK_RSS] = "spark_rss",
	[ROLE_SPARK_CPU] = "spark_cpu",	[ROLE_SPARK_HEAP] = "spark_heap",
	[ROLE_SPARK_LAG] = "spark_lag",	[ROLE_SPARK_ELU] = "spark_elu",
	[ROLE_GC_MINOR] = "gc_minor",	[ROLE_GC_MAJOR] = "gc_major",
	[ROLE_GC_INCR] = "gc_incr",	[ROLE_GC_WEAK] = "gc_weak",
	[ROLE_GC_LONG] = "gc_long",	[ROLE_BAR_USED] = "bar_used",
	[ROLE_BAR_FREE] = "bar_free",	[ROLE_BAR_LIMIT] = "bar_limit",
	[ROLE_ALERT_INFO] = "alert_info", [ROLE_ALERT_WARN] = "alert_warn",
	[ROLE_ALERT_CRIT] = "alert_crit", [ROLE_STATUS] = "status",
	[ROLE_LOG_ERR] = "log_err",	[ROLE_HINT] = "hint",
	[ROLE_KEY] = "key",
};

#define D THEME_COLOR_DEFAULT
#define RGB(x) THEME_RGB(0x##x)
/* The built-in dark theme; themes/default.theme says the same (tested). */
static const theme_style default_styles[ROLE_NCOUNT] = {
	[ROLE_DEFAULT] = { D, D, 0 },
	[ROLE_HEADER] = { RGB(ffffff), RGB(005f87), A_BOLD },
	[ROLE_TITLE] = { RGB(87afd7), D, A_BOLD },
	[ROLE_BORDER] = { RGB(585858), D, 0 },
	[ROLE_DIM] = { RGB(808080), D, 0 },
	[ROLE_SELECTED] = { RGB(ffffff), RGB(303030), A_BOLD },
	[ROLE_OK] = { RGB(5fd75f), D, 0 },
	[ROLE_WARN] = { RGB(ffaf00), D, A_BOLD },
	[ROLE_CRIT] = { RGB(ff5f5f), D, A_BOLD },
	[ROLE_SPARK_RSS] = { RGB(5fafff), D, 0 },
	[ROLE_SPARK_CPU] = { RGB(87d75f), D, 0 },
	[ROLE_SPARK_HEAP] = { RGB(d787ff), D, 0 },
	[ROLE_SPARK_LAG] = { RGB(ffd75f), D, 0 },
	[ROLE_SPARK_ELU] = { RGB(5fd7d7), D, 0 },
	[ROLE_GC_MINOR] = { RGB(808080), D, 0 },
	[ROLE_GC_MAJOR] = { RGB(ff875f), D, A_BOLD },
	[ROLE_GC_INCR] = { RGB(5fafd7), D, 0 },
	[ROLE_GC_WEAK] = { RGB(af87d7), D, 0 },
	[ROLE_GC_LONG] = { RGB(ffffff), RGB(d70000), A_BOLD },
	[ROLE_BAR_USED] = { RGB(5fafff), D, 0 },
	[ROLE_BAR_FREE] = { RGB(444444), D, 0 },
	[ROLE_BAR_LIMIT] = { RGB(ff5f5f), D, A_BOLD },
	[ROLE_ALERT_INFO] = { RGB(87afd7), D, 0 },
	[ROLE_ALERT_WARN] = { RGB(ffaf00), D, A_BOLD },
	[ROLE_ALERT_CRIT] = { RGB(ff5f5f), D, A_BOLD },
	[ROLE_STATUS] = { RGB(d0d0d0), RGB(262626), 0 },
	[ROLE_LOG_ERR] = { RGB(ff8787), D, 0 },
	[ROLE_HINT] = { RGB(808080), D, 0 },
	[ROLE_KEY] = { RGB(ffd75f), D, A_BOLD },
};
#undef RGB
#undef D

/* Without colour, attributes alone keep the roles apart. */
static const attr_t mono_attrs[ROLE_NCOUNT] = {
	[ROLE_HEADER] = A_REVERSE | A_BOLD, [ROLE_TITLE] = A_BOLD,
	[ROLE_BORDER] = A_DIM, [ROLE_DIM] = A_DIM, [ROLE_SELECTED] = A_REVERSE,
	[ROLE_WARN] = A_BOLD, [ROLE_CRIT] = A_BOLD | A_UNDERLINE,
	[ROLE_GC_MINOR] = A_DIM, [ROLE_GC_MAJOR] = A_BOLD, [ROLE_GC_WEAK] = A_DIM,
	[ROLE_GC_LONG] = A_REVERSE | A_UNDERLINE, [ROLE_BAR_FREE] = A_DIM,
	[ROLE_BAR_LIMIT] = A_BOLD, [ROLE_ALERT_WARN] = A_BOLD,
	[ROLE_ALERT_CRIT] = A_BOLD | A_UNDERLINE, [ROLE_STATUS] = A_REVERSE,
	[ROLE_LOG_ERR] = A_BOLD, [ROLE_HINT] = A_DIM, [ROLE_KEY] = A_BOLD,
};

static const struct { const char *name; int idx; } color_names[] = {
	{ "black", 0 }, { "red", 1 }, { "green", 2 }, { "yellow", 3 },
	{ "blue", 4 }, { "magenta", 5 }, { "cyan", 6 }, { "white", 7 },
	{ "brightblack", 8 }, { "grey", 8 }, { "gray", 8 }, { "brightred", 9 },
	{ "brightgreen", 10 }, { "brightyellow", 11 }, { "brightblue", 12 },
	{ "brightmagenta", 13 }, { "brightcyan", 14 }, { "brightwhite", 15 },
};

static const struct { const char *name; attr_t a; } attr_names[] = {
	{ "bold", A_BOLD }, { "dim", A_DIM }, { "reverse", A_REVERSE },
	{ "underline", A_UNDERLINE }, { "italic", A_ITALIC }, { "blink", A_BLINK },
	{ "standout", A_STANDOUT }, { "normal", A_NORMAL }, { "none", A_NORMAL },
};

/* xterm's values for the 16 basic colours, for nearest-colour mapping. */
static const uint32_t basic16[16] = {
	0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
	0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

const char *theme_role_key(theme_role r)
{
	return (unsigned)r < ROLE_NCOUNT ? role_keys[r] : NULL;
}

void theme_default(theme *th)
{
	memset(th, 0, sizeof *th);
	snprintf(th->name, sizeof th->name, "default");
	memcpy(th->style, default_styles, sizeof th->style);
	for (int i = 0; i < ROLE_NCOUNT; i++)
		th->attr[i] = th->style[i].attrs;
}

/* Parse one colour token; 0 on success. */
static int parse_color(const char *tok, int32_t *out)
{
	if (strcasecmp(tok, "default") == 0) {
		*out = THEME_COLOR_DEFAULT;
		return 0;
	}
	if (tok[0] == '#') {
		if (strlen(tok) != 7)
			return -1;
		for (int i = 1; i < 7; i++)
			if (!isxdigit((unsigned char)tok[i]))
				return -1;
		*out = THEME_RGB((uint32_t)strtoul(tok + 1, NULL, 16));
		return 0;
	}
	for (size_t i = 0; i < sizeof color_names / sizeof color_names[0]; i++)
		if (strcasecmp(tok, color_names[i].name) == 0) {
			*out = color_names[i].idx;
			return 0;
		}
	const char *num = strncasecmp(tok, "color", 5) == 0 ? tok + 5 : tok;
	if (*num && strspn(num, "0123456789") == strlen(num) && strlen(num) <= 3) {
		int v = atoi(num);
		if (v <= 255) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

static int parse_attr(const char *tok, attr_t *out)
{
	for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
		if (strcasecmp(tok, attr_names[i].name) == 0) {
			*out |= attr_names[i].a;
			return 0;
		}
	return -1;
}

/* Parse a style value; on failure *bad is the offending token. */
static int parse_style(char *val, theme_style *st, const char **bad)
{
	theme_style s = { THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0 };
	bool have_fg = false, want_bg = false, have_bg = false;
	char *save = NULL;
	for (char *tok = strtok_r(val, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		int32_t c;
		*bad = tok;
		if (want_bg) {
			if (parse_color(tok, &c) < 0)
				return -1;
			s.bg = c;
			want_bg = false;
			have_bg = true;
		} else if (strcasecmp(tok, "on") == 0) {
			if (have_bg)
				return -1;
			want_bg = true;
		} else if (parse_attr(tok, &s.attrs) == 0) {
			continue;
		} else if (!have_fg && !have_bg && parse_color(tok, &c) == 0) {
			s.fg = c;
			have_fg = true;
		} else {
			return -1;
		}
	}
	if (want_bg) {
		*bad = "on";
		return -1;
	}
	*st = s;
	return 0;
}

static char *trim(char *s)
{
	/* scan-build: s is a NUL-terminated line its caller copied with memcpy,
	 * whose bytes the analyzer loses */
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Cut an inline comment: " # text" (a lone '#' word; #rrggbb is a colour). */
static void cut_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && p > s && isspace((unsigned char)p[-1]) &&
		    (p[1] == 0 || isspace((unsigned char)p[1]))) {
			*p = 0;
			return;
		}
	}
}

int theme_parse(theme *th, const char *text, size_t len, const char *fname, FILE *warn)
{
	int nwarn = 0, lineno = 0;
	size_t pos = 0;
	char line[512];
	while (pos < len) {
		size_t e = pos;
		while (e < len && text[e] != '\n')
			e++;
		lineno++;
		size_t n = e - pos;
		bool toolong = n >= sizeof line;
		if (toolong)
			n = sizeof line - 1;
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos = e + 1;
		/* NUL bytes would silently shorten the line: treat as malformed */
		bool has_nul = strlen(line) != n;
		char *s = trim(line);
		if (*s == '#' || (*s == 0 && !has_nul))
			continue;
		if (toolong || has_nul) {
			if (warn)
				fprintf(warn, "%s:%d: malformed line (%s)\n", fname, lineno,
					toolong ? "too long" : "NUL byte");
			nwarn++;
			continue;
		}
		cut_comment(s);
		char *eq = strchr(s, '=');
		if (!eq) {
			if (warn)
				fprintf(warn, "%s:%d: malformed line, expected 'key = value'\n", fname, lineno);
			nwarn++;
			continue;
		}
		*eq = 0;
		char *key = trim(s), *val = trim(eq + 1);
		int role = -1;
		for (int i = 0; i < ROLE_NCOUNT; i++)
			if (strcasecmp(key, role_keys[i]) == 0)
				role = i;
		if (role < 0) {
			if (warn)
				fprintf(warn, "%s:%d: unknown key '%s'\n", fname, lineno, key);
			nwarn++;
			continue;
		}
		theme_style st;
		const char *bad = "";
		char vcopy[512];
		snprintf(vcopy, sizeof vcopy, "%s", val);
		if (*val == 0 || parse_style(val, &st, &bad) < 0) {
			if (warn)
				fprintf(warn, "%s:%d: bad value '%s' for '%s' (at '%s')\n", fname, lineno,
					vcopy, key, *vcopy ? bad : "");
			nwarn++;
			continue;
		}
		th->style[role] = st;
		th->attr[role] = st.attrs;
	}
	return nwarn;
}

int theme_load_file(theme *th, const char *path, FILE *warn, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read theme %s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(THEME_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "cannot read theme %s: out of memory", path);
		return -1;
	}
	size_t n = fread(buf, 1, THEME_MAX_BYTES + 1, f);
	bool ioerr = ferror(f);
	fclose(f);
	if (ioerr || n > THEME_MAX_BYTES) {
		free(buf);
		snprintf(err, errlen, "cannot read theme %s: %s", path,
			 ioerr ? "read error" : "larger than 64 KiB");
		return -1;
	}
	theme_default(th);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t bl = strlen(base);
	if (bl > 6 && strcmp(base + bl - 6, ".theme") == 0)
		bl -= 6;
	snprintf(th->name, sizeof th->name, "%.*s", (int)bl, base);
	int w = theme_parse(th, buf, n, path, warn);
	free(buf);
	return w;
}

static const char *user_theme_dir(char *buf, size_t n)
{
	return paths_user(PATHS_CONFIG, "vitals/themes", buf, n);
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n < THEME_NAME_LEN - 6 && name[0] != '.' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

int theme_load(theme *th, const char *name, FILE *warn, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + THEME_NAME_LEN + 8];
	const char *dirs[2];
	dirs[0] = user_theme_dir(dir, sizeof dir);
	char shipped[PATH_MAX];
	dirs[1] = paths_data("themes", shipped, sizeof shipped);
	if (name_ok(name)) {
		for (int i = 0; i < 2; i++) {
			if (!dirs[i])
				continue;
			snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
			if (access(path, F_OK) == 0)
				return theme_load_file(th, path, warn, err, errlen);
		}
		if (strcmp(name, "default") == 0) {
			theme_default(th);
			return 0;
		}
	}
	char names[THEME_MAX_LIST][THEME_NAME_LEN];
	int n = theme_list(names, THEME_MAX_LIST);
	size_t off = (size_t)snprintf(err, errlen, "unknown theme '%.64s' (available:", name);
	for (int i = 0; i < n && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s %s", i ? "," : "", names[i]);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
	return -1;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int theme_list(char names[][THEME_NAME_LEN], int max)
{
	char udir[PATH_MAX], sdir[PATH_MAX];
	const char *dirs[2] = { user_theme_dir(udir, sizeof udir),
				paths_data("themes", sdir, sizeof sdir) };
	int n = 0;
	if (max > 0)
		snprintf(names[n++], THEME_NAME_LEN, "default");
	for (int d = 0; d < 2; d++) {
		DIR *dp = dirs[d] ? opendir(dirs[d]) : NULL;
		struct dirent *e;
		while (dp && (e = readdir(dp))) {
			size_t l = strlen(e->d_name);
			if (l <= 6 || strcmp(e->d_name + l - 6, ".theme") != 0)
				continue;
			char nm[THEME_NAME_LEN];
			if (l - 6 >= sizeof nm)
				continue;
			snprintf(nm, sizeof nm, "%.*s", (int)(l - 6), e->d_name);
			if (!name_ok(nm))
				continue;
			bool dup = false;
			for (int i = 0; i < n; i++)
				dup |= strcmp(names[i], nm) == 0;
			if (!dup && n < max)
				memcpy(names[n++], nm, sizeof nm);
		}
		if (dp)
			closedir(dp);
	}
	qsort(names, (size_t)n, THEME_NAME_LEN, cmp_name);
	return n;
}

int theme_detect_depth(void)
{
	const char *nc = getenv("NO_COLOR");
	if ((nc && *nc) || !has_colors() || COLORS < 8)
		return THEME_DEPTH_NONE;
	if (COLORS >= 0x1000000)
		return THEME_DEPTH_TRUECOLOR;
	const char *ct = getenv("COLORTERM");
	if (ct && (strcmp(ct, "truecolor") == 0 || strcmp(ct, "24bit") == 0) &&
	    can_change_color() && COLORS >= 256)
		return THEME_DEPTH_TRUECOLOR;
	return COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
}

static uint32_t dist2(uint32_t a, uint32_t b)
{
	int dr = (int)(a >> 16 & 255) - (int)(b >> 16 & 255);
	int dg = (int)(a >> 8 & 255) - (int)(b >> 8 & 255);
	int db = (int)(a & 255) - (int)(b & 255);
	/* weights close to perceived brightness, so greys stay grey */
	return (uint32_t)(3 * dr * dr + 4 * dg * dg + 2 * db * db);
}

static uint32_t xterm256_rgb(int i)
{
	static const int lv[6] = { 0, 95, 135, 175, 215, 255 };
	if (i < 16)
		return basic16[i];
	if (i < 232) {
		i -= 16;
		return (uint32_t)(lv[i / 36] << 16 | lv[i / 6 % 6] << 8 | lv[i % 6]);
	}
	int g = 8 + (i - 232) * 10;
	return (uint32_t)(g << 16 | g << 8 | g);
}

int theme_color_index(int32_t c, int depth)
{
	if (c < 0)
		return -1;
	int ncol = depth >= 256 ? 256 : depth >= 16 ? 16 : 8;
	if (!THEME_IS_RGB(c)) {
		if (c < ncol)
			return c;
		if (c < 16)	/* bright on an 8-colour terminal */
			return c - 8;
		return theme_color_index(THEME_RGB(xterm256_rgb(c)), depth);
	}
	uint32_t rgb = (uint32_t)c & 0xffffff;
	/* the 16 basic colours are user-configurable: match 256 in 16..255 */
	int from = ncol == 256 ? 16 : 0, best = from;
	uint32_t bd = UINT32_MAX;
	for (int i = from; i < ncol; i++) {
		uint32_t d = dist2(rgb, xterm256_rgb(i));
		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	return best;
}

/* Colour number for the terminal at depth; rgb slots are allocated in
 * truecolor mode on a palette terminal. */
static int resolve_color(int32_t c, int depth, int *next_slot, int32_t *slot_rgb, int nslot)
{
	if (c < 0)
		return -1;
	if (depth != THEME_DEPTH_TRUECOLOR)
		return theme_color_index(c, depth);
	if (!THEME_IS_RGB(c))
		return c < COLORS ? c : theme_color_index(c, 256);
	uint32_t rgb = (uint32_t)c & 0xffffff;
	if (COLORS >= 0x1000000)	/* direct colour: the number is the colour */
		return (int)rgb;
	for (int i = 0; i < *next_slot; i++)
		if (slot_rgb[i] == c)
			return 16 + i;
	if (*next_slot >= nslot || 16 + *next_slot >= COLORS)
		return theme_color_index(c, 256);
	int slot = 16 + *next_slot;
	slot_rgb[(*next_slot)++] = c;
	init_extended_color(slot, (int)(rgb >> 16 & 255) * 1000 / 255,
			    (int)(rgb >> 8 & 255) * 1000 / 255, (int)(rgb & 255) * 1000 / 255);
	return slot;
}

void theme_apply(theme *th, int depth)
{
	th->depth = depth;
	if (depth == THEME_DEPTH_NONE) {
		/* a colour theme's attributes were chosen next to its colours;
		 * without colours the built-in set keeps every role apart */
		for (int i = 0; i < ROLE_NCOUNT; i++)
			th->attr[i] = mono_attrs[i];
		return;
	}
	use_default_colors();
	int32_t slot_rgb[2 * ROLE_NCOUNT];
	int next_slot = 0, npairs = 0;
	int pair_fg[ROLE_NCOUNT], pair_bg[ROLE_NCOUNT];
	const theme_style *base = &th->style[ROLE_DEFAULT];
	for (int i = 0; i < ROLE_NCOUNT; i++) {
		const theme_style *s = &th->style[i];
		int32_t fgc = s->fg < 0 ? base->fg : s->fg, bgc = s->bg < 0 ? base->bg : s->bg;
		attr_t a = s->attrs;
		/* 8 colours: a bright foreground becomes bold of its base colour */
		if (depth == 8 && fgc >= 8 && fgc < 16)
			a |= A_BOLD;
		int fg = resolve_color(fgc, depth, &next_slot, slot_rgb, 2 * ROLE_NCOUNT);
		int bg = resolve_color(bgc, depth, &next_slot, slot_rgb, 2 * ROLE_NCOUNT);
		int pair = 0;
		if (fg != -1 || bg != -1) {
			for (int k = 0; k < npairs && !pair; k++)
				if (pair_fg[k] == fg && pair_bg[k] == bg)
					pair = k + 1;
			if (!pair && npairs < COLOR_PAIRS - 1) {
				pair_fg[npairs] = fg;
				pair_bg[npairs] = bg;
				pair = ++npairs;
				init_extended_pair(pair, fg, bg);
			}
		}
		th->attr[i] = a | COLOR_PAIR(pair);
	}
}
