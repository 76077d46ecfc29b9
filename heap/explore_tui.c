/* explore_tui — the terminal front end of `vitals heap explore FILE`: draws
 * explore.h's rows with curses and maps keys to its operations.  One screen:
 * a title line (file, view, mode, sort), the rows (tree on the left; count,
 * self and retained size on the right), a status line (the selected object,
 * or a prompt, or the keys).  Fits 80x24; narrower terminals lose the count
 * column, then the self column.  Names from the snapshot are outside input:
 * control characters are drawn as '?' and every name is cut to its column.
 * The terminal is restored on every way out (q, end of input, errors).
 *
 * The first frame comes before the retained sizes (explore.h): their column
 * shows "…" and the rows are by self size until explore_ui_tick takes them
 * in (the command's loop polls every 100 ms meanwhile).  A key that opens a
 * row waits for them: it is kept and done when they come, unless another
 * key comes first.
 */
#include "heap/explore_tui.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heap/explore.h"
#include "widgets/lineedit.h"

struct explore_ui {
	explore *x;		/* owned */
	char *path;		/* owned: the title's file name(s) */
	bool embedded;		/* in the dashboard: q and Esc at the top leave */
	char prompt_kind;	/* 0, '/' search, '#' jump to id */
	char input[64];		/* the prompt's line (UTF-8), edited as the dashboard's */
	size_t input_cur;	/* its cursor, a byte offset */
	char status[160];
	char needle[64];
	int deferred;		/* a key that waits for the retained sizes, or 0 */
	bool deferred_is_key;	/* it is a curses key code (KEY_RIGHT), not a character */
};

explore_ui *explore_ui_new(explore *x, const char *title, bool embedded)
{
	explore_ui *u = calloc(1, sizeof *u);
	if (!u || !(u->path = strdup(title))) {
		free(u);
		return NULL;
	}
	u->x = x;
	u->embedded = embedded;
	if (x->retained_err[0])
		snprintf(u->status, sizeof u->status, "no retained sizes: %.120s", x->retained_err);
	return u;
}

void explore_ui_free(explore_ui *u)
{
	if (!u)
		return;
	explore_free(u->x);
	free(u->path);
	free(u);
}

explore *explore_ui_explorer(explore_ui *u)
{
	return u->x;
}

/* Draw text at (y, x) in exactly width columns: UTF-8 kept, control
 * characters as '?', cut with '~' when longer. */
static void put_cols(int y, int x, const char *s, int width)
{
	char buf[1024];
	size_t o = 0;
	int cols = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && cols < width && o + 8 < sizeof buf) {
		size_t n = 1;
		if (*p >= 0x80)
			while ((p[n] & 0xc0) == 0x80 && n < 4)
				n++;
		if (cols == width - 1 && p[n]) {
			buf[o++] = '~';
			cols++;
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			buf[o++] = '?';
		} else {
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
		cols++;
	}
	while (cols < width && o + 1 < sizeof buf) {
		buf[o++] = ' ';
		cols++;
	}
	buf[o] = '\0';
	mvaddstr(y, x, buf);
}

/* Bytes of s beyond one per column (UTF-8 continuation bytes): what a
 * printf width must add for s to take that many columns. */
static int extra_bytes(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) == 0x80;
	return n;
}

static const char *const mode_names[EXPLORE_NMODES] = { "containment", "retainers", "dominated" };
static const char *const sort_names[] = { "retained", "count", "self", "retained" };
static const char *const diff_sort_names[] = { "size delta", "count delta", "new size", "size delta" };

/* A signed number with its sign ("+12", "-3", "0"). */
static void signed_str(char *buf, size_t n, uint64_t plus, uint64_t minus)
{
	if (plus >= minus)
		snprintf(buf, n, plus > minus ? "+%llu" : "%llu", (unsigned long long)(plus - minus));
	else
		snprintf(buf, n, "-%llu", (unsigned long long)(minus - plus));
}

/* The three number columns of a row: Count, Self, Retained; in diff mode
 * # New, # Deleted, Size delta for a class and, for a new object (an
 * instance row), its self size as the delta it adds. */
static void row_numbers(const explore *x, const explore_row *r, char c1[24], char c2[24], char c3[24], char c4[24])
{
	uint64_t count, self, ret;
	explore_numbers(x, r, &count, &self, &ret);
	c1[0] = c2[0] = c3[0] = c4[0] = '\0';
	if (r->kind == ROW_MORE)
		return;
	if (explore_pending(x) || !x->d)
		snprintf(c4, 24, "%s", explore_pending(x) ? "\u2026" : "-");	/* computing, or failed */
	else
		snprintf(c4, 24, "%llu", (unsigned long long)ret);
	if (!x->diff) {
		if (r->kind == ROW_CLASS)
			snprintf(c1, 24, "%llu", (unsigned long long)count);
		snprintf(c2, 24, "%llu", (unsigned long long)self);
		return;
	}
	if (r->kind == ROW_CLASS) {
		const explore_delta *d = &x->delta[r->cls];
		snprintf(c1, 24, "+%llu", (unsigned long long)d->added);
		snprintf(c2, 24, "-%llu", (unsigned long long)d->removed);
		signed_str(c3, 24, d->added_self, d->removed_self);
	} else if (r->via == 0) {
		snprintf(c3, 24, "+%llu", (unsigned long long)self);
	}
}

