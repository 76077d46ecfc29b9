/* view — shared pieces of the views; see view.h. */
#include "tui/view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "base/fmt.h"

const int64_t ui_window_ms[UI_NWINDOWS] = { 60000, 300000, 900000, 3600000, 0 };
const char *const ui_window_name[UI_NWINDOWS] = { "1 min", "5 min", "15 min", "1 hour", "all" };

canvas view_canvas(WINDOW *w, const ui_state *ui)
{
	canvas c = { w, ui->th, ui->ascii, ui->braille };
	return c;
}

bool view_too_small(WINDOW *w, const ui_state *ui)
{
	int rows = getmaxy(w), cols = getmaxx(w);
	if (cols >= VIEW_MIN_COLS && rows >= VIEW_MIN_ROWS)
		return false;
	canvas c = view_canvas(w, ui);
	char msg[96];
	snprintf(msg, sizeof msg, "terminal too small: need %dx%d, have %dx%d", VIEW_MIN_COLS,
		 VIEW_MIN_ROWS, cols, rows);
	werase(w);
	if ((int)strlen(msg) > cols)	/* say the same in fewer columns */
		snprintf(msg, sizeof msg, "too small: need %dx%d, have %dx%d", VIEW_MIN_COLS, VIEW_MIN_ROWS,
			 cols, rows);
	if ((int)strlen(msg) > cols)	/* still the size that is needed */
		snprintf(msg, sizeof msg, "too small: %dx%d", VIEW_MIN_COLS, VIEW_MIN_ROWS);
	int len = (int)strlen(msg);
	int x = len < cols ? (cols - len) / 2 : 0;
	canvas_text(&c, rows > 0 ? (rows - 1) / 2 : 0, x, cols - x, msg, ROLE_DEFAULT);
	return true;
}

int64_t view_end_ms(const model *m, const ui_state *ui)
{
	int64_t end = ui->end_ms ? ui->end_ms : m->now_ms;
	if (ui->paused)
		return end;
	/* Live: probe samples arrive between process ticks, after m->now_ms;
	 * the newest must be on screen (and agree with the numbers shown). */
	if (m->now_ms > end)
		end = m->now_ms;
	for (size_t i = 0; i < m->nprocs; i++) {
		const vnode *n = m->procs[i]->node;
		if (n && n->last_sample_ms > end)
			end = n->last_sample_ms;
	}
	return end;
}

double view_value(const vproc *p, int s, const ui_state *ui, int64_t end_ms)
{
	const ring *r = NULL;
	double latest = NAN;
	if (s == VS_RSS) {
		r = &p->rss_r;
		latest = p->rss_bytes > 0 ? p->rss_bytes : NAN;
	} else if (s == VS_CPU) {
		r = &p->cpu_r;
		latest = p->state == PROC_EXITED ? NAN : p->cpu_pct;
	} else if (s >= 0 && s < PS_COUNT && p->node) {
		long off = probe_series_table[s].ring_off;
		r = off < 0 ? NULL : (const ring *)(const void *)((const char *)p->node + off);
		latest = vnode_value(p->node, (probe_series_id)s);
	}
	double v = !ui->paused ? latest : r ? ring_value_at(r, end_ms) : NAN;
	return s == VS_RSS && !(v > 0) ? NAN : v;	/* 0 B resident: not read */
}

int64_t view_window_ms(const ui_state *ui)
{
	if (ui->window < 0 || ui->window >= UI_NWINDOWS)
		return ui_window_ms[0];
	return ui_window_ms[ui->window];
}

void view_header(const canvas *c, int y, int w, const char *left, const model *m, const ui_state *ui)
{
	attr_t a = canvas_attr(c, ROLE_HEADER);
	canvas_fill(c, y, 0, w, a);
	char right[96], clock[16], win[48];
	fmt_clock(clock, sizeof clock, view_end_ms(m, ui));
	int wi = ui->window >= 0 && ui->window < UI_NWINDOWS ? ui->window : 0;
	snprintf(win, sizeof win, "window %s", ui_window_name[wi]);
	snprintf(right, sizeof right, "%s%s%s  %s ", ui->paused ? "PAUSED" : "",
		 ui->paused ? "  " : "", win, clock);
	int rw = canvas_width(right, c->ascii);
	char title[32];
	snprintf(title, sizeof title, " vitals %s ", PACKAGE_VERSION);
	int x = canvas_text_attr(c, y, 0, w, title, a);
	if (w - x - rw > 4)
		canvas_text_attr(c, y, x, w - x - rw - 1, left, a);
	else
		rw = w - x;
	canvas_text_right(c, y, w - rw, rw, right, a);
	if (ui->paused) {
		/* PAUSED stands out: the graphs, the numbers (view_value: the
		 * table, the focus strip, the detail view) and the clock show the
		 * moment scrolled to; threads, fds, handles and the alert pane
		 * stay live, and numbers kept without history are left out */
		int px = w - rw;
		if (px >= 0)
			canvas_text_attr(c, y, px, 6, "PAUSED", a | A_REVERSE);
	}
}

static const char *hint_key(const canvas *c, const key_binding *b)
{
	const key_hint *h = &b->hint;
	return c->ascii && h->key_ascii ? h->key_ascii : h->key ? h->key : b->label;
}

/* "KEY what" at x; returns the x after it and its gap. */
static int draw_hint(const canvas *c, int y, int x, int w, const key_binding *b)
{
	x += canvas_text(c, y, x, w - x, hint_key(c, b), ROLE_KEY);
	x += 1;
	x += canvas_text(c, y, x, w - x, b->hint.what, ROLE_HINT);
	return x + 2;
}

static int hint_width(const canvas *c, const key_binding *b)
{
	return canvas_width(hint_key(c, b), c->ascii) + 1 + canvas_width(b->hint.what, c->ascii);
}

void view_hints(const canvas *c, int y, int w, const key_binding *const *b, size_t n)
{
	canvas_fill(c, y, 0, w, canvas_attr(c, ROLE_HINT));
	if (n == 0)
		return;
	/* the last hint ("? help") always shows: the others give way to it */
	int last = hint_width(c, b[n - 1]), x = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (x + hint_width(c, b[i]) + 2 + last > w)
			break;
		x = draw_hint(c, y, x, w, b[i]);
	}
	if (x + last <= w)
		draw_hint(c, y, x, w, b[n - 1]);
}

void view_status(const canvas *c, int y, int w, const model *m)
{
	attr_t a = canvas_attr(c, ROLE_STATUS);
	canvas_fill(c, y, 0, w, a);
	if (m->status[0])
		canvas_text_attr(c, y, 1, w - 1, m->status, a);
}

int view_text_lines(const char *s)
{
	if (!s || !*s)
		return 0;
	int n = 1;
	for (; *s; s++)
		if (*s == '\n' && s[1])
			n++;
	return n;
}

int view_text(const canvas *c, int y, int h, int w, const char *s, int first)
{
	int line = 0, drawn = 0;
	for (; s && *s && drawn < h; line++) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (line >= first) {
			char buf[1024];
			snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), s);
			canvas_text(c, y + drawn++, 0, w, buf, ROLE_DEFAULT);
		}
		s += len + (nl ? 1 : 0);
	}
	return drawn;
}
