/* theme — colour roles and the themes that map them to terminal attributes.
 *
 * Widgets never name a colour: they ask for a role (ROLE_HEADER, ROLE_CRIT,
 * ...).  A theme gives each role a style (foreground, background, attribute
 * bits) read from a `key = value` file; keys the file leaves out keep the
 * built-in default theme's style, one key at a time.  theme_apply() resolves
 * every role ONCE into an attr_t carrying the colour pair for the terminal's
 * colour depth (truecolor, 256, 16, 8 or none), so drawing is an array index:
 * no string or colour lookups happen at draw time.
 *
 * Colour values (theme_color): THEME_COLOR_DEFAULT (the terminal's own),
 * 0..255 (palette index: the named colours are 0..15), or THEME_RGB(0xrrggbb).
 *
 * Ownership: a theme is a plain value (no heap memory); copy it freely.
 * Errors: -1 plus a one-line message in `char *err, size_t errlen`; file
 * warnings ("path:12: unknown key 'x'") go one per line to a FILE *.
 */
#ifndef VITALS_THEME_H
#define VITALS_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <curses.h>

typedef enum theme_role {
	ROLE_DEFAULT = 0,
	ROLE_HEADER,		/* the summary bar on top */
	ROLE_TITLE,		/* section titles, table header */
	ROLE_BORDER,
	ROLE_DIM,		/* secondary text, exited rows */
	ROLE_SELECTED,		/* the selected table row */
	ROLE_OK,
	ROLE_WARN,
	ROLE_CRIT,
	ROLE_SPARK_RSS,
	ROLE_SPARK_CPU,
	ROLE_SPARK_HEAP,
	ROLE_SPARK_LAG,
	ROLE_SPARK_ELU,
	ROLE_GC_MINOR,
	ROLE_GC_MAJOR,
	ROLE_GC_INCR,
	ROLE_GC_WEAK,
	ROLE_GC_LONG,		/* a pause above the threshold */
	ROLE_BAR_USED,
	ROLE_BAR_FREE,
	ROLE_BAR_LIMIT,
	ROLE_ALERT_INFO,
	ROLE_ALERT_WARN,
	ROLE_ALERT_CRIT,
	ROLE_STATUS,		/* the status line */
	ROLE_LOG_ERR,		/* stderr lines of a launched program */
	ROLE_HINT,		/* key hint line */
	ROLE_KEY,		/* a key name inside the hint line */
	ROLE_NCOUNT
} theme_role;

#define THEME_COLOR_DEFAULT (-1)
#define THEME_RGB_FLAG 0x1000000
#define THEME_RGB(rgb) ((int32_t)(THEME_RGB_FLAG | ((rgb) & 0xffffff)))
#define THEME_IS_RGB(c) ((c) >= THEME_RGB_FLAG)

/* Colour depths for theme_apply */
#define THEME_DEPTH_NONE 0
#define THEME_DEPTH_TRUECOLOR (1 << 24)

#define THEME_NAME_LEN 64
#define THEME_MAX_LIST 32

typedef struct theme_style {
	int32_t fg, bg;		/* theme_color */
	attr_t attrs;		/* A_BOLD | A_REVERSE | A_UNDERLINE | A_DIM | ... */
} theme_style;

typedef struct theme {
	char name[THEME_NAME_LEN];
	theme_style style[ROLE_NCOUNT];
	/* resolved by theme_apply(); before it, theme_attr gives the bare attrs */
	attr_t attr[ROLE_NCOUNT];
	int depth;
} theme;

/* Role key as written in theme files ("header", "spark_rss"), or NULL. */
const char *theme_role_key(theme_role r);

/* The built-in default (dark) theme; never fails. */
void theme_default(theme *th);

/* Parse theme text over th (which should hold defaults already).  fname is
 * used in warnings.  Returns the number of warnings written to warn. */
int theme_parse(theme *th, const char *text, size_t len, const char *fname, FILE *warn);
/* Defaults + one file.  -1 (err set) if it cannot be read. */
int theme_load_file(theme *th, const char *path, FILE *warn, char *err, size_t errlen);
/* Defaults + the theme called name: $XDG_CONFIG_HOME/vitals/themes/NAME.theme
 * (else ~/.config/...), then the shipped themes directory.  "default" with no
 * file anywhere is the built-in theme.  -1 if there is no such theme: err
 * says so and lists the available ones. */
int theme_load(theme *th, const char *name, FILE *warn, char *err, size_t errlen);
/* Sorted, de-duplicated names of every installed/user theme. Returns count. */
int theme_list(char names[][THEME_NAME_LEN], int max);

/* The depth to use for this terminal (after start_color): none when
 * NO_COLOR is set non-empty or the terminal has no colours; truecolor when
 * the terminal does direct colour, or COLORTERM says truecolor/24bit and
 * colours can be redefined; else 256 / 16 / 8 by COLORS. */
int theme_detect_depth(void);
/* Resolve every role for depth: initialises colour pairs (curses must be
 * running with start_color() done, unless depth is none). */
void theme_apply(theme *th, int depth);
/* Nearest palette index for colour c at depth 8, 16 or 256 (c may be a
 * palette index already).  -1 stays -1 (terminal default). */
int theme_color_index(int32_t c, int depth);

/* Attribute + colour pair for a role: an array read. NULL theme: A_NORMAL. */
static inline attr_t theme_attr(const theme *th, theme_role r)
{
	if (!th || (unsigned)r >= ROLE_NCOUNT)
		return A_NORMAL;
	return th->attr[r];
}

#endif