void explore_ui_draw(explore_ui *u)
{
	explore *x = u->x;
	int h = LINES, w = COLS;
	erase();
	if (h < 5 || w < 30) {
		put_cols(0, 0, "vitals heap explore: the terminal is too small (30x5 at least)", w);
		return;
	}
	char title[400];
	/* the file last: a long path is what gets cut */
	snprintf(title, sizeof title, " %s%s view \u2014 expand: %s \u2014 sort: %s \u2014 %s", x->diff ? "diff, " : "",
		 x->sum->view == HEAP_VIEW_RAW ? "raw" : "DevTools", mode_names[x->mode],
		 (x->diff ? diff_sort_names : sort_names)[x->sort], u->path);
	attron(A_REVERSE);
	put_cols(0, 0, title, w);
	attroff(A_REVERSE);
	/* number columns, the first two dropped when narrow: count 10, self
	 * 12, retained 12; in diff mode # New 9, # Deleted 10, delta 11,
	 * retained 11 */
	bool show1 = w >= 70, show2 = w >= 50, show3 = x->diff;
	int w1 = x->diff ? 9 : 10, w2 = x->diff ? 10 : 12, w3 = 11, w4 = x->diff ? 11 : 12;
	int right = w4 + (show3 ? w3 : 0) + (show2 ? w2 : 0) + (show1 ? w1 : 0);
	int namew = w - right;
	int rows = h - 3;
	char hdr[200];
	snprintf(hdr, sizeof hdr, "%*s%*s%*s%*s", show1 ? w1 : 0, show1 ? (x->diff ? "# New" : "Count") : "",
		 show2 ? w2 : 0, show2 ? (x->diff ? "# Deleted" : "Self") : "", show3 ? w3 : 0,
		 show3 ? "Size \u0394" : "", w4, "Retained");
	put_cols(1, 0, x->diff ? "Constructor / new object" : "Constructor / object", namew);
	put_cols(1, namew, hdr, right + (show3 ? 1 : 0));	/* Δ: two bytes, one column */
	if (x->sel < x->top)
		x->top = x->sel;
	if (x->sel >= x->top + (size_t)rows)
		x->top = x->sel - (size_t)rows + 1;
	for (int i = 0; i < rows && x->top + (size_t)i < x->nrows; i++) {
		size_t ri = x->top + (size_t)i;
		const explore_row *r = &x->rows[ri];
		char *label = explore_label(x, r);
		char line[1200];
		int ind = r->depth * 2 < namew / 2 ? r->depth * 2 : namew / 2;
		const char *mark = r->kind == ROW_MORE ? "  " : r->expanded ? "\u25be " : "\u25b8 ";
		snprintf(line, sizeof line, "%*s%s%s", ind, "", mark, label ? label : "?");
		free(label);
		if (ri == x->sel)
			attron(A_REVERSE);
		put_cols(2 + i, 0, line, namew);
		char c1[24], c2[24], c3[24], c4[24], num[120];
		row_numbers(x, r, c1, c2, c3, c4);
		snprintf(num, sizeof num, "%*s%*s%*s%*s", show1 ? w1 : 0, show1 ? c1 : "", show2 ? w2 : 0,
			 show2 ? c2 : "", show3 ? w3 : 0, show3 ? c3 : "", w4 + extra_bytes(c4), c4);
		put_cols(2 + i, namew, num, right);
		if (ri == x->sel)
			attroff(A_REVERSE);
	}
	char status[300];
	int cursor = -1;	/* the prompt's cursor column, a reversed cell */
	if (u->prompt_kind) {
		const char *lead = u->prompt_kind == '/' ? "search constructor: " : "jump to id: @";
		snprintf(status, sizeof status, "%s%s", lead, u->input);
		cursor = (int)strlen(lead) + lineedit_cursor_col(u->input, u->input_cur);
	} else if (u->status[0])
		snprintf(status, sizeof status, "%s", u->status);
	else if (explore_pending(x))
		snprintf(status, sizeof status, "computing retained sizes\u2026  \u2191\u2193 move  s sort  / search  # id  %s",
			 u->embedded ? "Esc/q dashboard" : "q quit");
	else if (x->nrows == 0 && x->diff)
		snprintf(status, sizeof status, "no object was added or deleted between the two snapshots  %s",
			 u->embedded ? "Esc back" : "q quit");
	else
		snprintf(status, sizeof status,
			 "\u2191\u2193 move  \u2192/Enter expand  \u2190 back  m mode  s sort  / search  # id  %s",
			 u->embedded ? "Esc/q dashboard" : "q quit");
	put_cols(h - 1, 0, status, w);
	if (cursor >= 0 && cursor < w)
		mvchgat(h - 1, cursor, 1, A_REVERSE, 0, NULL);
}

