/* explore_tui — the terminal front end of `vitals heap explore FILE`: draws
 * explore.h's rows with curses and maps keys to its operations.  One screen:
 * a title line (file, view, mode, sort), the rows (tree on the left; count,
 * self and retained size on the right), a status line (the selected object,
 * or a prompt, or the keys).  Fits 80x24; narrower terminals lose the count
 * column, then the self column.  Names from the snapshot are outside input:
 * control characters are drawn as '?' and every name is cut to its column.
 * The terminal is restored on every way out (q, end of input, errors).
 */
#include "heap/explore_tui.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heap/explore.h"

struct ui {
	explore *x;
	const char *path;
	char prompt_kind;	/* 0, '/' search, '#' jump to id */
	char input[64];
	char status[160];
	char needle[64];
};

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

static const char *const mode_names[EXPLORE_NMODES] = { "containment", "retainers", "dominated" };
static const char *const sort_names[] = { "retained", "count", "self", "retained" };

static void draw(struct ui *u)
{
	explore *x = u->x;
	int h = LINES, w = COLS;
	erase();
	if (h < 5 || w < 30) {
		put_cols(0, 0, "vitals heap explore: the terminal is too small (30x5 at least)", w);
		refresh();
		return;
	}
	char title[400];
	/* the file last: a long path is what gets cut */
	snprintf(title, sizeof title, " %s view \u2014 expand: %s \u2014 sort: %s \u2014 %s",
		 x->sum->view == HEAP_VIEW_RAW ? "raw" : "DevTools", mode_names[x->mode], sort_names[x->sort], u->path);
	attron(A_REVERSE);
	put_cols(0, 0, title, w);
	attroff(A_REVERSE);
	/* numbers columns: count 9, self 11, retained 11 (dropped when narrow) */
	bool show_count = w >= 70, show_self = w >= 50;
	int right = 12 + (show_self ? 12 : 0) + (show_count ? 10 : 0);
	int namew = w - right;
	int rows = h - 3;
	char hdr[200];
	snprintf(hdr, sizeof hdr, "%*s%*s%12s", show_count ? 10 : 0, show_count ? "Count" : "", show_self ? 12 : 0,
		 show_self ? "Self" : "", "Retained");
	put_cols(1, 0, "Constructor / object", namew);
	put_cols(1, namew, hdr, right);
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
		uint64_t count, self, ret;
		explore_numbers(x, r, &count, &self, &ret);
		char num[80] = "", c[16] = "", sz[16] = "";
		if (r->kind == ROW_CLASS)
			snprintf(c, sizeof c, "%llu", (unsigned long long)count);
		if (r->kind != ROW_MORE)
			snprintf(sz, sizeof sz, "%llu", (unsigned long long)self);
		snprintf(num, sizeof num, "%*s%*s%12s", show_count ? 10 : 0, show_count ? c : "", show_self ? 12 : 0,
			 show_self ? sz : "", "");
		if (r->kind != ROW_MORE)
			snprintf(num + strlen(num) - 12, 13, "%12llu", (unsigned long long)ret);
		put_cols(2 + i, namew, num, right);
		if (ri == x->sel)
			attroff(A_REVERSE);
	}
	char status[300];
	if (u->prompt_kind)
		snprintf(status, sizeof status, "%s %s_", u->prompt_kind == '/' ? "search constructor:" : "jump to id: @",
			 u->input);
	else if (u->status[0])
		snprintf(status, sizeof status, "%s", u->status);
	else
		snprintf(status, sizeof status,
			 "\u2191\u2193 move  \u2192/Enter expand  \u2190 back  m mode  s sort  / search  # id  q quit");
	put_cols(h - 1, 0, status, w);
	refresh();
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

static void oom(struct ui *u)
{
	snprintf(u->status, sizeof u->status, "out of memory: that list is too long to open");
}

/* A key in a prompt; returns true when the prompt is done. */
static void prompt_key(struct ui *u, int ch)
{
	explore *x = u->x;
	size_t len = strlen(u->input);
	if (ch == 27) {
		u->prompt_kind = 0;
		return;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len)
			u->input[len - 1] = '\0';
		return;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
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
	bool digit = ch >= '0' && ch <= '9';
	if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof u->input && (u->prompt_kind == '/' || digit)) {
		u->input[len] = (char)ch;
		u->input[len + 1] = '\0';
	}
}

/* Returns false to quit. */
static bool key(struct ui *u, int ch)
{
	explore *x = u->x;
	int page = LINES - 3 > 1 ? LINES - 3 : 1;
	if (u->prompt_kind) {
		prompt_key(u, ch);
		return true;
	}
	u->status[0] = '\0';
	switch (ch) {
	case 'q':
		return false;
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
		/* back: close this row, or go up to its parent and close that */
		if (!x->nrows)
			break;
		if (x->rows[x->sel].expanded) {
			explore_collapse(x, x->sel);
			break;
		}
		size_t p = parent_of(x, x->sel);
		if (p != SIZE_MAX) {
			x->sel = p;
			explore_collapse(x, p);
		}
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
	case 's':
		if (explore_sort(x, x->sort == HEAP_SORT_RETAINED ? HEAP_SORT_COUNT
				    : x->sort == HEAP_SORT_COUNT ? HEAP_SORT_SELF : HEAP_SORT_RETAINED) < 0)
			oom(u);
		break;
	case '/': case '#':
		u->prompt_kind = (char)ch;
		u->input[0] = '\0';
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
	return true;
}

int heap_explore_main(const char *path, heap_view view)
{
	char err[512];
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "vitals: heap: explore needs a terminal (use summary for a report)\n");
		return 2;
	}
	fprintf(stderr, "loading %s...\n", path);
	explore *x = explore_open(path, view, err, sizeof err);
	if (!x) {
		fprintf(stderr, "vitals: heap: %s\n", err);
		return 1;
	}
	setlocale(LC_ALL, "");
	if (!initscr()) {
		explore_free(x);
		fprintf(stderr, "vitals: heap: cannot start the terminal\n");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	struct ui u = { .x = x, .path = path };
	for (;;) {
		draw(&u);
		int ch = getch();
		if (ch == ERR)
			break;	/* end of input */
		if (ch == KEY_RESIZE)
			continue;
		if (!key(&u, ch))
			break;
	}
	endwin();
	explore_free(x);
	return 0;
}