/* The parent row of row i (the nearest row above with a smaller depth). */
static size_t parent_of(const explore *x, size_t i)
{
	uint8_t d = x->rows[i].depth;
	while (i-- > 0)
		if (x->rows[i].depth < d)
			return i;
	return SIZE_MAX;
}

static void oom(explore_ui *u)
{
	snprintf(u->status, sizeof u->status, "out of memory: that list is too long to open");
}

/* A key in a prompt: the dashboard's line editing (cursor keys, Ctrl-U/W/
 * A/E/K, UTF-8: constructor names are in any script), Esc cancels, Enter
 * searches or jumps. */
static void prompt_key(explore_ui *u, wint_t ch, bool is_key)
{
	explore *x = u->x;
	if (!is_key && ch == 27) {
		u->prompt_kind = 0;
		return;
	}
	if ((!is_key && (ch == '\n' || ch == '\r')) || (is_key && ch == KEY_ENTER)) {
		char kind = u->prompt_kind;
		u->prompt_kind = 0;
		if (kind == '/') {
			snprintf(u->needle, sizeof u->needle, "%s", u->input);
			size_t i = explore_find(x, u->needle);
			if (i == SIZE_MAX)
				snprintf(u->status, sizeof u->status, "no constructor matches \"%.60s\"", u->needle);
			else
				x->sel = i;
		} else {
			char *end;
			unsigned long id = strtoul(u->input, &end, 10);
			if (!u->input[0] || *end || id > UINT32_MAX || explore_jump(x, (uint32_t)id) < 0)
				snprintf(u->status, sizeof u->status, "no object @%.20s", u->input);
		}
		return;
	}
	lineedit_key(u->input, sizeof u->input, &u->input_cur, ch, is_key, u->prompt_kind == '#');
}

explore_key explore_ui_key(explore_ui *u, wint_t wch, bool is_key)
{
	explore *x = u->x;
	int page = LINES - 3 > 1 ? LINES - 3 : 1;
	if (u->prompt_kind) {
		prompt_key(u, wch, is_key);
		return EXPLORE_KEY_STAY;
	}
	/* a typed character beyond Latin-1 is no key of the explorer's, and one
	 * whose code is also a curses key code (U+0103 is KEY_UP) is not that key */
	if (!is_key && wch >= 256)
		return EXPLORE_KEY_STAY;
	if (is_key && wch < 256)
		return EXPLORE_KEY_STAY;
	int ch = (int)wch;
	u->status[0] = '\0';
	u->deferred = 0;
	bool opens = ch == KEY_RIGHT || ch == 'l' || ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == ' ' ||
		     (ch == 'r' && x->nrows && x->rows[x->sel].kind == ROW_OBJECT);
	if (opens && explore_pending(x)) {
		/* every child list is sorted by retained size: wait for them */
		u->deferred = ch;
		u->deferred_is_key = is_key;
		snprintf(u->status, sizeof u->status, "computing retained sizes\u2026 it opens when they are in");
		return EXPLORE_KEY_STAY;
	}
	switch (ch) {
	case 'q':
		return EXPLORE_KEY_QUIT;
	case KEY_UP: case 'k':
		if (x->sel > 0)
			x->sel--;
		break;
	case KEY_DOWN: case 'j':
		if (x->sel + 1 < x->nrows)
			x->sel++;
		break;
	case KEY_PPAGE:
		x->sel = x->sel > (size_t)page ? x->sel - (size_t)page : 0;
		break;
	case KEY_NPAGE:
		x->sel = x->sel + (size_t)page < x->nrows ? x->sel + (size_t)page : (x->nrows ? x->nrows - 1 : 0);
		break;
	case KEY_HOME: case 'g':
		x->sel = 0;
		break;
	case KEY_END: case 'G':
		x->sel = x->nrows ? x->nrows - 1 : 0;
		break;
	case KEY_RIGHT: case 'l':
		if (x->nrows && explore_expand(x, x->sel) < 0)
			oom(u);
		break;
	case '\n': case '\r': case KEY_ENTER: case ' ':
		if (x->nrows && explore_toggle(x, x->sel) < 0)
			oom(u);
		break;
	case KEY_LEFT: case 'h': case 27: {
		/* back: close this row, or go up to its parent and close that;
		 * at the top there is nowhere to go back to */
		if (!x->nrows)
			return EXPLORE_KEY_TOP;
		if (x->rows[x->sel].expanded) {
			explore_collapse(x, x->sel);
			break;
		}
		size_t p = parent_of(x, x->sel);
		if (p == SIZE_MAX)
			return EXPLORE_KEY_TOP;
		x->sel = p;
		explore_collapse(x, p);
		break;
	}
	case 'm':
		explore_set_mode(x, (explore_mode)(x->mode + 1));
		snprintf(u->status, sizeof u->status, "objects now expand into their %s", mode_names[x->mode]);
		break;
	case 'r':
		explore_set_mode(x, EXPLORE_RETAINERS);
		if (x->nrows && x->rows[x->sel].kind == ROW_OBJECT) {
			explore_collapse(x, x->sel);
			if (explore_expand(x, x->sel) < 0)
				oom(u);
		}
		break;
	case 's': {
		/* retained, count, self; no retained while they are computed */
		heap_sort next = x->sort == HEAP_SORT_RETAINED ? HEAP_SORT_COUNT
				 : x->sort == HEAP_SORT_COUNT	? HEAP_SORT_SELF
								: HEAP_SORT_RETAINED;
		if (next == HEAP_SORT_RETAINED && !x->d && !x->diff)
			next = HEAP_SORT_COUNT;
		if (explore_sort(x, next) < 0)
			oom(u);
		break;
	}
	case '/': case '#':
		u->prompt_kind = (char)ch;
		u->input[0] = '\0';
		u->input_cur = 0;
		break;
	case 'n': {
		size_t i = explore_find(x, u->needle);
		if (i != SIZE_MAX)
			x->sel = i;
		break;
	}
	default:
		break;
	}
	return EXPLORE_KEY_STAY;
}

bool explore_ui_tick(explore_ui *u)
{
	explore *x = u->x;
	/* a waiting key is for the row it was pressed on, wherever the sort
	 * by retained size moves it */
	bool on_class = u->deferred && x->nrows && x->rows[x->sel].kind == ROW_CLASS;
	uint32_t cls = on_class ? x->rows[x->sel].cls : 0;
	int rc = explore_poll(x, false);
	if (rc < 0) {
		u->deferred = 0;
		snprintf(u->status, sizeof u->status, "no retained sizes: %.120s", x->retained_err);
	} else if (rc > 0 && u->deferred) {
		for (size_t i = 0; on_class && i < x->nrows; i++)
			if (x->rows[i].kind == ROW_CLASS && x->rows[i].cls == cls)
				x->sel = i;
		int ch = u->deferred;
		explore_ui_key(u, (wint_t)ch, u->deferred_is_key);
	} else if (rc > 0 && x->retained_err[0]) {
		snprintf(u->status, sizeof u->status, "%.150s", x->retained_err);
	}
	return rc != 0;
}

int heap_explore_main(const char *path, const char *after, heap_view view)
{
	char err[512];
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "vitals: heap: explore needs a terminal (use summary for a report)\n");
		return 2;
	}
	fprintf(stderr, "loading %s...\n", after ? after : path);
	explore *x = after ? explore_open_diff(path, after, view, err, sizeof err) : explore_open(path, view, err, sizeof err);
	char title[2 * 4096 + 8];
	snprintf(title, sizeof title, after ? "%s \u2192 %s" : "%s", path, after);
	explore_ui *u = x ? explore_ui_new(x, title, false) : NULL;
	if (!u) {
		if (x)
			snprintf(err, sizeof err, "out of memory");
		explore_free(x);
		fprintf(stderr, "vitals: heap: %s\n", err);
		return 1;
	}
	setlocale(LC_ALL, "");
	if (!initscr()) {
		explore_ui_free(u);
		fprintf(stderr, "vitals: heap: cannot start the terminal\n");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	for (;;) {
		explore_ui_tick(u);
		explore_ui_draw(u);
		refresh();
		/* while the retained sizes are computed, look every 100 ms */
		bool pending = explore_pending(u->x);
		timeout(pending ? 100 : -1);
		wint_t ch;
		int rc = get_wch(&ch);
		if (rc == ERR && pending)
			continue;
		if (rc == ERR)
			break;	/* end of input */
		if (rc == KEY_CODE_YES && ch == KEY_RESIZE)
			continue;
		if (explore_ui_key(u, ch, rc == KEY_CODE_YES) == EXPLORE_KEY_QUIT)
			break;
	}
	endwin();
	explore_ui_free(u);	/* stops the retained sizes' thread if it runs */
	return 0;
}
